"""The canonical camera record's own rules, applied once, at the end of ingest.

Three rules make a frame a finished record, whoever built it (a reader via
:func:`sharpeyes.ingest.normalize.normalize_cameras`, or a notebook by hand):

- :func:`fill_parent_codes`: division codes nest (6-digit county ⊂ 9-digit township ⊂ 12-digit
  village), so a missing shorter code is taken from the longer one and unit queries find every camera;
- :func:`split_stream_credentials`: credentials never stay in ``stream_url``; they go to
  ``stream_user``/``stream_password`` where those are empty;
- :func:`pack_extra`: columns with no canonical place go into the ``extra`` JSON bag.

:func:`finish_record` applies all three. Each is idempotent and returns its input unchanged (the same
object, no copy) when there is nothing to do, so the store can apply it to every incoming frame at
no cost for a reader's frame, which is finished already.
"""

from __future__ import annotations

import contextlib
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd

from sharpeyes.model.columns import CAMERA_COLUMNS, CAMERA_SIDE_COLUMNS
from sharpeyes.model.jsonable import dumps, loads
from sharpeyes.model.urls import CREDENTIAL_HINT, split_credentials

#: (shorter code, the longer code it is the head of, digits of the shorter), in the order applied.
PARENT_CODES: Final = (("township_code", "village_code", 9), ("admin_code", "township_code", 6))


def fill_parent_codes(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing ``township_code``/``admin_code`` from the head of the longer code (digits only)."""
    out = frame
    for shorter, longer, digits in PARENT_CODES:
        if shorter not in out.columns or longer not in out.columns:
            continue
        short = out[shorter]
        gap = short.isna().to_numpy(dtype=bool) & out[longer].notna().to_numpy(dtype=bool)
        if not gap.any():
            continue
        head = out[longer].astype("string").str.slice(0, digits)
        usable = head.str.fullmatch(r"\d+").fillna(False).to_numpy(dtype=bool)
        usable &= (head.str.len() == digits).fillna(False).to_numpy(dtype=bool)
        fill = gap & usable
        if not fill.any():
            continue
        if out is frame:
            out = frame.copy(deep=False)
        filled = short.astype("string").copy()
        filled[fill] = head[fill]
        out[shorter] = filled.astype(short.dtype)
    return out


def split_stream_credentials(frame: pd.DataFrame) -> pd.DataFrame:
    """``stream_url`` without credentials; those found fill an empty ``stream_user``/``stream_password``."""
    if "stream_url" not in frame.columns:
        return frame
    urls = frame["stream_url"]
    hint = urls.astype("string").str.contains(CREDENTIAL_HINT, case=False)
    at = hint.fillna(False).to_numpy(dtype=bool)
    if not at.any():
        return frame
    out = frame.copy(deep=False)
    bare = _texts(urls)
    users = _text_list(out, "stream_user")
    passwords = _text_list(out, "stream_password")
    for i in np.flatnonzero(at).tolist():
        url, user, password = split_credentials(str(bare[i]))
        bare[i] = url
        if user and users[i] is None:
            users[i] = user
        if password and passwords[i] is None:
            passwords[i] = password
    for name, values in (
        ("stream_url", bare),
        ("stream_user", users),
        ("stream_password", passwords),
    ):
        out[name] = pd.Series(values, index=frame.index, dtype="string")
    return out


def _text_list(frame: pd.DataFrame, name: str) -> list[object]:
    if name not in frame.columns:
        return [None] * len(frame)
    return _texts(frame[name])


def _texts(series: pd.Series) -> list[object]:
    """Text values as a list (``None`` for missing)."""
    values = series.astype("string").to_numpy(dtype=object, na_value=None)  # type: ignore[call-overload]
    return list(values.tolist())


def extra_columns(frame: pd.DataFrame) -> list[str]:
    """Columns of ``frame`` that have no canonical place (``row``, the reader's row number, aside)."""
    known = {*CAMERA_COLUMNS, *CAMERA_SIDE_COLUMNS, "geometry", "row"}
    if isinstance(frame, gpd.GeoDataFrame):
        with contextlib.suppress(AttributeError):  # a GeoDataFrame without active geometry
            known.add(frame.geometry.name)
    return [c for c in frame.columns if c not in known]


def pack_extra(frame: pd.DataFrame) -> pd.DataFrame:
    """Non-canonical columns moved into ``extra`` (a key already in the bag is kept) and dropped."""
    others = extra_columns(frame)
    if not others:
        return frame
    bags = frame["extra"].tolist() if "extra" in frame.columns else [None] * len(frame)
    values = frame[others]
    packed: list[str | None] = []
    for row, text in enumerate(bags):
        bag = (loads(text) if not _missing(text) else None) or {}
        for c in others:
            value = values[c].iat[row]
            if not _missing(value):
                bag.setdefault(str(c), value)
        packed.append(dumps(bag) if bag else None)
    out = frame.drop(columns=others)
    out["extra"] = pd.Series(packed, index=frame.index, dtype="string")
    return out


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def finish_record(frame: pd.DataFrame) -> pd.DataFrame:
    """All three rules: codes filled, credentials split, extra packed (see the module docstring)."""
    return pack_extra(split_stream_credentials(fill_parent_codes(frame)))
