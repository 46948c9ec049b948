"""Small synthetic datasets for the editor tests (no Panel needed)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr


def latlon_topo(nlat: int = 18, nlon: int = 36, seed: int = 0) -> xr.Dataset:
    """A global 10-degree topography: land > 0, ocean <= 0, with a little noise."""
    rng = np.random.default_rng(seed)
    lat = np.linspace(-90 + 90 / nlat, 90 - 90 / nlat, nlat)
    lon = np.linspace(-180, 180, nlon, endpoint=False) + 180 / nlon
    la, lo = np.meshgrid(lat, lon, indexing="ij")
    topo = 1500 * np.cos(np.deg2rad(la)) * np.sin(np.deg2rad(lo)) - 300 + rng.normal(0, 50, la.shape)
    return xr.Dataset(
        {"topo": (("lat", "lon"), topo, {"units": "m", "long_name": "surface elevation"})},
        coords={
            "lat": ("lat", lat, {"units": "degrees_north"}),
            "lon": ("lon", lon, {"units": "degrees_east"}),
        },
    )


def curvilinear_bathy(ny: int = 10, nx: int = 12) -> xr.Dataset:
    y, x = np.meshgrid(np.arange(ny), np.arange(nx), indexing="ij")
    bathy = np.where((x > 3) & (x < 8), 0.0, 200.0 * (1 + y))
    return xr.Dataset(
        {
            "Bathymetry": (("y", "x"), bathy, {"units": "m", "long_name": "ocean depth", "positive": "down"}),
            "nav_lat": (("y", "x"), -70 + 14.0 * y + 0.2 * x),
            "nav_lon": (("y", "x"), -180 + 30.0 * x + 0.1 * y),
        }
    )


@pytest.fixture
def topo_ds() -> xr.Dataset:
    return latlon_topo()


@pytest.fixture
def bathy_ds() -> xr.Dataset:
    return curvilinear_bathy()
