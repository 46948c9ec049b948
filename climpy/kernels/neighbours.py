"""The one neighbour rule every kernel uses: flat index of the D8 neighbour ``k`` of a cell.

Neighbour ``k`` (0..7) is N, NE, E, SE, S, SW, W, NW (:data:`climpy.kernels.DROW`,
:data:`climpy.kernels.DCOL`); rows never wrap, columns wrap when ``periodic_x``. Kernels on ORCA
grids map the result through the grid's canonical index (:func:`climpy.grid.canonical_index`),
which carries the overlap columns and the north fold. Inlined by numba into each caller, so the
shared helper costs nothing in the inner loops.
"""

from __future__ import annotations

from numba import njit

from climpy.kernels import DCOL, DROW

__all__ = ["E", "N", "S", "W", "neighbour_numba"]

#: Codes of the four face neighbours.
N, E, S, W = 0, 2, 4, 6


@njit(cache=True, inline="always")
def neighbour_numba(r, c, k, nr, nc, periodic_x):
    """Flat index ``rr * nc + cc`` of neighbour ``k`` of cell (r, c), or -1 off the grid."""
    rr = r + DROW[k]
    if rr < 0 or rr >= nr:
        return -1
    cc = c + DCOL[k]
    if cc < 0 or cc >= nc:
        if not periodic_x:
            return -1
        cc = cc + nc if cc < 0 else cc - nc
    return rr * nc + cc
