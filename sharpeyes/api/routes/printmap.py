"""``/map/print``: one unit's map with its KPI table and legend, laid out for an A4 page (print CSS),
so that the office can put it in a report. The unit and its sub-units come inline in the page (no
data requests); the basemap is the same as the map page's (archive, tile server, or the store's
key roads)."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, Final

import geopandas as gpd
from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import HTMLResponse
from jinja2 import Environment, select_autoescape

from sharpeyes.api.convert import feature_collection
from sharpeyes.api.deps import AppState, PageViewer, StateDep, units_frame
from sharpeyes.api.maps import FAVICON, KPIS, LEAFLET_CSS, LEAFLET_JS, LEVELS, MAP_CSS
from sharpeyes.api.routes.map import TOOLTIP_RATES, _total_row
from sharpeyes.api.routes.units import kpi_rows_by_unit
from sharpeyes.model.codes import POINT_CLASSES
from sharpeyes.model.columns import WGS84

router = APIRouter(tags=["map"])

#: Columns of the KPI table, in order: (key, Chinese header, kind).
TABLE_COLUMNS: Final = (
    ("cameras", "摄像机数", "int"),
    ("networking_rate", "联网率", "rate"),
    ("hd_ratio", "高清率", "rate"),
    ("online_rate", "在线率", "rate"),
    ("intact_rate", "完好率", "rate"),
    ("village_coverage", "村覆盖率", "rate"),
)
#: The KPI colour steps of the map page (sharpeyes-map.js): lower bound, colour, label.
STEPS: Final = (
    (0.95, "#1a9850", "≥ 95%"),
    (0.85, "#91cf60", "85–95%"),
    (0.70, "#fee08b", "70–85%"),
    (0.50, "#fc8d59", "50–70%"),
    (-1.0, "#d73027", "< 50%"),
)

_ENV = Environment(autoescape=select_autoescape(default=True))
PAGE: Final = _ENV.from_string(
    """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ title }}</title>
