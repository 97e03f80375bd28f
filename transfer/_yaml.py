"""The one YAML reader: safe tags only, bounded size and alias expansion, no duplicate keys, errors with lines.

Every YAML file a user can give (scenarios, industry catalogues, corridors, transport parameters, index systems,
AHP judgements) is read here. The document is composed to a node tree first and checked before any Python object
is built, so an alias bomb (a few lines that expand to billions of nodes) is refused in milliseconds instead of
taking the memory of the machine, and ``a: 1`` written twice in one mapping is an error naming both lines instead
of silently keeping the last value.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from transfer.errors import TransferError

__all__ = ["MAX_YAML_BYTES", "MAX_YAML_DEPTH", "MAX_YAML_NODES", "line_of", "load_yaml", "read_yaml"]

MAX_YAML_BYTES = 2_000_000  # a scenario with a thousand site edits is ~100 kB
MAX_YAML_NODES = 200_000  # nodes after alias expansion: the default scenarios have < 2 000
MAX_YAML_DEPTH = 64  # nesting levels: the deepest schema has 6

_KEY_AT_LINE = re.compile(r"\s*(?:-\s+)?([^\s:#'\"{}\[\],][^:#{}\[\],]*?)\s*:(?:\s|$)")
_MERGE_TAG = "tag:yaml.org,2002:merge"


def _key_at(text: str, line0: int) -> str | None:
    """The mapping key written at the start of a 0-based line of ``text``, if any."""
    lines = text.splitlines()
    m = _KEY_AT_LINE.match(lines[line0]) if 0 <= line0 < len(lines) else None
    return m.group(1) if m else None


def _syntax_error(exc: yaml.YAMLError, where: str, text: str, error: type[TransferError]) -> TransferError:
    mark = getattr(exc, "problem_mark", None)
    line = f", line {mark.line + 1}" if mark is not None else ""
    problem = getattr(exc, "problem", None) or str(exc)
    ctx_mark = getattr(exc, "context_mark", None)
    start = ctx_mark if ctx_mark is not None else mark
    key = _key_at(text, start.line) if start is not None else None
    near = ""
    context = getattr(exc, "context", None)
    if ctx_mark is not None and context:
        near = f" ({context} that starts at line {ctx_mark.line + 1}" + (f", key {key!r})" if key else ")")
    elif key:
        near = f" (key {key!r})"
    params: dict[str, object] = {"file": where, "rows": [mark.line + 1] if mark is not None else [], "problem": problem}
    if isinstance(exc, yaml.constructor.ConstructorError):
        return error(
            f"the YAML uses a tag that is not allowed{near}: {problem}",
            where=f"{where}{line}",
            fix="remove the '!!' tag: only plain YAML values are accepted",
            code="yaml.tag",
            params=params,
        )
    return error(
        f"the YAML is malformed{near}: {problem}",
        where=f"{where}{line}",
        fix="check indentation (spaces, not tabs), closing brackets and quoting around values with ':' or '#'",
        code="yaml.syntax",
        params=params,
    )


def _scalar_key(node: yaml.Node) -> tuple[str, str] | None:
    return (node.tag, node.value) if isinstance(node, yaml.ScalarNode) else None


def _check(root: yaml.Node, where: str, error: type[TransferError], max_nodes: int) -> None:
    """Refuse duplicate keys, recursive aliases, deep nesting and an expanded size above ``max_nodes``."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: yaml.Node, depth: int) -> int:
        ident = id(node)
        if ident in sizes:
            return sizes[ident]
        line = node.start_mark.line + 1
        if ident in active:
            raise error(
                "an alias refers to the mapping or list that contains it",
                where=f"{where}, line {line}",
                fix="remove the recursive '*alias'",
            )
        if depth > MAX_YAML_DEPTH:
            raise error(
                f"the YAML is nested more than {MAX_YAML_DEPTH} levels deep",
                where=f"{where}, line {line}",
                fix="flatten the structure; no file the tool reads needs that depth",
            )
        active.add(ident)
        total = 1
        if isinstance(node, yaml.MappingNode):
            seen: dict[tuple[str, str], int] = {}
            for key, value in node.value:
                sk = _scalar_key(key)
                if sk is not None and sk[0] != _MERGE_TAG:
                    k_line = key.start_mark.line + 1
                    if sk in seen:
                        raise error(
                            f"key {sk[1]!r} appears twice in one mapping (lines {seen[sk]} and {k_line})",
                            where=f"{where}, line {k_line}",
                            fix="keep one of the two: YAML would silently use the last one",
                            code="yaml.duplicate_key",
                            params={"file": where, "rows": [k_line], "key": sk[1], "first": seen[sk]},
                        )
                    seen[sk] = k_line
                total += size(key, depth + 1) + size(value, depth + 1)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                total += size(item, depth + 1)
        active.discard(ident)
        if total > max_nodes:
            raise error(
                f"the YAML expands to more than {max_nodes:,} values (aliases '*' repeat what an anchor '&' holds)",
                where=f"{where}, line {line}",
                fix="write the values out instead of nesting aliases; a scenario never needs this many",
            )
        sizes[ident] = total
        return total

    size(root, 0)


