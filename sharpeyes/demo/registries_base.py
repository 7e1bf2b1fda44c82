"""What every demo registry shares: the platform's IDs, the planted-problem and file records,
and the small formatting helpers (text, direction, resolution, status, broken IDs, row picks)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from sharpeyes.demo.city import CITY_CODE
from sharpeyes.model.codes import DIRECTION_HEADING_DEG, DIRECTIONS, STATUSES
from sharpeyes.model.gb28181 import make_device_id

#: The city platform (SIP server, type 200) that answers the catalog query, and the querying one.
PLATFORM_ID: Final = make_device_id(CITY_CODE + "00", type_code=200, network_id=0, serial=1)
REQUESTER_ID: Final = make_device_id(CITY_CODE + "00", type_code=200, network_id=0, serial=2)
#: Catalog items per SIP MESSAGE (fewer when the catalog is small: always at least 3 messages).
ITEMS_PER_MESSAGE: Final = 200

_FIXED_ZIP_TIME: Final = (2024, 1, 1, 0, 0, 0)
#: What :func:`write_registries` may break in a table row (besides ``duplicate_in_file``).
PLANTED_KINDS: Final = (
    "id_19_digits",
    "id_letters",
    "id_19_digits_no_position",
    "swapped_lonlat",
    "missing_coordinates",
    "zero_coordinates",
    "coordinate_text",
    "coordinate_typo",
)
_MANUFACTURERS: Final = (
    ("Hikvision", "DS-2DE7423IW"),
    ("Dahua", "DH-IPC-HFW4443M"),
    ("Uniview", "IPC2124LR3"),
)
_HEADING_TO_DIRECTION: Final = {h: d for d, h in DIRECTION_HEADING_DEG.items()}


@dataclass(frozen=True)
class PlantedProblem:
    """A row broken on purpose: where it is, what is wrong, what the import should make of it.

    ``row`` is the spreadsheet row (the header row counted; title rows too) for CSV/XLSX, the
    1-based feature number for GeoJSON and the 1-based item number in the catalog file (NVRs,
    business groups and virtual organisations counted, as a reader numbers them).
    ``expect`` is ``refused`` (in the rejects), ``warned`` (kept, with a warning),
    ``refused_or_warned`` (either is right: an invalid ID is kept when the row has another stable
    key, such as a name with coordinates) or ``store`` (seen only when two sources meet in the
    store: the same ID with conflicting attributes).
    """

    kind: str
    row: int
    device_id: str
    expect: str
    detail: str = ""


@dataclass(frozen=True)
class RegistryFile:
    """One registry file written for the demo, and how to import it.

    ``fmt`` and ``crs`` are the values of ``sharpeyes import --format/--crs``; ``source`` the
    registry's name (``--source``); ``rows`` the camera rows written (catalog: camera items only);
    ``other_items`` the catalog's items that are not cameras (NVRs, business groups, virtual
    organisations), which a reader lists as "not a camera".
    """

    path: Path
    fmt: str
    crs: str
    source: str
    rows: int = 0
    planted: tuple[PlantedProblem, ...] = field(default_factory=tuple)
    other_items: int = 0


# -- helpers -----------------------------------------------------------------------------------------
def _text(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def _direction_code(heading: object) -> int | None:
    if heading is None or heading is pd.NA or (isinstance(heading, float) and np.isnan(heading)):
        return None
    return _HEADING_TO_DIRECTION.get(float(str(heading)) % 360.0)


def _direction_word(heading: object, camera_type: int) -> str:
    code = _direction_code(heading)
    if code is None:
        return "全向" if camera_type == 1 else ""
    return DIRECTIONS[code].zh


def _resolution_text(lines: object, style: str) -> str:
    if lines is None or lines is pd.NA:
        return ""
    n = int(str(lines))
    if style == "wxh":
        return {
            576: "D1",
            720: "1280×720",
            1080: "1920×1080",
            1440: "2560×1440",
            2160: "3840×2160",
        }[n]
    return {576: "D1", 720: "100万", 1080: "200万", 1440: "400万", 2160: "800万"}[n]


def _status_zh(status: object) -> str:
    return STATUSES[str(status)].zh


def _broken_ids(device_id: str) -> dict[str, str]:
    """Realistic typing errors of a 20-digit ID: one digit dropped, letter O for a zero."""
    dropped = device_id[:9] + device_id[10:]
    zero = device_id.rfind("0", 10)
    letter = device_id[:zero] + "O" + device_id[zero + 1 :] if zero >= 0 else device_id[:-1] + "O"
    return {"id_19_digits": dropped, "id_letters": letter}


def _pick_rows(n: int, k: int, rng: np.random.Generator, taken: set[int]) -> list[int]:
    """``k`` distinct row indices in ``range(n)`` not in ``taken`` (fewer if the frame is small)."""
    free = np.array(sorted(set(range(n)) - taken), dtype=int)
    if len(free) == 0:
        return []
    chosen = sorted(int(i) for i in rng.choice(free, size=min(k, len(free)), replace=False))
    taken.update(chosen)
    return chosen
