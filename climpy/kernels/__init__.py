"""Numba kernels: plain ndarrays in and out, no xarray, no recursion, explicit queues.

Each module documents its own array contract. The routing kernels (:mod:`climpy.kernels.fill`,
:mod:`climpy.kernels.flow`; modelled on pysheds ``_sgrid.py`` and pyflwdir ``core_d8.py``, extended
with the boundaries they lack) share these conventions:

* Arrays are 2-D ``(nrow, ncol)`` in the internal orientation: row 0 is the southernmost row,
  rows grow northwards, columns grow eastwards.
* The boundary is an argument. ``periodic_x`` wraps column ``-1`` to ``ncol - 1`` (global lat/lon
  grids); rows never wrap (a lat/lon grid does not cross the poles). ``open_edges`` makes the
  outer ring of a regional grid drain out of the domain.
* Neighbour ``k`` (0..7) is N, NE, E, SE, S, SW, W, NW: ORCHIDEE's ``trip`` is ``k + 1``.
* Flat indices are ``row * ncol + col`` (int64).
"""

from __future__ import annotations

import numpy as np

#: Row offset of neighbour k (0..7 = N, NE, E, SE, S, SW, W, NW); north is row + 1.
DROW = np.array([1, 1, 0, -1, -1, -1, 0, 1], dtype=np.int64)
#: Column offset of neighbour k; east is column + 1.
DCOL = np.array([0, 1, 1, 1, 0, -1, -1, -1], dtype=np.int64)

__all__ = ["DCOL", "DROW"]
