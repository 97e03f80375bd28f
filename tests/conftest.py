"""Shared fixtures: the default layers (loaded once) and a folder for bad input files."""

from __future__ import annotations

import os
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


# The team-server tests need a PostgreSQL/PostGIS server: `make test-server` starts a throwaway one and runs them.
collect_ignore = [] if os.environ.get("TRANSFER_TEST_OWNER_URL") else ["server"]
