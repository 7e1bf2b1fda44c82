"""Cells of a grid whose centres lie in fields of view, marked row by row (the fast path's marking).

On one raster row a field of view (a disc, or a sector of a disc) covers at most two runs of cells:
a disc or a sector of up to 180° one run (the disc's chord cut by the two edges' half-planes), a
wider sector the chord minus the run of its complement. The runs are computed per (camera, row)
from the sector's geometry with numpy and their cells written as flat indices, so the cost is the
covered cells and the rows, not the camera's square window of cells.

The test is the one of a cell centre ``v`` (relative to the camera, metres, grid north up):
``|v| ≤ range`` and, for a sector, ``v`` clockwise of the left edge and anticlockwise of the right
one (up to 180°; either of the two when wider). All lengths in metres in the grid's metric CRS.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

__all__ = ["mark_sectors"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Cells written per batch (bounds the index arrays' memory: 8 bytes per cell).
_CHUNK_CELLS: Final = 8_000_000
#: Rows of runs computed per batch (the per-row arrays stay in the processor's cache).
_CHUNK_ROWS: Final = 65_536


def _half_plane(
    ex: FloatArray, ey: FloatArray, vy: FloatArray, *, clockwise_of: bool
) -> tuple[FloatArray, FloatArray]:
    """Bounds ``[lo, hi]`` of ``u`` (= vx) on a row where the half-plane of edge ``(ex, ey)`` holds.

    ``clockwise_of``: ``ey·u − ex·vy ≥ 0`` (v clockwise of the edge), else ``vy·ex − u·ey ≥ 0``.
    """
    sign = 1.0 if clockwise_of else -1.0
    a = sign * ey  # condition a·u ≥ b
    b = sign * ex * vy
    with np.errstate(divide="ignore", invalid="ignore"):
        t = b / a
    inf = np.full_like(t, np.inf)
    lo = np.where(a > 0, t, -inf)
    hi = np.where(a < 0, t, inf)
    flat_fail = (a == 0) & (b > 0)  # the edge runs along the row: all or nothing
    lo = np.where(flat_fail, inf, lo)
    hi = np.where(flat_fail, -inf, hi)
    return lo, hi


def _row_runs(
    rel_y: FloatArray,
    r: FloatArray,
    edges: tuple[FloatArray, FloatArray, FloatArray, FloatArray] | None,
    wide: bool,
) -> list[tuple[FloatArray, FloatArray]]:
    """Runs ``[a, b]`` of ``u`` per (camera, row) (one, or two for a wide sector); NaN or a > b: empty.

    ``edges`` (left x, left y, right x, right y per row) is None for discs.
    """
    with np.errstate(invalid="ignore"):
        s = np.sqrt(r * r - rel_y * rel_y)  # NaN on a row past the disc: empty
    if edges is None:
        return [(-s, s)]
    lx, ly, rx, ry = edges
    l_lo, l_hi = _half_plane(lx, ly, rel_y, clockwise_of=True)
    r_lo, r_hi = _half_plane(rx, ry, rel_y, clockwise_of=False)
    if not wide:  # up to 180°: the chord within both half-planes
        lo = np.maximum(np.maximum(l_lo, r_lo), -s)
        return [(lo, np.minimum(np.minimum(l_hi, r_hi), s))]
    # wider: the chord minus the complement's run (outside both half-planes)
    cl_lo, cl_hi = _complement(l_lo, l_hi)
    cr_lo, cr_hi = _complement(r_lo, r_hi)
    c_lo, c_hi = np.maximum(cl_lo, cr_lo), np.minimum(cl_hi, cr_hi)
    cut = c_lo < c_hi
    b0 = np.where(cut, np.minimum(s, c_lo), s)
    a1 = np.where(cut, np.maximum(-s, c_hi), np.inf)
    return [(-s, b0), (a1, s)]


def _complement(lo: FloatArray, hi: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Bounds of where a half-plane of bounds ``[lo, hi]`` (one of them infinite) does not hold."""
    all_fail = lo > hi
    c_lo = np.where(np.isinf(lo) & (lo < 0), hi, -np.inf)
    c_hi = np.where(np.isinf(hi) & (hi > 0), lo, np.inf)
    holds_all = np.isinf(lo) & np.isinf(hi) & ~all_fail
    c_lo = np.where(all_fail, -np.inf, np.where(holds_all, np.inf, c_lo))
    c_hi = np.where(all_fail, np.inf, np.where(holds_all, -np.inf, c_hi))
    return c_lo, c_hi


