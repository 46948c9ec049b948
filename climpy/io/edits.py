"""Edit files on disk: the JSON and NetCDF formats of :class:`climpy.edits.EditFile`, and replay scripts.

The edit model and its replay are pure (:mod:`climpy.edits`); reading and writing them is here,
at the edge, through the one atomic writer (:mod:`climpy.io.write`).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from climpy._typing import PathLike
from climpy.edits import EditFile
from climpy.exceptions import EditReplayError, InputError
from climpy.io.write import write_bytes, write_netcdf

__all__ = ["edits_from_dataset", "edits_to_dataset", "export_replay_script", "load_edits", "save_edits"]

logger = logging.getLogger(__name__)


def edits_to_dataset(edits: EditFile) -> xr.Dataset:
    """NetCDF form of an edit file: one row per edited cell, operations as a ragged index ``cell_op``."""
    n = [op.size for op in edits.operations]
    cell_op = np.repeat(np.arange(len(n), dtype=np.int32), n)
    data: dict[str, Any] = {"cell_op": ("cell", cell_op, {"long_name": "operation of each cell"})}
    for axis, dim in enumerate(edits.dims):
        vals = (
            np.concatenate([op.index[axis] for op in edits.operations])
            if edits.operations
            else np.zeros(0, np.int64)
        )
        data[f"index_{dim}"] = ("cell", vals, {"long_name": f"grid index along {dim}"})
    values = [np.broadcast_to(np.asarray(op.value, np.float64), (op.size,)) for op in edits.operations]
    data["cell_value"] = ("cell", np.concatenate(values) if values else np.zeros(0), {})
    have_ll = all(op.lat is not None for op in edits.operations) and bool(edits.operations)
    if have_ll:
        data["cell_lat"] = ("cell", np.concatenate([op.lat for op in edits.operations]))  # type: ignore[misc]
        data["cell_lon"] = ("cell", np.concatenate([op.lon for op in edits.operations]))  # type: ignore[misc]
    data["op_name"] = ("op", np.array([op.op for op in edits.operations], dtype=object))
    data["op_scalar"] = (
        "op",
        np.array([isinstance(op.value, float) for op in edits.operations], dtype=np.int8),
    )
    data["op_selection"] = (
        "op",
        np.array([json.dumps(op.selection) for op in edits.operations], dtype=object),
    )
    header = edits.to_dict()
    header.pop("operations")
    ds = xr.Dataset(data)
    ds.attrs = {k: json.dumps(v) if isinstance(v, list) else v for k, v in header.items()}
    ds.attrs["title"] = f"climpy edit file for variable {edits.variable}"
    return ds


def edits_from_dataset(ds: xr.Dataset, *, where: str = "edit file") -> EditFile:
    """Inverse of :func:`edits_to_dataset`."""
    try:
        d: dict[str, Any] = dict(ds.attrs)
        d["dims"] = json.loads(d["dims"])
        d["shape"] = json.loads(d["shape"])
        d["version"] = int(d["version"])
        cell_op = ds["cell_op"].values
        ops = []
        for k in range(ds.sizes.get("op", 0)):
            sel = cell_op == k
            value: Any = ds["cell_value"].values[sel]
            if int(ds["op_scalar"].values[k]):
                value = float(value[0]) if value.size else 0.0
            o = {
                "op": str(ds["op_name"].values[k]),
                "index": [ds[f"index_{dim}"].values[sel] for dim in d["dims"]],
                "value": value,
                "selection": json.loads(str(ds["op_selection"].values[k])),
            }
            if "cell_lat" in ds:
                o["lat"] = ds["cell_lat"].values[sel]
                o["lon"] = ds["cell_lon"].values[sel]
            ops.append(o)
        d["operations"] = ops
    except (KeyError, TypeError, ValueError) as err:
        raise EditReplayError(
            f"{where}: corrupted NetCDF edit file ({type(err).__name__}: {err}); "
            "re-export it from the editor"
        ) from err
    return EditFile.from_dict(d, where=where)


def save_edits(edits: EditFile, path: PathLike) -> Path:
    """Write ``edits`` atomically as JSON (``.json``) or NetCDF (``.nc``); a failed write keeps the old file.

    Returns
    -------
    Path
        The written file.
    """
    p = Path(path)
    if p.suffix == ".nc":
        write_netcdf(edits_to_dataset(edits), p)
    elif p.suffix == ".json":
        write_bytes(p, json.dumps(edits.to_dict(), indent=1))
    else:
        raise InputError(f"{p}: edit files end in .json or .nc; rename the output")
    logger.info("wrote %d operations (%d cells) to %s", len(edits.operations), edits.n_cells, p)
    return p


def load_edits(path: PathLike) -> EditFile:
    """Read an edit file (JSON or NetCDF).

    Raises
    ------
    EditReplayError
        If the file is unreadable or corrupted; the message names the file and the fix.
    """
    p = Path(path)
    if not p.is_file():
        raise EditReplayError(f"{p}: edit file not found; check the path")
    head = p.read_bytes()[:8]
    if head.startswith((b"CDF", b"\x89HDF")):
        try:
            with xr.open_dataset(p, engine="netcdf4") as ds:
                ef = edits_from_dataset(ds.load(), where=str(p))
        except EditReplayError:
            raise
        except Exception as err:
            raise EditReplayError(f"{p}: cannot read the NetCDF edit file ({err}); re-export it") from err
        ef.path = str(p)
        return ef
    try:
        d = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise EditReplayError(
            f"{p}: corrupted edit file, not valid JSON ({err}); re-export it from the editor"
        ) from err
    ef = EditFile.from_dict(d, where=str(p))
    ef.path = str(p)
    return ef


# --------------------------------------------------------------------------------------------
# standalone replay script
# --------------------------------------------------------------------------------------------
_SCRIPT = '''#!/usr/bin/env python
"""Replay hand edits on {variable!s}: generated by climpy {version} on {created}.

