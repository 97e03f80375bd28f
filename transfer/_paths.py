"""Where the embedded default data lives."""

from __future__ import annotations

from pathlib import Path

__all__ = ["default_data_dir", "repo_root"]


def repo_root() -> Path:
    """The project folder that holds geodata/, scenarios/ and app.py."""
    return Path(__file__).resolve().parent.parent


def default_data_dir() -> Path:
    """The embedded default layers folder (``<repo>/geodata``)."""
    return repo_root() / "geodata"
