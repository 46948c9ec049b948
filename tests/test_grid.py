from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from climpy.exceptions import GridError
from climpy.geo import EARTH_RADIUS
from climpy.grid import Grid, detect_north_fold, fold_partner, polygon_area

SPHERE = 4 * np.pi * EARTH_RADIUS**2


def _regular(nlat=6, nlon=12):
    lat = np.linspace(-90 + 90 / nlat, 90 - 90 / nlat, nlat)
    lon = np.linspace(-180 + 180 / nlon, 180 - 180 / nlon, nlon)
    return xr.Dataset({"topo": (("lat", "lon"), np.zeros((nlat, nlon)))}, coords={"lat": lat, "lon": lon})


def test_latlon_grid_area_sums_to_sphere_and_is_periodic():
    g = Grid.from_dataset(_regular())
    assert g.kind == "latlon" and g.shape == (6, 12)
    assert g.periodic_x and g.overlap == 0 and g.north_fold is None
    np.testing.assert_allclose(g.area.sum(), SPHERE, rtol=1e-12)
    assert g.lat.shape == g.lon.shape == (6, 12)
    with pytest.raises(ValueError):
        g.lat[0, 0] = 1.0  # read-only


def test_regional_grid_is_not_periodic_and_has_no_x_wrap():
    ds = _regular().isel(lon=slice(0, 5))
    g = Grid.from_dataset(ds)
    assert not g.periodic_x
    nb = g.neighbours(4)
    assert nb[2, 0, 3] == -1 and nb[2, 4, 2] == -1  # no west of x=0, no east of x=4


def test_periodic_neighbours_wrap_and_poles_are_edges():
    g = Grid.from_dataset(_regular())
    nb = g.neighbours(4)
    ny, nx = g.shape
    assert nb[3, 0, 3] == 3 * nx + nx - 1  # west of x=0 is x=nx-1
    assert nb[3, nx - 1, 2] == 3 * nx  # east of the last column is x=0
    assert nb[ny - 1, 5, 0] == -1 and nb[0, 5, 1] == -1


def test_fingerprint_stable_and_sensitive():
    a = Grid.from_dataset(_regular())
    b = Grid.from_dataset(_regular())
    assert a.fingerprint() == b.fingerprint() == a.fingerprint()
    assert a == b
    shifted = _regular().assign_coords(lon=_regular().lon + 0.5)
    assert Grid.from_dataset(shifted).fingerprint() != a.fingerprint()
    # same grid stored as float32 and with 0..360 longitudes: same hash
    ds = _regular()
    ds32 = ds.assign_coords(lat=ds.lat.astype("float32"), lon=(ds.lon % 360).astype("float32"))
    g32 = Grid.latlon(ds32.lat.values, np.sort(ds32.lon.values))
    assert len(g32.fingerprint()) == 64
    assert Grid.latlon(ds.lat.values, ds.lon.values % 360).fingerprint() == a.fingerprint()


def test_polygon_area_of_octant_and_cap_band():
    # one eighth of the sphere: triangle (0,0) (0,90) (90,0)
    area = polygon_area(np.array([0.0, 0.0, 90.0]), np.array([0.0, 90.0, 0.0]))
    np.testing.assert_allclose(area, SPHERE / 8, rtol=1e-12)
    # reversed orientation gives the same area
    area2 = polygon_area(np.array([90.0, 0.0, 0.0]), np.array([0.0, 90.0, 0.0]))
    np.testing.assert_allclose(area2, area)


def test_curvilinear_area_from_bounds_matches_regular():
    ds = _regular(18, 36)
    lat2, lon2 = xr.broadcast(ds.lat, ds.lon)
    dlat, dlon = 5.0, 5.0
    blat = np.stack([lat2 - dlat, lat2 - dlat, lat2 + dlat, lat2 + dlat], axis=-1)
    blon = np.stack([lon2 - dlon, lon2 + dlon, lon2 + dlon, lon2 - dlon], axis=-1)
    cds = xr.Dataset(
        coords={
            "nav_lat": (("y", "x"), lat2.values),
            "nav_lon": (("y", "x"), lon2.values),
        },
        data_vars={"bounds_lat": (("y", "x", "nv"), blat), "bounds_lon": (("y", "x", "nv"), blon)},
    )
    g = Grid.from_dataset(cds)
    assert g.kind == "curvilinear" and g.periodic_x
    # great-circle edges vs parallels: small difference only
    np.testing.assert_allclose(g.area.sum(), SPHERE, rtol=2e-2)