def _paint(flat: NDArray[np.uint8], starts: IntArray, lens: IntArray, bit: int) -> None:
    """OR ``bit`` into ``flat[start : start + len]`` for every run, in batches of cells."""
    keep = lens > 0
    starts, lens = starts[keep], lens[keep]
    ends = np.cumsum(lens)
    s = 0
    while s < len(lens):
        base = ends[s - 1] if s else 0
        e = int(np.searchsorted(ends, base + _CHUNK_CELLS, side="right"))
        e = max(e, s + 1)
        ln = lens[s:e]
        offs = np.arange(int(ln.sum()), dtype=np.int64)
        first = np.cumsum(ln) - ln
        idx = np.repeat(starts[s:e] - first, ln) + offs
        flat[idx] |= np.uint8(bit)
        s = e


def _mark_kind(
    flat: NDArray[np.uint8],
    bit: int,
    shape: tuple[int, int],
    cams: tuple[FloatArray, ...],
    row_lo: IntArray,
    n_rows: IntArray,
    kind: str,
) -> None:
    """Mark cameras of one kind (``disc``, ``narrow`` up to 180°, ``wide``), given their rows."""
    _, ncols = shape
    shift, y_rel0, r, lx, ly, rx, ry = cams
    cam = np.repeat(np.arange(len(r)), n_rows)
    row = np.repeat(row_lo - (np.cumsum(n_rows) - n_rows), n_rows) + np.arange(int(n_rows.sum()))
    rel_y = y_rel0[cam] - row  # in cells: (origin_y − y)/cell − 0.5 − row
    edges = None if kind == "disc" else (lx[cam], ly[cam], rx[cam], ry[cam])
    starts = row * ncols
    for a, b in _row_runs(rel_y, r[cam], edges, kind == "wide"):
        with np.errstate(invalid="ignore"):
            c0 = np.ceil(a + shift[cam])
            c1 = np.floor(b + shift[cam])
        c0 = np.clip(np.nan_to_num(c0, nan=ncols, posinf=ncols, neginf=0), 0, ncols)
        c1 = np.clip(np.nan_to_num(c1, nan=-1, posinf=ncols - 1, neginf=-1), -1, ncols - 1)
        _paint(flat, starts + c0.astype(np.int64), (c1 - c0 + 1).astype(np.int64), bit)


def mark_sectors(
    grid: NDArray[np.uint8],
    bit: int,
    origin_x: float,
    origin_y: float,
    cell_m: float,
    x: FloatArray,
    y: FloatArray,
    heading_deg: FloatArray,
    fov_deg: FloatArray,
    range_m: FloatArray,
) -> None:
    """OR ``bit`` into ``grid[row, col]`` for every cell whose centre lies in a camera's sector.

    Row 0 is the top (max y) of the grid, as in a raster; ``origin_x/origin_y`` the top-left corner.
    Lengths are taken in cells from here on; cameras go in batches of about ``_CHUNK_ROWS`` rows
    so that the per-row arrays stay in cache.
    """
    nrows, _ = grid.shape
    flat = grid.reshape(-1)
    ok = np.isfinite(x) & np.isfinite(y) & (range_m > 0)
    f = fov_deg[ok]
    r = range_m[ok] / cell_m
    y_rel0 = (origin_y - y[ok]) / cell_m - 0.5  # rows: a centre's offset is y_rel0 − row
    shift = (x[ok] - origin_x) / cell_m - 0.5  # columns: col = u + shift
    row_lo = np.maximum(np.ceil(y_rel0 - r), 0).astype(np.int64)
    n_rows = np.maximum(
        np.minimum(np.floor(y_rel0 + r), nrows - 1).astype(np.int64) - row_lo + 1, 0
    )
    theta = np.deg2rad(heading_deg[ok])
    half_fov = np.deg2rad(np.minimum(f, 360.0)) / 2.0
    # unit vectors of the two edges (bearing from north, clockwise: (sin, cos))
    lx, ly = np.sin(theta - half_fov), np.cos(theta - half_fov)
    rx, ry = np.sin(theta + half_fov), np.cos(theta + half_fov)
    narrow = half_fov <= np.pi / 2
    kinds = {"disc": f >= 360.0, "narrow": (f < 360.0) & narrow, "wide": (f < 360.0) & ~narrow}
    for kind, mask in kinds.items():
        sel = np.flatnonzero(mask)
        sel = sel[np.argsort(row_lo[sel], kind="stable")]  # north to south: writes stay local
        ends = np.cumsum(n_rows[sel])
        s = 0
        while s < len(sel):
            base = ends[s - 1] if s else 0
            e = max(int(np.searchsorted(ends, base + _CHUNK_ROWS, side="right")), s + 1)
            i = sel[s:e]
            cams = (shift[i], y_rel0[i], r[i], lx[i], ly[i], rx[i], ry[i])
            _mark_kind(flat, bit, grid.shape, cams, row_lo[i], n_rows[i], kind)
            s = e
