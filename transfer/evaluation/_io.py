"""Reading the evaluation's YAML files (index system, AHP judgements) with errors that name file, line and key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from transfer._yaml import line_of, load_yaml
from transfer.errors import TransferError
from transfer.scenarios import _KeyedValueError as KeyedValueError

__all__ = ["EvaluationError", "KeyedValueError", "line_of", "read_text", "read_yaml", "validation_error"]


class EvaluationError(TransferError):
    """An index system, AHP file or monitoring file is invalid, or the judgements are inconsistent."""


def read_yaml(text: str, where: str) -> tuple[Any, yaml.Node | None]:
    """The one place this package parses YAML (the shared hardened reader): the data and the node tree."""
    return load_yaml(text, where=where, error=EvaluationError)


def read_text(path: str | Path, what: str) -> str:
    """The UTF-8 text of a file, or an error naming it."""
    p = Path(path)
    if p.is_dir():
        raise EvaluationError(f"the {what} path is a folder, not a file", where=str(p), fix="give the .yaml file")
    if not p.is_file():
        raise EvaluationError(f"{what} {p} does not exist", where=str(p), fix="check the path")
    try:
        return p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise EvaluationError("the file is not UTF-8 text", where=str(p), fix="save it as UTF-8") from None
    except OSError as exc:
        raise EvaluationError(
            f"the file cannot be read ({exc.strerror})", where=str(p), fix="check its permissions"
        ) from None


def validation_error(
    exc: ValidationError, model: type[BaseModel], node: yaml.Node | None, where: str, *, fix: str
) -> EvaluationError:
    """The first pydantic error as one message: the key path, its line, and for an unknown key the closest one."""
    from transfer.scenarios import _validation_error

    err = _validation_error(exc, model, node, where, error=EvaluationError, fix=fix)
    assert isinstance(err, EvaluationError)
    return err