def test_missing_coordinates_raise():
    with pytest.raises(GridError, match="no latitude/longitude coordinates.*open_topography"):
        Grid.from_dataset(xr.Dataset({"z": (("a", "b"), np.zeros((2, 2)))}))


@pytest.mark.parametrize("fold", ["T", "F"])
def test_fold_partner_is_an_involution_on_the_duplicated_rows(fold):
    ny, nx = 10, 14
    i = np.arange(1, nx - 1)
    j2, i2 = fold_partner(np.full_like(i, ny - 1), i, ny=ny, nx=nx, fold=fold)
    assert np.all(j2 < ny - 1)
    if fold == "F":
        # applying the mirror twice returns the column
        assert np.array_equal(nx - 1 - i2, i)
    else:
        assert np.array_equal((nx - i2) % nx, i)


@pytest.mark.requires_shared_data
@pytest.mark.parametrize(
    ("name", "lat", "lon"),
    [
        ("paleorca2_40Ma_grid.nc", "lat", "lon"),
        ("curvilinear.nc", "nav_lat", "nav_lon"),
        ("geothermal_heatingLMParaT.nc", "nav_lat", "nav_lon"),
    ],
)
def test_orca2_topology_verified_on_the_shared_files(shared_data, name, lat, lon):
    with xr.open_dataset(shared_data / name, decode_times=False) as ds:
        g = Grid.from_dataset(ds)
        la, lo = ds[lat].values.astype(float), ds[lon].values.astype(float)
    assert g.kind == "orca" and g.shape == (149, 182) and g.periodic_x and g.overlap == 2
    assert g.north_fold == detect_north_fold(la, lo) == "F"
    # every duplicate cell has the coordinates of the cell it stands for
    canon = g.canonical().ravel()
    dlon = (lo.ravel() - lo.ravel()[canon] + 180) % 360 - 180
    assert np.abs(la.ravel() - la.ravel()[canon]).max() < 1e-3
    assert np.abs(dlon).max() < 1e-3
    assert g.duplicate_mask.sum() == 2 * 149 + 180  # two overlap columns + the fold row


@pytest.mark.requires_shared_data
def test_orca2_neighbours_symmetric_and_area(shared_data):
    with xr.open_dataset(shared_data / "paleorca2_40Ma_grid.nc") as ds:
        g = Grid.from_dataset(ds)
        file_area = ds["area"].values
    np.testing.assert_array_equal(g.area, file_area)
    unique = ~g.duplicate_mask
    # ORCA2 stops near 78 S: the unique cells cover about 99 % of the sphere
    assert 0.98 < g.area[unique].sum() / SPHERE < 1.0
    for conn in (4, 8):
        nb = g.neighbours(conn).reshape(-1, conn)
        cells = np.flatnonzero(unique.ravel())
        assert np.all(unique.ravel()[nb[cells][nb[cells] >= 0]])  # neighbours are canonical cells
        pairs = {(int(c), int(n)) for c in cells for n in nb[c] if n >= 0}
        assert all((n, c) in pairs for c, n in pairs)
    ny, nx = g.shape
    nb4 = g.neighbours(4)
    # across the fold, the north neighbour of (ny-2, i) is its mirror (ny-2, nx-1-i)
    assert nb4[ny - 2, 10, 0] == (ny - 2) * nx + nx - 1 - 10
    # across the seam, west of x=1 is x=nx-2
    assert nb4[50, 1, 3] == 50 * nx + nx - 2


@pytest.mark.requires_shared_data
def test_orca_area_from_bounds_close_to_file_area(shared_data):
    with xr.open_dataset(shared_data / "paleorca2_40Ma_grid.nc") as ds:
        g = Grid.from_dataset(ds.drop_vars("area"))
        ref = ds["area"].values
    # row 0 and column 0 have NaN bounds in the file; away from the fold rows (>= 145, where the file's
    # areas come from scale factors of a distorted cell) the corners give the file's areas to 2 %
    assert np.isfinite(g.area[1:, 1:]).all()
    np.testing.assert_allclose(g.area[1:145, 1:], ref[1:145, 1:], rtol=2e-2)
    assert np.median(np.abs(g.area[1:, 1:] / ref[1:, 1:] - 1)) < 1e-3
