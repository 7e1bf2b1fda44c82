"""Per-camera text columns without a Python object per camera (a province: 10,000,000 cameras).

The store's network reader (:func:`sharpeyes.store.network_reads.network_cameras`) gives the
device ID as Arrow text and ``uplink``, ``parent_id``, ``admin_code`` as pandas ``Categorical``
(a few hundred thousand names, an integer code per camera). These helpers do what
:func:`sharpeyes.network.attach.inventory_frame` and :func:`~sharpeyes.network.attach.camera_table`
do to plain text columns — strip, blank to missing, the GB/T 28181 type code, the county code —
on Arrow arrays or on the categories alone, with the same results.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sharpeyes.model.codes import CAMERA_DEVICE_TYPES

__all__ = ["arrow_device_flags", "is_lean", "lean_county", "lean_text"]


def is_lean(series: pd.Series) -> bool:
    """Whether ``series`` is a column the lean helpers take (Categorical or Arrow-backed text)."""
    dtype = series.dtype
    return isinstance(dtype, pd.CategoricalDtype) or (
        isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"
    )


def lean_text(series: pd.Series) -> pd.Series:
    """Stripped text with blanks missing, as a ``Categorical`` of ``str`` (the categories stripped,
    codes merged where two strip to the same text)."""
    values = series.reset_index(drop=True)
    if not isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype("category")
    cat = values.array
    assert isinstance(cat, pd.Categorical)
    names = pd.Series(cat.categories.to_numpy(dtype=object)).astype(str).str.strip()
    names = names.where(names != "")
    new_codes, uniques = pd.factorize(names.to_numpy(dtype=object))
    old = np.asarray(cat.codes, dtype=np.int64)
    codes = np.where(old >= 0, np.append(new_codes, -1)[old], -1)
    categories = pd.Index(np.asarray(uniques, dtype=object), dtype=object)
    return pd.Series(
        pd.Categorical.from_codes(codes, categories=categories),
        index=series.index,
    )


def arrow_device_flags(ids: pd.Series) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """From Arrow-backed device IDs: the stripped IDs (blank missing, ``str`` objects), whether
    each row is a camera (not a recorder/platform/organisation by its type code) and whether it
    is the first row of its ID — as :func:`~sharpeyes.network.attach.inventory_frame` does."""
    arr = pa.array(ids.reset_index(drop=True).array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    stripped = pc.utf8_trim_whitespace(arr)
    code = pc.utf8_slice_codeunits(stripped, 10, 13)
    other = pc.and_kleene(
        pc.and_kleene(pc.equal(pc.utf8_length(stripped), 20), pc.utf8_is_digit(code)),
        pc.invert(pc.is_in(code, pa.array([f"{c:03d}" for c in CAMERA_DEVICE_TYPES]))),
    )
    is_camera = ~np.asarray(pc.fill_null(other, False).to_numpy(zero_copy_only=False), dtype=bool)
    encoded = pc.dictionary_encode(stripped)
    codes = np.asarray(encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False))
    first = np.zeros(len(codes), dtype=bool)
    _, at = np.unique(codes, return_index=True)
    first[at] = True
    blank = pc.fill_null(pc.equal(stripped, ""), False)
    text = pc.if_else(blank, pa.scalar(None, pa.string()), stripped)
    values = text.to_numpy(zero_copy_only=False)
    return pd.Series(values, dtype=object), is_camera, first


def lean_county(admin: pd.Series, device_ids: pd.Series) -> pd.Series:
    """County code (first 6 characters of a 6-or-more-character ``admin_code`` stripped, else of a
    20-digit device ID) as a ``Categorical``; ``admin`` a ``Categorical``."""
    cat = admin.array
    assert isinstance(cat, pd.Categorical)
    names = pd.Series(cat.categories.to_numpy(dtype=object)).astype(str).str.strip().str[:6]
    names = names.where(names.str.len() == 6)
    old = np.asarray(cat.codes, dtype=np.int64)
    county = pd.Series(
        pd.Categorical.from_codes(
            np.where(old >= 0, np.append(pd.factorize(names)[0], -1)[old], -1),
            categories=pd.Index(pd.unique(names.dropna()), dtype=object),
        ),
        index=admin.index,
    )
    missing = county.isna().to_numpy(dtype=bool)
    if missing.any():
        ids = device_ids[missing].astype("string")
        valid = ids.str.fullmatch(r"[0-9]{20}").fillna(False).astype(bool)
        fallback = ids.str[:6].where(valid).astype(object)
        extra = [c for c in pd.unique(fallback.dropna()) if c not in county.cat.categories]
        county = county.cat.add_categories(extra)
        county[missing] = fallback.to_numpy(dtype=object)
    return lean_text(county)
