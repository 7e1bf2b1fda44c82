"""Fields of view: a circular sector per camera, in the metric CRS of :mod:`sharpeyes.model.crs`.

A camera sees a circular sector: apex at its position, centred on its heading (0° = north,
clockwise, degrees), ``fov_deg`` wide (horizontal angle), ``range_m`` deep (metres). Where a registry
leaves a figure blank, the default of its camera type is used; every default is in one table,
:data:`FOV_DEFAULTS`, and every filled value is flagged in the ``fov_defaulted`` column.

Defaults (``camera_type`` codes of :data:`sharpeyes.model.codes.CAMERA_TYPES`)::

    type                      fov_deg   range_m HD   range_m SD/unknown   why
    1  dome (PTZ dome) 球机     360        100          60                 pans all round
    2  half-dome 半球           110         30          20                 fixed wide lens, eaves/indoor
    3  fixed bullet 固定枪机     80         60          40                 fixed lens, 60–100°
    4  PTZ bullet 遥控枪机      360        120          80                 pans all round, longer lens
    5  checkpoint bullet 卡口    30         40          30                 narrow, aimed at lanes
    99 unknown / blank 未知      90         50          35                 a middling fixed camera

"HD" is ``is_hd`` true, or else a known ``resolution`` at or above ``hd_min_lines`` (1080 by
default); cameras of unknown resolution get the SD range (the conservative choice, reported).

A directional camera (field narrower than 360°) whose heading is blank cannot be drawn facing the
right way. Rather than invent a direction, it is modelled as an **equal-area disc**: 360° wide with
range ``range_m * sqrt(fov_deg / 360)``, so area figures stay unbiased; it is flagged
``heading`` in ``fov_defaulted`` and ``fov_model`` is ``"equal_area_disc"``.

Headings are normalised into [0, 360) (so 360°, 720° and -90° are read as 0°, 0° and 270°);
horizontal angles above 360° are cut to 360°; zero or negative angles and ranges are replaced by the
default and reported in ``fov_problem``. :func:`fov_sectors` refuses negative ranges outright
(:class:`~sharpeyes._errors.InputError` naming the devices) unless defaults are applied first.

Sectors are polygons with one vertex every ``arc_step_deg`` at most (11.25° by default, 32 per
full circle), placed on a circle of radius ``range_m * sqrt(a / sin a)`` (``a`` the step in
radians, +0.3 % at 11.25°) so that each polygon has exactly the area of the true sector. Headings are taken against grid north of the metric CRS (the meridian
convergence in a UTM or Gauss–Krüger zone is under 3°).
"""

from __future__ import annotations

from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from numpy.typing import NDArray

from sharpeyes._errors import InputError
from sharpeyes.model.codes import HD_MIN_LINES
from sharpeyes.model.columns import WGS84
from sharpeyes.model.crs import metric_crs
from sharpeyes.model.frames import obj_array

__all__ = [
    "FOV_DEFAULTS",
    "FOV_DEFAULTS_UNKNOWN_TYPE",
    "fov_defaults",
    "fov_defaults_table",
    "fov_sectors",
    "fov_values",
    "project_points",
]

#: camera_type → (fov_deg, range_m when HD, range_m when SD or unknown resolution).
FOV_DEFAULTS: Final[dict[int, tuple[float, float, float]]] = {
    1: (360.0, 100.0, 60.0),
    2: (110.0, 30.0, 20.0),
    3: (80.0, 60.0, 40.0),
    4: (360.0, 120.0, 80.0),
    5: (30.0, 40.0, 30.0),
    99: (90.0, 50.0, 35.0),
}
#: Used for a blank or unknown camera type.
FOV_DEFAULTS_UNKNOWN_TYPE: Final = FOV_DEFAULTS[99]

#: Degrees between polygon vertices along a sector's arc.
ARC_STEP_DEG: Final = 11.25


def fov_defaults_table() -> pd.DataFrame:
    """The default table as a frame (camera_type, labels, fov_deg, range_m_hd, range_m_sd) for docs/UI."""
    from sharpeyes.model.codes import CAMERA_TYPES

    rows = []
    for code, (fov, r_hd, r_sd) in FOV_DEFAULTS.items():
        entry = CAMERA_TYPES.get(code)
        rows.append(
            {
                "camera_type": code,
                "zh": entry.zh if entry else "",
                "en": entry.en if entry else "",
                "fov_deg": fov,
                "range_m_hd": r_hd,
                "range_m_sd": r_sd,
            }
        )
    return pd.DataFrame(rows)


