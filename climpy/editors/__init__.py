"""Panel editors over gridded variables, producing replayable edit files.

State (selection, operations, undo/redo, edit files) lives in :class:`EditorState`, a
``param.Parameterized`` without Panel; the editors are thin Panel ``Viewer`` classes over it.
Panel and HoloViews are imported only when an editor class is first used (extra ``[editors]``).
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "EditorState",
    "InternalOceansEditor",
    "MapEditor",
    "PFTEditor",
    "PassagesEditor",
    "SubBasinsEditor",
    "editor_for",
]

_LAZY = {
    "EditorState": "climpy.editors.state",
    "MapEditor": "climpy.editors.map",
    "InternalOceansEditor": "climpy.editors.diagnostics",
    "PassagesEditor": "climpy.editors.diagnostics",
    "SubBasinsEditor": "climpy.editors.diagnostics",
    "PFTEditor": "climpy.editors.diagnostics",
    "editor_for": "climpy.editors.diagnostics",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'climpy.editors' has no attribute {name!r}")