{description}

Usage: python {script} INPUT.nc OUTPUT.nc
Needs only numpy and xarray (not climpy). Every operation is stored on explicit grid indices, so
box, lasso and histogram selections replay exactly.
"""
import json
import sys

import numpy as np
import xarray as xr

EDITS = json.loads({payload!r})


def main(src, dst):
    ds = xr.open_dataset(src).load()
    da = ds[EDITS["variable"]].transpose(*EDITS["dims"])
    if list(da.shape) != EDITS["shape"]:
        sys.exit(f"{{src}}: {{EDITS['variable']}} has shape {{list(da.shape)}}, the edits were made on "
                 f"{{EDITS['shape']}}; use the input these edits were made for")
    values = np.array(da.values, dtype=np.float64)
    for op in EDITS["operations"]:
        idx = tuple(np.asarray(i, dtype=np.int64) for i in op["index"])
        value = np.asarray(op["value"], dtype=np.float64)
        if op["op"] == "set":
            values[idx] = value
        elif op["op"] == "add":
            values[idx] = values[idx] + value
        else:  # scale: percent change
            values[idx] = values[idx] * (1.0 + value / 100.0)
    ds[EDITS["variable"]] = da.copy(data=values.astype(da.dtype)).transpose(*ds[EDITS["variable"]].dims)
    ds.to_netcdf(dst)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
'''


def export_replay_script(edits: EditFile, path: PathLike) -> Path:
    """Write a standalone Python script that replays ``edits`` with numpy and xarray only.

    The operations are embedded in the script, so it runs anywhere: ``python script.py in.nc out.nc``.
    The written file is atomic and executable.
    """
    p = Path(path)
    payload = json.dumps({k: v for k, v in edits.to_dict().items() if k != "description"})
    text = _SCRIPT.format(
        variable=edits.variable,
        version=edits.climpy_version,
        created=edits.created,
        description=(edits.description or "(no description)").replace('"""', "'''"),
        script=p.name,
        payload=payload,
    )
    return write_bytes(p, text, mode=0o755)
