"""Shared fixtures: the default layers (loaded once) and a folder for bad input files."""

from __future__ import annotations

from pathlib import Path

import pytest

from transfer.layers import Layers, load_default

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def layers() -> Layers:
    return load_default()


@pytest.fixture(scope="session")
def base():
    """The base data of a run (layers, catalogue, accessibility), loaded once per test session."""
    from transfer.pipeline import load_base

    return load_base()
