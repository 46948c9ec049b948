"""The one table of coordinate and variable names that climpy recognises.

:mod:`climpy.io` uses these lists to find the coordinates and the field of a raw file and
normalises what it opens (``topo`` on 1-D ``lat``/``lon``, ``Bathymetry`` on 2-D
``nav_lat``/``nav_lon``). Science code trusts that and looks names up here only to accept the
datasets a user builds by hand (tests, notebooks). Add a new spelling here, nowhere else.
"""

from __future__ import annotations

__all__ = [
    "BATHY_NAMES",
    "BOUNDS_NAMES",
    "LAT_NAMES",
    "LON_NAMES",
    "OCEAN_LAT",
    "OCEAN_LON",
    "TOPO_NAMES",
]

#: Latitude coordinate names, in order of preference.
LAT_NAMES = ("lat", "latitude", "nav_lat", "y_lat", "gphit", "LAT", "Latitude", "lat_t", "yt")
#: Longitude coordinate names, in the same order as :data:`LAT_NAMES`.
LON_NAMES = ("lon", "longitude", "nav_lon", "x_lon", "glamt", "LON", "Longitude", "lon_t", "xt")
#: Names of the 2-D coordinates of the normalised ocean (ORCA) products.
OCEAN_LAT = "nav_lat"
OCEAN_LON = "nav_lon"
#: Cell-corner variables of curvilinear grid files, and the area variable (m2).
BOUNDS_NAMES = ("bounds_lat", "bounds_lon", "area")

#: Elevation-like variables (positive up), tried in this order when no variable is given.
TOPO_NAMES = (
    "topo",
    "topography",
    "Z",
    "z",
    "elevation",
    "elev",
    "height",
    "orog",
    "RELIEF",
    "relief",
    "bathy_topo",
)
#: Depth-like variables (positive down), tried in this order when no variable is given.
BATHY_NAMES = ("Bathymetry", "bathymetry", "bathy", "Bathy", "depth", "Depth", "deptho", "bathy_metry")
