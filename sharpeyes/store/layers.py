"""Reference layers: administrative units, key places, key roads (EPSG:4326 geometry) and the
network topology. Each layer is replaced whole, atomically; extra columns are kept in ``attrs``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa

from sharpeyes._errors import InputError
from sharpeyes.ingest.merge import plain_values
from sharpeyes.model.columns import (
    LINK_COLUMNS,
    NODE_COLUMNS,
    PLACE_COLUMNS,
    ROAD_COLUMNS,
    UNIT_COLUMNS,
    WGS84,
)
from sharpeyes.store import schema as s
from sharpeyes.store._values import attrs, expand_attrs
from sharpeyes.store.engine import Database

#: Layer columns kept as numbers (the others are text).
FLOAT_COLUMNS: Final = frozenset({"population", "lon", "lat", "capacity_mbps", "length_m"})


def _quote(name: str) -> str:
    return f'"{name}"' if name in ("row", "column") else name


class Layers:
    """The reference layers' table pairs: replace whole, read back (extra columns restored)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def replace_layer(
        self, table: sa.Table, key: str, columns: Sequence[str], frame: gpd.GeoDataFrame, what: str
    ) -> int:
        """Replace ``table`` by ``frame`` (reprojected to EPSG:4326); ``key`` must be unique."""
        if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry is None:
            raise InputError(f"{what} must be a GeoDataFrame with a geometry column")
        if key not in frame.columns:
            raise InputError(f"{what} have no {key!r} column", field=key)
        if frame.crs is not None and not frame.crs.equals(WGS84):
            frame = frame.to_crs(WGS84)
        keys = frame[key]
        if keys.isna().any():
            row = int(np.flatnonzero(keys.isna().to_numpy())[0])
            raise InputError(f"{what}: {key} is empty", row=row, field=key)
        duplicated = keys.astype(str).duplicated()
        if duplicated.any():
            value = str(keys[duplicated].iloc[0])
            raise InputError(f"{what}: {key} is not unique", field=key, value=value)
        geometry = frame.geometry.to_numpy()
        wkb = shapely.to_wkb(geometry).tolist() if len(frame) else []
        bounds = shapely.bounds(geometry) if len(frame) else np.empty((0, 4))
        plain = [c for c in columns if c != "geometry"]
        attrs_cols = [c for c in frame.columns if c not in (*plain, frame.geometry.name)]
        lists: list[list[Any]] = []
        for c in plain:
            kind = "float" if c in FLOAT_COLUMNS else "text"
            lists.append(
                plain_values(frame[c], kind).tolist() if c in frame.columns else [None] * len(frame)
            )
        lists.append(attrs(frame, attrs_cols))
        for k in range(4):
            b = bounds[:, k].astype(object)
            b[~np.isfinite(bounds[:, k])] = None
            lists.append(b.tolist())
        lists.append(wkb)
        names = [*plain, "attrs", "minx", "miny", "maxx", "maxy", "geom"]
        marks = ["?"] * (len(names) - 1) + [
            "?" if self.db.dialect == "sqlite" else "ST_GeomFromWKB(?, 4326)"
        ]
        with self.db.write() as conn:
            conn.execute(table.delete())
            if len(frame):
                self.db.executemany(
                    conn,
                    f"INSERT INTO {table.name} ({', '.join(_quote(n) for n in names)}) VALUES ({', '.join(marks)})",
                    list(zip(*lists, strict=True)),
                )
        return len(frame)

    def read_layer(
        self, table: sa.Table, columns: Sequence[str], where: list[Any]
    ) -> gpd.GeoDataFrame:
        """The rows of ``table`` matching ``where`` as a GeoDataFrame (EPSG:4326)."""
        plain = [c for c in columns if c != "geometry"]
        geom = table.c.geom
        geom_expr = sa.func.ST_AsBinary(geom) if self.db.dialect == "postgresql" else geom
        with self.db.read() as conn:
            rows = conn.execute(
                sa.select(*(table.c[c] for c in plain), table.c.attrs, geom_expr)
                .where(*where)
                .order_by(table.c[plain[0]])
            ).all()
        frame = pd.DataFrame.from_records(
            rows, columns=[*plain, "attrs", "geom"], coerce_float=False
        )
        geometry = shapely.from_wkb([None if g is None else bytes(g) for g in frame["geom"]])
        out = frame[plain].copy()
        for c in plain:
            if c in FLOAT_COLUMNS:
                out[c] = pd.to_numeric(out[c], errors="coerce").astype("float64")
        expand_attrs(out, frame["attrs"])
        return gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(geometry, crs=WGS84), crs=WGS84)

    def replace_units(self, units: gpd.GeoDataFrame) -> int:
        """Replace the administrative units (UNIT_COLUMNS; extra columns kept) in one transaction."""
        return self.replace_layer(s.units, "code", UNIT_COLUMNS, units, "units")

    def units(self, level: str | None = None) -> gpd.GeoDataFrame:
        """Administrative units (EPSG:4326), optionally one ``level`` (city/county/township/village)."""
        where = [] if level is None else [s.units.c.level == level]
        return self.read_layer(s.units, UNIT_COLUMNS, where)

    def replace_police_units(self, units: gpd.GeoDataFrame) -> int:
        """Replace the police units (UNIT_COLUMNS, levels bureau/sub_bureau/station) at once."""
        return self.replace_layer(s.police_units, "code", UNIT_COLUMNS, units, "police units")

    def police_units(self, level: str | None = None) -> gpd.GeoDataFrame:
        """Police units (EPSG:4326), optionally one ``level`` (bureau/sub_bureau/station)."""
        where = [] if level is None else [s.police_units.c.level == level]
        return self.read_layer(s.police_units, UNIT_COLUMNS, where)

    def replace_places(self, places: gpd.GeoDataFrame) -> int:
        """Replace the key places (PLACE_COLUMNS; extra columns kept) in one transaction."""
        return self.replace_layer(s.places, "place_id", PLACE_COLUMNS, places, "places")

    def places(self, category: str | None = None) -> gpd.GeoDataFrame:
        """Key places (EPSG:4326)."""
        where = [] if category is None else [s.places.c.category == category]
        return self.read_layer(s.places, PLACE_COLUMNS, where)

    def replace_roads(self, roads: gpd.GeoDataFrame) -> int:
        """Replace the key roads (ROAD_COLUMNS; extra columns kept) in one transaction."""
        return self.replace_layer(s.roads, "road_id", ROAD_COLUMNS, roads, "roads")

    def roads(self, road_class: str | None = None) -> gpd.GeoDataFrame:
        """Key roads (EPSG:4326)."""
        where = [] if road_class is None else [s.roads.c.road_class == road_class]
        return self.read_layer(s.roads, ROAD_COLUMNS, where)

    def replace_network(self, nodes: pd.DataFrame, links: pd.DataFrame) -> tuple[int, int]:
        """Replace the network topology (NODE_COLUMNS, LINK_COLUMNS; extra columns kept), atomically."""
        for frame, key, what in ((nodes, "node_id", "nodes"), (links, "a", "links")):
            if key not in frame.columns:
                raise InputError(f"network {what} have no {key!r} column", field=key)
        if "b" not in links.columns:
            raise InputError("network links have no 'b' column", field="b")
        if nodes["node_id"].isna().any():
            raise InputError("network nodes: node_id is empty", field="node_id")
        if nodes["node_id"].astype(str).duplicated().any():
            dup = nodes["node_id"].astype(str)[nodes["node_id"].astype(str).duplicated()].iloc[0]
            raise InputError("network nodes: node_id is not unique", field="node_id", value=dup)
        floats = {"lon", "lat", "capacity_mbps", "length_m"}

        def lists(frame: pd.DataFrame, columns: Sequence[str]) -> list[tuple[Any, ...]]:
            out = [
                (
                    plain_values(frame[c], "float" if c in floats else "text").tolist()
                    if c in frame.columns
                    else [None] * len(frame)
                )
                for c in columns
            ]
            geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
            out.append(
                attrs(frame, [c for c in frame.columns if c not in columns and c != geometry])
            )
            return list(zip(*out, strict=True))

        with self.db.write() as conn:
            conn.execute(s.network_links.delete())
            conn.execute(s.network_nodes.delete())
            if len(nodes):
                self.db.executemany(
                    conn,
                    "INSERT INTO network_nodes (node_id, kind, name, lon, lat, attrs) VALUES (?, ?, ?, ?, ?, ?)",
                    lists(nodes, NODE_COLUMNS),
                )
            if len(links):
                self.db.executemany(
                    conn,
                    "INSERT INTO network_links (a, b, capacity_mbps, medium, length_m, attrs) VALUES (?, ?, ?, ?, ?, ?)",
                    lists(links, LINK_COLUMNS),
                )
        return len(nodes), len(links)

    def network(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(nodes, links) of the network topology, extra columns restored."""
        n, lk = s.network_nodes, s.network_links
        with self.db.read() as conn:
            node_rows = conn.execute(
                sa.select(n.c.node_id, n.c.kind, n.c.name, n.c.lon, n.c.lat, n.c.attrs).order_by(
                    n.c.node_id
                )
            ).all()
            link_rows = conn.execute(
                sa.select(
                    lk.c.a, lk.c.b, lk.c.capacity_mbps, lk.c.medium, lk.c.length_m, lk.c.attrs
                ).order_by(lk.c.link_id)
            ).all()
        nodes = pd.DataFrame.from_records(
            node_rows, columns=[*NODE_COLUMNS, "attrs"], coerce_float=False
        )
        links = pd.DataFrame.from_records(
            link_rows, columns=[*LINK_COLUMNS, "attrs"], coerce_float=False
        )
        for frame, floats in ((nodes, ("lon", "lat")), (links, ("capacity_mbps", "length_m"))):
            for c in floats:
                frame[c] = pd.to_numeric(frame[c], errors="coerce").astype("float64")
        out = []
        for frame in (nodes, links):
            bags = frame.pop("attrs")
            expand_attrs(frame, bags)
            out.append(frame)
        return out[0], out[1]
