"""Shared type aliases."""

from __future__ import annotations

import os
from typing import Literal, TypeAlias

PathLike: TypeAlias = str | os.PathLike[str]
GridKind: TypeAlias = Literal["latlon", "curvilinear", "orca"]
RegridMethod: TypeAlias = Literal["nearest", "bilinear", "conservative"]
EditOp: TypeAlias = Literal["set", "add", "scale"]

__all__ = ["EditOp", "GridKind", "PathLike", "RegridMethod"]
