"""GB/T 28181 20-digit device IDs: validation and decoding.

Digits 1–8 centre code (1–6 the GB/T 2260 administrative division, 7–8 basic unit), 9–10 industry
code, 11–13 type code, 14 network identifier, 15–20 serial number.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sharpeyes.model.codes import CAMERA_DEVICE_TYPES, DEVICE_TYPES, NETWORK_IDS

ID_LENGTH = 20


@dataclass(frozen=True, slots=True)
class DeviceId:
    """A decoded GB/T 28181 device ID."""

    device_id: str
    admin_code: str
    basic_unit: str
    industry: str
    type_code: int
    network_id: int
    serial: str

    @property
    def is_camera(self) -> bool:
        """True for video capture devices (type 130, 131 camera, 132 IP camera)."""
        return self.type_code in CAMERA_DEVICE_TYPES

    @property
    def type_label(self) -> str:
        entry = DEVICE_TYPES.get(self.type_code)
        return entry.zh if entry else str(self.type_code)

    @property
    def network_label(self) -> str:
        entry = NETWORK_IDS.get(self.network_id)
        return entry.zh if entry else str(self.network_id)


def id_problem(value: object) -> str | None:
    """Why ``value`` is not a valid 20-digit GB/T 28181 ID, or ``None`` when it is."""
    if value is None or (isinstance(value, float) and value != value):
        return "missing device ID"
    text = str(value).strip()
    if not text:
        return "missing device ID"
    if not text.isascii() or not text.isdigit():
        return f"device ID must be 20 digits, got non-digit characters in {text!r}"
    if len(text) != ID_LENGTH:
        return f"device ID must be 20 digits, got {len(text)}"
    if text[:2] == "00":
        return "device ID has no province code (digits 1–2 are 00)"
    return None


def parse_device_id(value: object) -> DeviceId:
    """Decode a GB/T 28181 ID; raises ``ValueError`` naming the problem when it is not one."""
    problem = id_problem(value)
    if problem:
        raise ValueError(problem)
    text = str(value).strip()
    return DeviceId(
        device_id=text,
        admin_code=text[0:6],
        basic_unit=text[6:8],
        industry=text[8:10],
        type_code=int(text[10:13]),
        network_id=int(text[13]),
        serial=text[14:20],
    )


def make_device_id(
    admin_code: str,
    *,
    type_code: int = 132,
    network_id: int = 0,
    serial: int,
    basic_unit: str = "00",
    industry: str = "00",
) -> str:
    """Build a 20-digit ID from its parts (``admin_code`` the 6-digit GB/T 2260 code)."""
    if len(admin_code) != 6 or not admin_code.isdigit():
        raise ValueError(f"admin_code must be 6 digits, got {admin_code!r}")
    return f"{admin_code}{basic_unit:0>2}{industry:0>2}{type_code:03d}{network_id:d}{serial:06d}"


def decode_ids(ids: pd.Series) -> pd.DataFrame:
    """Vectorised decode: a frame with ``valid``, ``admin_code``, ``type_code``, ``network_id`` per ID.

    Invalid IDs get ``valid`` False and missing parts; no exception.
    """
    text = ids.astype("string").str.strip()
    valid = text.str.fullmatch(r"[0-9]{20}").fillna(False).astype(bool) & (
        text.str[:2] != "00"
    ).fillna(False)
    out = pd.DataFrame(index=ids.index)
    out["valid"] = valid.to_numpy(dtype=bool)
    out["admin_code"] = text.str[0:6].where(valid)
    out["type_code"] = pd.to_numeric(text.str[10:13].where(valid), errors="coerce").astype("Int64")
    out["network_id"] = pd.to_numeric(text.str[13].where(valid), errors="coerce").astype("Int64")
    out["is_camera"] = out["type_code"].isin(list(CAMERA_DEVICE_TYPES)).to_numpy(
        dtype=bool
    ) & np.asarray(valid)
    return out


def id_admin_codes(ids: pd.Series) -> pd.api.extensions.ExtensionArray:
    """The 6-digit county code of each valid ID (``<NA>`` for invalid ones; a ``"string"`` array), as
    :func:`decode_ids`'s ``admin_code`` but on Arrow strings in one pass (a million IDs in a fraction
    of a second, where ``decode_ids`` builds every part)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pc.utf8_trim_whitespace(pa.array(ids.astype("string").array))
    valid = pc.fill_null(
        pc.and_(
            pc.match_substring_regex(text, "^[0-9]{20}$"), pc.invert(pc.starts_with(text, "00"))
        ),
        False,
    )
    admin = pc.if_else(valid, pc.utf8_slice_codeunits(text, 0, 6), pa.scalar(None, pa.string()))
    out: pd.api.extensions.ExtensionArray = pd.array(
        pa.chunked_array([admin]) if isinstance(admin, pa.Array) else admin, dtype="string"
    )
    return out
