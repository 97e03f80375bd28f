"""Regional transfer site matching: pair relocating processing-trade industries and firms with receiving sites."""

from __future__ import annotations

from transfer.errors import (
    InfeasibleError,
    LayerError,
    NetworkError,
    ScenarioError,
    TransferError,
    UnknownNameError,
)
from transfer.layers import Layers, load_default, load_layer

__all__ = [
    "InfeasibleError",
    "LayerError",
    "Layers",
    "NetworkError",
    "ScenarioError",
    "TransferError",
    "UnknownNameError",
    "load_default",
    "load_layer",
]

__version__ = "0.1.0"