def load_yaml(
    text: str,
    *,
    where: str,
    error: type[TransferError],
    max_bytes: int = MAX_YAML_BYTES,
    max_nodes: int = MAX_YAML_NODES,
) -> tuple[Any, yaml.Node | None]:
    """Parse YAML ``text`` safely: the data (None for an empty document) and the node tree, for line numbers.

    Raises ``error`` (a TransferError subclass) naming ``where`` and the line for malformed YAML, a disallowed tag,
    a duplicate key, a recursive alias, nesting deeper than MAX_YAML_DEPTH, a document over ``max_bytes`` or one
    whose aliases expand to more than ``max_nodes`` values.
    """
    size = len(text.encode("utf-8", errors="replace"))
    if size > max_bytes:
        raise error(
            f"the YAML is {size:,} bytes, more than the {max_bytes:,} accepted",
            where=where,
            fix="split it, or check that the right file was chosen",
        )
    if text.startswith("\ufeff"):
        text = text[1:]
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        _check(node, where, error, max_nodes)
        return loader.construct_document(node), node
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, where, text, error) from None
    except RecursionError:
        raise error(
            "the YAML is nested too deeply to read",
            where=where,
            fix="flatten the structure; no file the tool reads needs that depth",
        ) from None
    finally:
        loader.dispose()


def read_yaml(
    path: str | Path, *, error: type[TransferError], max_bytes: int = MAX_YAML_BYTES
) -> tuple[Any, yaml.Node | None]:
    """Read a YAML file with :func:`load_yaml`; a missing file, a folder or non-UTF-8 text is ``error`` too."""
    p = Path(path)
    if p.is_dir():
        raise error("this is a folder, not a YAML file", where=str(p), fix="give the path of a .yaml file")
    if not p.exists():
        raise error("the file does not exist", where=str(p), fix="check the path")
    try:
        if p.stat().st_size > max_bytes:
            raise error(
                f"the file is {p.stat().st_size:,} bytes, more than the {max_bytes:,} accepted for YAML",
                where=str(p),
                fix="check that the right file was chosen",
            )
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise error("the file is not UTF-8 text", where=str(p), fix="save it as UTF-8") from None
    except OSError as exc:
        raise error(f"the file cannot be read ({exc.strerror})", where=str(p), fix="check its permissions") from None
    return load_yaml(text, where=str(p), error=error, max_bytes=max_bytes)


def line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the key or item at ``loc`` inside a composed YAML node, as far as it can be followed."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            found = None
            for k, v in node.value:
                if k.value == str(part):
                    found = (k, v)
                    break
            if found is None:
                return line
            line = found[0].start_mark.line + 1
            node = found[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line