<meta name="referrer" content="same-origin"><link rel="icon" href="{{ favicon }}" type="image/svg+xml">
<link rel="stylesheet" href="{{ leaflet_css }}"><link rel="stylesheet" href="{{ map_css }}">
<script src="{{ leaflet_js }}"></script>
<style>
@page { size: A4 portrait; margin: 12mm; }
body.se-print { margin: 0 auto; width: 186mm; color: #222; font-size: 10pt; }
.se-print h1 { font-size: 15pt; margin: 0 0 2mm; }
.se-print .meta { color: #555; margin-bottom: 3mm; }
#print-map { width: 186mm; height: 150mm; border: 1px solid #999; }
.se-print table { border-collapse: collapse; width: 100%; margin-top: 3mm; page-break-inside: avoid; }
.se-print th, .se-print td { border: 1px solid #999; padding: 1mm 2mm; text-align: right; }
.se-print th:first-child, .se-print td:first-child { text-align: left; }
.se-print .legend { margin-top: 2mm; }
.se-print .legend span { display: inline-block; margin-right: 4mm; }
.se-print .legend i { display: inline-block; width: 5mm; height: 3mm; margin-right: 1mm; vertical-align: middle; }
.se-print .leaflet-control-zoom { display: none; }
@media print { .noprint { display: none; } #print-map { break-inside: avoid; } }
</style></head>
<body class="se-print">
<h1>{{ unit_name }} · {{ kpi_zh }}</h1>
<div class="meta">区划代码 {{ unit_code }}{% if level_zh %} · {{ level_zh }}{% endif %} · 下级单位按{{ kpi_zh }}着色 · 截至 {{ today }}
 <button class="noprint" onclick="window.print()">打印</button></div>
<div id="print-map"></div>
<div class="legend"><b>{{ kpi_zh }}</b>
{% for step in steps %}<span><i style="background:{{ step[1] }}"></i>{{ step[2] }}</span>{% endfor %}
<span><i style="background:#cccccc"></i>无数据</span></div>
<table class="kpis"><thead><tr><th>点位类型</th>{% for c in columns %}<th>{{ c[1] }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in rows %}<tr><td>{{ row.label }}</td>{% for v in row.cells %}<td>{{ v }}</td>{% endfor %}</tr>{% endfor %}</tbody></table>
{% if children %}<table class="children"><thead><tr><th>下级单位</th><th>代码</th><th>{{ kpi_zh }}</th></tr></thead>
<tbody>{% for c in children %}<tr><td>{{ c.name }}</td><td>{{ c.code }}</td><td>{{ c.value }}</td></tr>{% endfor %}</tbody></table>{% endif %}
<script>
(function () {
  var data = {{ data_json | safe }};
  var map = L.map("print-map", { zoomControl: false, attributionControl: !!data.tiles, preferCanvas: true,
    zoomSnap: 0.25 });
  window.sharpeyesPrintMap = map;
  if (data.tiles) { L.tileLayer(data.tiles.url, data.tiles.options).addTo(map); }
  function colour(v) {
    if (v === null || v === undefined) { return "#cccccc"; }
    for (var i = 0; i < data.steps.length; i++) { if (v >= data.steps[i][0]) { return data.steps[i][1]; } }
    return "#cccccc";
  }
  var children = L.geoJSON(data.children, { style: function (f) {
    return { color: "#555", weight: 1, fillColor: colour(f.properties[data.kpi]), fillOpacity: 0.65 }; },
    onEachFeature: function (f, layer) {
      layer.bindTooltip(f.properties.name || f.properties.code, { permanent: true, direction: "center",
        className: "se-unit-label" });
    } }).addTo(map);
  var outline = L.geoJSON(data.unit, { style: { color: "#000", weight: 2.5, fill: !data.children.features.length,
    fillColor: colour(data.value), fillOpacity: 0.65 } }).addTo(map);
  var bounds = outline.getBounds();
  if (bounds.isValid()) { map.fitBounds(bounds, { padding: [12, 12] }); } else { map.setView([35, 105], 4); }
  if (!data.tiles && data.roads) {
    var b = map.getBounds();
    fetch(data.roads + "?zoom=" + Math.round(map.getZoom()) + "&bbox=" + [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
      .map(function (x) { return x.toFixed(5); }).join(","), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (fc) { if (fc) { L.geoJSON(fc, { interactive: false, style: { color: "#8a6d3b", weight: 1.5 } }).addTo(map); } })
      .finally(function () { window.sharpeyesPrintReady = true; });
  } else { window.sharpeyesPrintReady = true; }
})();
</script></body></html>"""
)


def _fmt(value: Any, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "rate":
        return f"{100 * float(value):.1f}%"
    return f"{int(value):,}"


def _class_label(value: Any) -> str:
    if value in (None, "", "all", "全部", 0, "0"):
        return "全部"
    try:
        return POINT_CLASSES[int(value)].zh
    except (KeyError, ValueError, TypeError):
        return str(value)


def _tiles(state: AppState) -> dict[str, Any] | None:
    archive = state.basemap
    if archive is not None and archive.raster:
        options: dict[str, Any] = {
            "maxNativeZoom": archive.max_zoom,
            "minNativeZoom": archive.min_zoom,
            "attribution": archive.attribution or "本地底图",
        }
        if archive.bounds:
            w, s, e, n = archive.bounds
            options["bounds"] = [[s, w], [n, e]]
        return {"url": "/tiles/base/{z}/{x}/{y}", "options": options}
    if state.settings.tile_url:
        return {
            "url": state.settings.tile_url,
            "options": {"attribution": state.settings.tile_attribution or "basemap"},
        }
    return None


def print_page(state: AppState, unit_code: str, kpi: str) -> str:
    """The A4 page of ``unit_code`` coloured by ``kpi`` (404/422 as HTTP errors)."""
    units = units_frame(state)
    if units is None or len(units) == 0 or unit_code not in set(units["code"].astype(str)):
        raise HTTPException(404, f"no unit with code {unit_code!r}")
    codes = units["code"].astype(str)
    unit = units[codes == unit_code]
    children = units[units["parent_code"].astype("string") == unit_code]
    kpis = kpi_rows_by_unit(state)

    def collection(frame: Any) -> dict[str, Any]:
        part = gpd.GeoDataFrame(
            frame[["code", "name", "level", "geometry"]].copy(), geometry="geometry", crs=WGS84
        )
        for key in (*KPIS, *TOOLTIP_RATES):
            part[key] = [_total_row(kpis.get(str(c), [])).get(key) for c in part["code"]]
        return feature_collection(part)

    rows = kpis.get(unit_code, [])
    table = [
        {
            "label": _class_label(r.get("point_class")),
            "cells": [_fmt(r.get(k), kind) for k, _, kind in TABLE_COLUMNS],
        }
        for r in rows
    ]
    child_fc = collection(children)
    child_rows = [
        {
            "name": f["properties"].get("name"),
            "code": f["properties"].get("code"),
            "value": _fmt(f["properties"].get(kpi), "rate"),
        }
        for f in child_fc["features"]
    ]
    name = str(unit["name"].iloc[0] or unit_code)
    data = {
        "unit": collection(unit),
        "children": child_fc,
        "kpi": kpi,
        "value": _total_row(rows).get(kpi),
        "steps": [[s[0], s[1]] for s in STEPS],
        "tiles": _tiles(state),
        "roads": "/api/map/roads",
    }
    return PAGE.render(
        title=f"{name} · {KPIS[kpi]} · 打印",
        favicon=FAVICON,
        leaflet_css=LEAFLET_CSS,
        leaflet_js=LEAFLET_JS,
        map_css=MAP_CSS,
        unit_name=name,
        unit_code=unit_code,
        level_zh=LEVELS.get(str(unit["level"].iloc[0]), ""),
        kpi_zh=KPIS[kpi],
        today=date.today().isoformat(),
        steps=STEPS,
        columns=TABLE_COLUMNS,
        rows=table,
        children=child_rows,
        data_json=json.dumps(data, ensure_ascii=False).replace("</", "<\\/"),
    )


@router.get("/map/print", response_class=HTMLResponse, summary="One unit's map for A4 (HTML)")
def map_print(
    state: StateDep,
    user: PageViewer,
    unit: Annotated[str, Query(description="the unit's code")],
    layer: Annotated[
        str, Query(description="the indicator: " + ", ".join(KPIS))
    ] = "networking_rate",
) -> HTMLResponse:
    """The unit outlined, its sub-units coloured by ``layer`` and labelled, the legend, the unit's
    KPI table by point class and its sub-units' values; ``@page`` A4 portrait."""
    if layer not in KPIS:
        raise HTTPException(422, f"layer: {layer!r} is not one of {list(KPIS)}")
    return HTMLResponse(print_page(state, unit.strip(), layer))
