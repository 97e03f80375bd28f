"""Transport parameters: read transport_params.yaml, merge scenario overrides, validate, list the gaps."""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from transfer._yaml import read_yaml
from transfer.errors import NetworkError
from transfer.names import did_you_mean

__all__ = ["MODES", "REQUIRED_MODES", "check_override", "entry_value", "merge_params", "mode_gaps", "read_params"]

MODES = ("road", "rail", "waterway", "sea")  # resolved in this order (a waterway trip may refer to rail)
REQUIRED_MODES = ("road",)  # without these the network cannot answer anything
MODE_REQUIRED_KEYS = ("cost_cny_teu_km", "speed_kmh")


def read_params(path: Path) -> dict[str, Any]:
    """Read a transport-parameter YAML file."""
    if not Path(path).exists():
        raise NetworkError(
            f"transport parameter file not found: {path}",
            where=str(path),
            fix="restore geodata/curated/transport_params.yaml or pass params=",
        )
    data = read_yaml(path, error=NetworkError)[0]
    if not isinstance(data, dict) or "modes" not in data:
        raise NetworkError(
            "transport parameter file has no 'modes' section",
            where=str(path),
            fix="start from the default geodata/curated/transport_params.yaml",
        )
    return data


_ENTRY_KEYS = ("value", "source", "year", "flag", "trip")


def check_override(base: Mapping[str, Any], override: Mapping[str, Any] | None, *, where: str) -> None:
    """Refuse a key in ``override`` that the parameters do not have (a typo would silently change nothing)."""

    def walk(cur: Mapping[str, Any], over: Mapping[str, Any], path: tuple[str, ...]) -> None:
        for key, val in over.items():
            options = list(cur) if not ("value" in cur or "trip" in cur) else [*cur, *_ENTRY_KEYS]
            if key not in options:
                dotted = ".".join((*path, str(key)))
                raise NetworkError(
                    f"unknown transport parameter {dotted!r}{did_you_mean(str(key), options, cutoff=0.5)}",
                    where=where,
                    fix=f"valid keys there: {', '.join(map(str, options))} (see geodata/curated/transport_params.yaml)",
                )
            sub = cur.get(key)
            if isinstance(val, Mapping) and isinstance(sub, Mapping):
                walk(sub, val, (*path, str(key)))

    walk(base, override or {}, ())


def merge_params(base: Mapping[str, Any], override: Mapping[str, Any] | None) -> dict[str, Any]:
    """Deep-merge ``override`` into a copy of ``base`` (a bare number replaces an entry's value)."""
    out = copy.deepcopy(dict(base))
    for key, val in (override or {}).items():
        cur = out.get(key)
        if isinstance(val, Mapping) and isinstance(cur, Mapping):
            out[key] = merge_params(cur, val)
        elif isinstance(cur, Mapping) and ("value" in cur or "trip" in cur) and not isinstance(val, Mapping):
            new = dict(cur)
            new.pop("trip", None)
            new.update(value=val, source="scenario override", flag="")
            out[key] = new
        else:
            out[key] = copy.deepcopy(val)
    return out


def entry_value(entry: Any, where: str) -> float | None:
    """The number of one parameter entry, None when empty; NetworkError when negative or not a number."""
    if entry is None:
        return None
    val = entry.get("value") if isinstance(entry, Mapping) else entry
    if val is None or val == "":
        return None
    try:
        num = float(val)
    except (TypeError, ValueError) as exc:
        raise NetworkError(
            f"parameter is not a number: {val!r}",
            where=where,
            fix="give a non-negative number or leave it empty with a flag",
        ) from exc
    if not math.isfinite(num) or num < 0:
        raise NetworkError(
            f"parameter must be a non-negative number, got {num}",
            where=where,
            fix="give a non-negative number or leave it empty with a flag",
        )
    return num


def mode_gaps(params: Mapping[str, Any], mode: str) -> list[str]:
    """Names of the required entries of a mode that have neither a value nor a trip to derive it from."""
    m = params.get("modes", {}).get(mode) or {}
    gaps = []
    for key in MODE_REQUIRED_KEYS:
        e = m.get(key)
        if entry_value(e, f"transport_params modes.{mode}.{key}") is None and not (
            isinstance(e, Mapping) and e.get("trip")
        ):
            gaps.append(f"modes.{mode}.{key}")
    return gaps