def project_points(
    cameras: pd.DataFrame, crs: pyproj.CRS
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Camera positions in ``crs`` (metres) as two arrays; NaN where a camera has no position.

    Uses the geometry when ``cameras`` is a GeoDataFrame with point geometry, else ``lon``/``lat``
    (degrees, WGS-84).
    """
    if isinstance(cameras, gpd.GeoDataFrame) and cameras.geometry.name in cameras:
        geo = cameras.geometry
        missing = geo.isna().to_numpy() | geo.is_empty.to_numpy()
        xs = np.full(len(geo), np.nan)
        ys = np.full(len(geo), np.nan)
        if (~missing).any():
            pts = geo[~missing]
            src = pts.crs or WGS84
            x0 = shapely.get_x(pts.to_numpy())
            y0 = shapely.get_y(pts.to_numpy())
            tr = pyproj.Transformer.from_crs(src, crs, always_xy=True)
            xs[~missing], ys[~missing] = tr.transform(x0, y0)
        return xs, ys
    if "lon" not in cameras or "lat" not in cameras:
        raise InputError("cameras have neither point geometry nor lon/lat columns")
    lon = pd.to_numeric(cameras["lon"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    lat = pd.to_numeric(cameras["lat"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    tr = pyproj.Transformer.from_crs(WGS84, crs, always_xy=True)
    xs, ys = tr.transform(lon, lat)
    xs = np.where(np.isfinite(lon) & np.isfinite(lat), xs, np.nan)
    ys = np.where(np.isfinite(lon) & np.isfinite(lat), ys, np.nan)
    return np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)


# -- defaults ------------------------------------------------------------------------------------


def _float_column(frame: pd.DataFrame, name: str) -> NDArray[np.float64]:
    if name not in frame:
        return np.full(len(frame), np.nan)
    values = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.array(values, dtype=float, copy=True)


def hd_flags(cameras: pd.DataFrame, *, hd_min_lines: int = HD_MIN_LINES) -> pd.Series:
    """HD per camera as a nullable boolean: ``is_hd`` where given, else ``resolution >= hd_min_lines``,
    else unknown (``<NA>``)."""
    n = len(cameras)
    res = _float_column(cameras, "resolution")
    from_res = pd.array(np.where(np.isnan(res), False, res >= hd_min_lines), dtype="boolean")
    from_res[np.isnan(res)] = pd.NA
    if "is_hd" in cameras:
        given = pd.array(list(obj_array(cameras["is_hd"])), dtype="boolean")
        out = pd.array(given, dtype="boolean")
        blank = pd.isna(given)
        out[blank] = from_res[blank]
    else:
        out = from_res
    return pd.Series(out, index=cameras.index if n else None, name="is_hd", dtype="boolean")


def fov_values(
    cameras: pd.DataFrame,
    *,
    hd_min_lines: int = HD_MIN_LINES,
    hd: NDArray[np.bool_] | None = None,
) -> dict[str, NDArray[Any]]:
    """The filled ``heading_deg``, ``fov_deg``, ``range_m`` of :func:`fov_defaults` as arrays, with
    what was blank (``heading_blank``, ``fov_blank``, ``range_blank``, ``no_direction``) and the
    ``problem`` texts; no copy of the frame (``hd``: the HD flags when already known, unknown as
    False)."""
    n = len(cameras)
    ctype = _float_column(cameras, "camera_type")
    heading = _float_column(cameras, "heading_deg")
    fov = _float_column(cameras, "fov_deg")
    rng = _float_column(cameras, "range_m")
    if hd is None:
        hd = hd_flags(cameras, hd_min_lines=hd_min_lines).fillna(False).to_numpy(dtype=bool)

    codes = np.where(np.isnan(ctype), 99, ctype).astype(int)
    known = np.isin(codes, list(FOV_DEFAULTS))
    codes = np.where(known, codes, 99)
    types = np.array(sorted(FOV_DEFAULTS))
    table = np.array([FOV_DEFAULTS[int(c)] for c in types]).reshape(len(types), 3)
    row = np.searchsorted(types, codes)
    d_fov = table[row, 0]
    d_range = np.where(hd, table[row, 1], table[row, 2])

    problem = np.full(n, "", dtype=object)
    bad_range = np.isfinite(rng) & (rng <= 0)
    for i in np.flatnonzero(bad_range):
        problem[i] = f"range_m {rng[i]:g} is not positive: default used"
    bad_fov = np.isfinite(fov) & (fov <= 0)
    for i in np.flatnonzero(bad_fov):
        problem[i] = (problem[i] + "; " if problem[i] else "") + (
            f"fov_deg {fov[i]:g} is not positive: default used"
        )
    bad_heading = ~np.isfinite(heading) & ~np.isnan(heading)
    heading[bad_heading] = np.nan

    fov_blank = np.isnan(fov) | bad_fov
    range_blank = np.isnan(rng) | bad_range
    fov_f = np.where(fov_blank, d_fov, np.minimum(fov, 360.0))
    range_f = np.where(range_blank, d_range, rng)
    full = fov_f >= 360.0
    heading_blank = np.isnan(heading)
    no_direction = heading_blank & ~full
    range_f = np.where(no_direction, range_f * np.sqrt(fov_f / 360.0), range_f)
    fov_f = np.where(no_direction, 360.0, fov_f)
    heading_f = np.where(heading_blank, 0.0, np.mod(heading, 360.0))

    return {
        "heading_deg": heading_f,
        "fov_deg": fov_f,
        "range_m": range_f,
        "heading_blank": heading_blank,
        "no_direction": no_direction,
        "fov_blank": fov_blank,
        "range_blank": range_blank,
        "problem": problem,
    }


def fov_defaults(cameras: pd.DataFrame, *, hd_min_lines: int = HD_MIN_LINES) -> pd.DataFrame:
    """``cameras`` with ``heading_deg``, ``fov_deg`` and ``range_m`` filled from :data:`FOV_DEFAULTS`.

    Parameters
    ----------
    cameras
        Canonical camera frame (``camera_type``, ``heading_deg``, ``fov_deg``, ``range_m``,
        ``resolution``/``is_hd``; missing columns count as blank).
    hd_min_lines
        Vertical resolution (lines) from which a camera is HD and gets the HD range.

    Returns
    -------
    DataFrame
        A copy with the three columns filled (heading degrees in [0, 360), 0 = north, clockwise;
        angle degrees in (0, 360]; range metres > 0) and:

        - ``fov_defaulted``: comma-joined names of what was defaulted (``"heading,fov,range"``,
          ``""`` when the registry gave everything);
        - ``fov_model``: ``"sector"``, ``"disc"`` (360°) or ``"equal_area_disc"`` (directional
          camera without heading, see the module docstring);
        - ``fov_problem``: why a given value was not used (negative range, zero angle), else ``""``.
    """
    out = cameras.copy()
    n = len(out)
    v = fov_values(out, hd_min_lines=hd_min_lines)
    heading_blank, no_direction, fov_blank, range_blank = (
        v["heading_blank"],
        v["no_direction"],
        v["fov_blank"],
        v["range_blank"],
    )
    heading_f, fov_f, range_f, problem = v["heading_deg"], v["fov_deg"], v["range_m"], v["problem"]

    defaulted = np.full(n, "", dtype=object)
    for mask, name in (
        (heading_blank & (no_direction | (fov_f < 360.0)), "heading"),
        (fov_blank, "fov"),
        (range_blank, "range"),
    ):
        idx = np.flatnonzero(mask)
        defaulted[idx] = np.where(defaulted[idx] == "", name, defaulted[idx] + "," + name)

    out["heading_deg"] = heading_f
    out["fov_deg"] = fov_f
    out["range_m"] = range_f
    out["fov_defaulted"] = pd.array(defaulted.astype(str), dtype="string")
    model = np.where(no_direction, "equal_area_disc", np.where(fov_f >= 360.0, "disc", "sector"))
    out["fov_model"] = pd.array(model.astype(str), dtype="string")
    out["fov_problem"] = pd.array(problem.astype(str), dtype="string")
    return out


# -- sectors -------------------------------------------------------------------------------------


def sector_polygons(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    heading_deg: NDArray[np.float64],
    fov_deg: NDArray[np.float64],
    range_m: NDArray[np.float64],
    *,
    arc_step_deg: float = ARC_STEP_DEG,
) -> NDArray[np.object_]:
    """Sector polygons from arrays (metres, degrees), vectorised: one shapely polygon per element,
    ``None`` where the position is NaN. Sectors of equal vertex count are built in one call."""
    n = len(x)
    out = np.full(n, None, dtype=object)
    ok = np.isfinite(x) & np.isfinite(y)
    fov = np.clip(fov_deg, 0.0, 360.0)
    full = fov >= 360.0
    n_arc = np.maximum(2, np.ceil(fov / arc_step_deg).astype(int))
    n_arc = np.where(full, round(360.0 / arc_step_deg), n_arc)
    for k in np.unique(n_arc[ok]):
        for is_full in (True, False):
            sel = np.flatnonzero(ok & (n_arc == k) & (full == is_full))
            if len(sel) == 0:
                continue
            if is_full:
                t = np.linspace(0.0, 360.0, k + 1)
                ang = np.deg2rad(t)[None, :]
            else:
                t = np.linspace(-0.5, 0.5, k + 1)
                ang = np.deg2rad(heading_deg[sel, None] + fov[sel, None] * t[None, :])
            # vertices on a circle slightly wider than the range, so that the polygon's area equals
            # the true sector's (each of the k triangles has r²·sin(Δ)/2 instead of r²·Δ/2)
            step = np.deg2rad(360.0 / k if is_full else fov[sel] / k)
            r = (range_m[sel] * np.sqrt(step / np.sin(step)))[:, None]
            ax = x[sel, None] + r * np.sin(ang)
            ay = y[sel, None] + r * np.cos(ang)
            if is_full:
                ax[:, -1] = ax[:, 0]
                ay[:, -1] = ay[:, 0]
                coords = np.stack([ax, ay], axis=-1)
            else:
                apex_x = x[sel, None]
                apex_y = y[sel, None]
                coords = np.stack(
                    [
                        np.concatenate([apex_x, ax, apex_x], axis=1),
                        np.concatenate([apex_y, ay, apex_y], axis=1),
                    ],
                    axis=-1,
                )
            out[sel] = shapely.polygons(coords)
    return out


def fov_sectors(
    cameras: pd.DataFrame,
    *,
    crs: pyproj.CRS | str | None = None,
    hd_min_lines: int = HD_MIN_LINES,
    arc_step_deg: float = ARC_STEP_DEG,
    apply_defaults: bool = True,
) -> gpd.GeoSeries:
    """One field-of-view polygon per camera, in a metric CRS.

    Parameters
    ----------
    cameras
        Canonical cameras (point geometry in any CRS, or ``lon``/``lat`` in WGS-84 degrees).
    crs
        Metric CRS of the result; default :func:`~sharpeyes.model.crs.metric_crs` of the cameras.
    hd_min_lines
        HD threshold in lines, for the default range.
    arc_step_deg
        Degrees between vertices along the arc.
    apply_defaults
        Fill blanks with :func:`fov_defaults` first (default). With ``False`` the three columns must be
        complete; negative ranges are refused either way unless defaults replace them.

    Returns
    -------
    GeoSeries
        Indexed like ``cameras``, in ``crs`` (metres); ``None`` for cameras without a position.

    Raises
    ------
    InputError
        ``apply_defaults=False`` and a range is negative or a value is missing; the message names the
        first devices concerned.
    """
    frame = fov_defaults(cameras, hd_min_lines=hd_min_lines) if apply_defaults else cameras
    heading = _float_column(frame, "heading_deg")
    fov = _float_column(frame, "fov_deg")
    rng = _float_column(frame, "range_m")
    if not apply_defaults:
        bad = ~np.isfinite(rng) | (rng <= 0) | ~np.isfinite(fov) | ~np.isfinite(heading)
        if bad.any():
            ids = frame["device_id"] if "device_id" in frame else pd.Series(frame.index)
            first = [str(v) for v in np.asarray(ids)[bad][:5]]
            raise InputError(
                f"{int(bad.sum())} camera(s) have a missing or non-positive range_m/fov_deg/heading_deg "
                f"(first: {', '.join(first)}); fill them or use the type defaults",
                field="range_m",
            )
        heading = np.mod(heading, 360.0)
    if crs is None:
        if isinstance(cameras, gpd.GeoDataFrame):
            crs = metric_crs(cameras)
        else:
            pts = gpd.GeoSeries(
                gpd.points_from_xy(_float_column(cameras, "lon"), _float_column(cameras, "lat")),
                crs=WGS84,
            )
            crs = metric_crs(pts[pts.x.notna()])
    crs = pyproj.CRS.from_user_input(crs)
    x, y = project_points(cameras, crs)
    polys = sector_polygons(x, y, heading, fov, rng, arc_step_deg=arc_step_deg)
    return gpd.GeoSeries(polys, index=cameras.index, crs=crs, name="fov")
