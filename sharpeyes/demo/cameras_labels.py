"""The demo inventory's words: each camera's name, address, owner, maintenance unit and police unit,
written as a bureau's registries write them (Chinese, by class and placement)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sharpeyes.demo.cameras_vocab import (
    _COMPOUNDS,
    _CORNERS,
    _SECTORS,
    _SHOP_BRANDS,
    _SHOPS,
    _SITE_SPOTS,
    _STREETS,
    _VILLAGE_SPOTS,
)
from sharpeyes.demo.city import CITY_NAME, PROVINCE_NAME, short_name

if TYPE_CHECKING:
    from sharpeyes.demo.cameras_attributes import _Placed

LABELS = ("name", "address", "owner", "management", "police")


@dataclass(frozen=True)
class _Draws:
    """The random parts of the words, drawn once for every camera in a fixed order."""

    street_a: np.ndarray
    street_b: np.ndarray
    corner: np.ndarray
    number: np.ndarray
    spot: np.ndarray
    site_spot: np.ndarray


def _draws(rng: np.random.Generator, n: int) -> _Draws:
    street_a = rng.integers(0, len(_STREETS), n)
    street_b = (street_a + rng.integers(1, len(_STREETS), n)) % len(_STREETS)
    corner = rng.integers(0, len(_CORNERS), n)
    number = rng.integers(1, 400, n)
    spot = rng.integers(0, len(_VILLAGE_SPOTS), n)
    site_spot = rng.integers(0, len(_SITE_SPOTS), n)
    return _Draws(street_a, street_b, corner, number, spot, site_spot)


def _township_sequence(township_code: np.ndarray) -> dict[str, int]:
    """Each township's number within its county (1, 2, …), in code order: the police station."""
    seq: dict[str, int] = {}
    for t in sorted(set(township_code)):
        county_towns = seq.setdefault(t[:6] + "#", 0) + 1
        seq[t[:6] + "#"] = county_towns
        seq[t] = county_towns
    return seq


def _labels(
    rng: np.random.Generator, placed: _Placed, names: dict[str, str], heading: np.ndarray
) -> dict[str, np.ndarray]:
    """``LABELS`` → one text array each, for the cameras in ``placed``'s order."""
    n = len(placed.cls)
    draws = _draws(rng, n)
    village_short = np.array(
        [short_name(x) for x in placed.village_rows["name"].astype(str)], dtype=object
    )
    village_name = placed.village_rows["name"].astype(str).to_numpy()
    frame = placed.frame
    site_idx = frame["site_idx"].to_numpy().astype(int)
    sector = frame["sector"].to_numpy().astype(int)
    road_name = frame["road"].fillna("").to_numpy().astype(str)
    shop = frame["shop"].to_numpy().astype(int)
    out = {key: np.empty(n, dtype=object) for key in LABELS}
    township_seq = _township_sequence(placed.township)
    bureau = {
        c: (f"{CITY_NAME}公安局{names[c]}分局" if names[c].endswith("区") else f"{names[c]}公安局")
        for c in set(placed.county)
    }
    for i in range(n):
        c, t = placed.county[i], placed.township[i]
        town, county_name = names[t], names[c]
        vshort = str(village_short[i])
        sa, sb = _STREETS[draws.street_a[i]], _STREETS[draws.street_b[i]]
        place = f"{PROVINCE_NAME}{CITY_NAME}{county_name}{town}"
        if placed.cls[i] == 1:
            row = _class_one(
                bureau[c], town, place, vshort, sa, sb, _CORNERS[draws.corner[i]],
                road_name[i] if placed.kind[i] == "road" else None, heading[i],
            )  # fmt: skip
        elif placed.cls[i] == 2:
            row = _class_two(
                sector[i], site_idx[i], county_name, town, place, vshort, sa,
                int(draws.number[i]), _SITE_SPOTS[draws.site_spot[i]],
            )  # fmt: skip
        elif placed.kind[i] == "village":
            row = _village(village_name[i], town, place, vshort, _VILLAGE_SPOTS[draws.spot[i]])
        else:
            row = _social(
                shop[i], site_idx[i], town, place, vshort, sa, int(draws.number[i]),
                int(draws.site_spot[i]),
            )  # fmt: skip
        row["police"] = f"{c}5{township_seq[t]:02d}000"
        for key in LABELS:
            out[key][i] = row[key]
    return out


def _class_one(
    bureau: str, town: str, place: str, vshort: str, sa: str, sb: str, corner: str,
    road: str | None, heading_deg: float,
) -> dict[str, str]:  # fmt: skip
    """A class I camera: the bureau's, named by its crossing or by the road and direction."""
    row = {"owner": bureau, "management": f"{bureau}科技信息化大队"}
    if road is not None:
        row["name"] = f"{road}{'上行' if heading_deg < 180 else '下行'}"
        row["address"] = f"{place}{road}"
    else:
        row["name"] = f"{town}{sa}与{sb}交叉口{corner}"
        row["address"] = f"{place}{vshort}{sa}与{sb}交叉口"
    return row


def _class_two(
    sector: int, site_idx: int, county_name: str, town: str, place: str, vshort: str, sa: str,
    number: int, site_spot: str,
) -> dict[str, str]:  # fmt: skip
    """A class II camera: a key industry's unit (school, hospital, bank …) owns and runs it."""
    patterns = _SECTORS[sector][2]
    unit = patterns[site_idx % len(patterns)].format(
        county=county_name, town=town.removesuffix("街道"), n=1 + site_idx % 9
    )
    return {
        "owner": unit,
        "management": unit,
        "name": f"{unit}{site_spot}",
        "address": f"{place}{vshort}{sa}{number}号",
    }


def _village(village_name: str, town: str, place: str, vshort: str, spot: str) -> dict[str, str]:
    """A class III village camera: the village owns it, the township's 综治中心 runs it."""
    return {
        "owner": village_name,
        "management": f"{town}综治中心",
        "name": f"{vshort}{spot}",
        "address": f"{place}{vshort}{spot.removesuffix('门前')}",
    }


def _social(
    shop: int, site_idx: int, town: str, place: str, vshort: str, sa: str, number: int,
    site_spot: int,
) -> dict[str, str]:  # fmt: skip
    """A class III social camera: a residential compound's (its property company runs it) or a
    shop's."""
    brand = _SHOP_BRANDS[site_idx % len(_SHOP_BRANDS)]
    address = f"{place}{vshort}{sa}{number}号"
    if shop < 0:
        compound = _COMPOUNDS[site_idx % len(_COMPOUNDS)]
        return {
            "owner": f"{compound}小区",
            "management": f"{CITY_NAME}{brand}物业服务有限公司",
            "name": f"{compound}小区{_SITE_SPOTS[site_spot % 4]}",
            "address": address,
        }
    label = _SHOPS[shop % len(_SHOPS)][0]
    owner = f"{town}{brand}{label}"
    return {
        "owner": owner,
        "management": owner,
        "name": f"{brand}{label}{_SITE_SPOTS[site_spot]}",
        "address": address,
    }
