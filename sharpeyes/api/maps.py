"""The map page: a folium map whose layer groups are filled from the API by ``static/sharpeyes-map.js``.

Every asset is served by the app: folium's default scripts and stylesheets (Leaflet from a CDN, jQuery,
Bootstrap, Font Awesome, awesome-markers …) are replaced by the Leaflet copy vendored under
``static/vendor/`` — the page uses nothing else. One collapsible side panel (drawn by the JS from
:func:`panel_config`) holds every switch and the legend of exactly the layers shown. Layers:

- the indicator drawn (one at a time): KPI choropleths per level (county, township, village) ×
  (village coverage, networking rate, HD ratio, intact rate), drawn from ``/tiles/units/{level}``, per
  police level (sub-bureau 分局, station 派出所) × (networking rate, HD ratio, intact rate), or none. A
  new level or hierarchy is one entry in :data:`LEVELS` (or :data:`POLICE_LAYERS`);
- basemap: the local tile archive (``SHARPEYES_BASEMAP``) or the internal tile server
  (``SHARPEYES_TILE_URL``); with neither, a reference basemap from the store: key roads by grade,
  key places as labelled symbols, unit names;
- overlays: county boundaries, one camera layer drawn from vector tiles (``/tiles/cameras``: clusters
  with their class mix, cameras from zoom 17 or where few) with a switch per point class, fields of
  view (from zoom 16), uncovered villages and key places, offline and degraded cameras of the last
  health run, network links by load, single points of failure, planned sites.
"""

from __future__ import annotations

import json
from typing import Any, Final

import folium
from branca.element import Element, Figure, JavascriptLink, MacroElement
from jinja2 import Template

from sharpeyes.api.basemap import TileArchive
from sharpeyes.model.codes import CAMERA_TYPES, POINT_CLASSES, STATUSES
from sharpeyes.settings import Settings

#: Asset URLs the page loads (all served by the app from ``sharpeyes/api/static``).
LEAFLET_JS: Final = "/static/vendor/leaflet/leaflet.js"
LEAFLET_CSS: Final = "/static/vendor/leaflet/leaflet.css"
VECTORGRID_JS: Final = "/static/vendor/leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js"
TILES_JS: Final = "/static/sharpeyes-tiles.js"
MAP_JS: Final = "/static/sharpeyes-map.js"
#: The side panel and the camera edit form (loaded after MAP_JS, before the page calls init).
PANEL_JS: Final = "/static/sharpeyes-panel.js"
EDIT_JS: Final = "/static/sharpeyes-edit.js"
MAP_CSS: Final = "/static/sharpeyes.css"
FAVICON: Final = "/static/favicon.svg"

KPIS: Final = {
    "networking_rate": "联网率",
    "village_coverage": "村覆盖率",
    "hd_ratio": "高清率",
    "intact_rate": "完好率",
}
LEVELS: Final = {"county": "区县", "township": "乡镇街道", "village": "村社区"}
#: Police levels drawn as choropleths of their own (the police report's figures), and their KPIs
#: (village coverage is an administrative figure).
POLICE_LAYERS: Final = {"sub_bureau": "分局", "station": "派出所"}
POLICE_KPIS: Final = ("networking_rate", "hd_ratio", "intact_rate")
DEFAULT_CHOROPLETH: Final = ("township", "networking_rate")
CLASS_LAYERS: Final = {1: "一类点位", 2: "二类点位", 3: "三类点位", 9: "其他点位"}
FOV_MIN_ZOOM: Final = 16
#: Where the app serves the local basemap archive's tiles (routes/basemap.py).
ARCHIVE_TILE_URL: Final = "/tiles/base/{z}/{x}/{y}"
#: Grids (网格) are drawn from this zoom on (a village is a few km across; a province has 100,000).
GRID_MIN_ZOOM: Final = 13
GRIDS_JS: Final = "/static/sharpeyes-grids.js"


class _Init(MacroElement):
    """Calls ``SharpeyesMap.init`` with the JavaScript names of the map and its layer groups, and the
    side panel's configuration (plain JSON)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        SharpeyesMap.init({map: {{ this._parent.get_name() }}, fovMinZoom: {{ this.fov_min_zoom }},
            layers: {{ this.layers_js }}, panel: {{ this.panel_js }}, fit: {{ this.fit_js }}});
        {% endmacro %}"""
    )

    def __init__(
        self,
        layers: dict[str, Any],
        fov_min_zoom: int,
        panel: dict[str, Any],
        *,
        fit: list[list[float]] | None = None,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca: no hints
        self._name = "SharpeyesInit"
        self.fit_js = json.dumps(fit)  # [[south, west], [north, east]] (WGS-84 degrees) or null
        self.fov_min_zoom = int(fov_min_zoom)
        self.layers_js = _js_object(layers)
        # "</" would end the script element early: JSON allows "<\/"
        self.panel_js = json.dumps(panel, ensure_ascii=False).replace("</", "<\\/")


class _GridInit(MacroElement):
    """Calls ``SharpeyesGrids.init`` (``static/sharpeyes-grids.js``) with the grid layer groups."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        SharpeyesGrids.init({map: {{ this._parent.get_name() }}, minZoom: {{ this.min_zoom }},
            layers: {{ this.layers_js }}});
        {% endmacro %}"""
    )

    def __init__(self, layers: dict[str, Any], min_zoom: int) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca: no hints
        self._name = "SharpeyesGridInit"
        self.min_zoom = int(min_zoom)
        self.layers_js = _js_object(layers)


def _add_grid_layers(fmap: folium.Map) -> dict[str, Any]:
    """The grid choropleth (networking rate) and the grids with no networked camera (gaps), both
    overlays drawn from :data:`GRID_MIN_ZOOM` on."""
    root = fmap.get_root()
    assert isinstance(root, Figure)
    root.header.add_child(JavascriptLink(GRIDS_JS), name="sharpeyes_grids_js")
    return {
        "grids": _group(fmap, f"网格 · 联网率 (≥{GRID_MIN_ZOOM}级)", show=False),
        "gapGrids": _group(fmap, f"无联网摄像机网格 (≥{GRID_MIN_ZOOM}级)", show=False),
    }


def _js_object(value: Any) -> str:
    """A JS object literal whose leaves are folium layer variable names (not strings)."""
    if isinstance(value, dict):
        return (
            "{"
            + ", ".join(f"{json.dumps(str(k))}: {_js_object(v)}" for k, v in value.items())
            + "}"
        )
    return str(value.get_name())


def _new_map(settings: Settings, *, centre: tuple[float, float], title: str) -> folium.Map:
    """The map with our Leaflet, CSS, JS, title and favicon (no basemap yet: see :func:`_basemap`)."""
    fmap = folium.Map(
        location=list(centre),
        zoom_start=9,
        tiles=None,
        prefer_canvas=True,
        control_scale=True,
        max_zoom=19,
    )
    # after Leaflet: the vector-tile plugin (folium's VectorGridProtobuf asset, vendored), our tile layers
    fmap.default_js = [
        ("leaflet", LEAFLET_JS),
        ("leaflet_vectorgrid", VECTORGRID_JS),
        ("sharpeyes_tiles", TILES_JS),
    ]
    fmap.default_css = [("leaflet_css", LEAFLET_CSS)]
    root = fmap.get_root()
    assert isinstance(root, Figure)
    root.header.add_child(
        Element(
            f'<title>{title}</title><meta name="referrer" content="same-origin">'
            f'<link rel="icon" href="{FAVICON}" type="image/svg+xml">'
        )
    )
    root.header.add_child(
        Element(f'<link rel="stylesheet" href="{MAP_CSS}"/>'), name="sharpeyes_css"
    )
    root.header.add_child(JavascriptLink(MAP_JS), name="sharpeyes_js")
    root.header.add_child(JavascriptLink(PANEL_JS), name="sharpeyes_panel_js")
    root.header.add_child(JavascriptLink(EDIT_JS), name="sharpeyes_edit_js")
    return fmap


def _basemap(fmap: folium.Map, settings: Settings, archive: TileArchive | None) -> Any | None:
    """The tile basemap: the local archive (raster) if any, else the internal tile server, else
    ``None`` (the page then draws the reference basemap from the store)."""
    if archive is not None and archive.raster:
        extent: dict[str, Any] = {}
        if archive.bounds is not None:  # no requests for tiles the archive cannot have
            west, south, east, north = archive.bounds
            extent["bounds"] = [[south, west], [north, east]]
        return folium.TileLayer(
            tiles=ARCHIVE_TILE_URL,
            attr=archive.attribution or "本地底图",
            name="底图",
            overlay=True,
            control=False,
            min_zoom=0,
            max_zoom=19,
            max_native_zoom=archive.max_zoom,
            min_native_zoom=archive.min_zoom,
            **extent,
        ).add_to(fmap)
    if settings.tile_url:
        return folium.TileLayer(
            tiles=settings.tile_url,
            attr=settings.tile_attribution or "basemap",
            name="底图",
            overlay=True,
            control=False,
            max_zoom=19,
        ).add_to(fmap)
    return None


def _group(fmap: folium.Map, name: str, *, show: bool) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name=name, show=show, control=False)
    group.add_to(fmap)
    return group


def _add_layers(fmap: folium.Map, *, reference_shown: bool) -> dict[str, Any]:
    """Add the page's layer groups (choropleths, reference basemap, cameras, gaps, health, network,
    plan) to ``fmap``. Returns the groups by the names the page's JS knows them by."""
    layers: dict[str, Any] = {"choropleths": {}, "classes": {}, "verdicts": {}}
    for level, level_zh in LEVELS.items():
        for kpi, kpi_zh in KPIS.items():
            group = folium.FeatureGroup(
                name=f"{kpi_zh} · {level_zh}",
                overlay=False,
                control=False,
                show=(level, kpi) == DEFAULT_CHOROPLETH,
            ).add_to(fmap)
            layers["choropleths"][f"{level}:{kpi}"] = group
    for level, level_zh in POLICE_LAYERS.items():
        for kpi in POLICE_KPIS:
            group = folium.FeatureGroup(
                name=f"{KPIS[kpi]} · {level_zh} (公安)", overlay=False, control=False, show=False
            ).add_to(fmap)
            layers["choropleths"][f"{level}:{kpi}"] = group
    layers["refRoads"] = _group(fmap, "道路", show=reference_shown)
    layers["refPlaces"] = _group(fmap, "重点部位", show=reference_shown)
    layers["refLabels"] = _group(fmap, "区划名称", show=True)
    layers["boundaries"] = _group(fmap, "区县边界", show=True)
    # one camera layer for every class (clusters show their class mix); each class's switch is an
    # empty group whose presence on the map the page's JS reads as "show this class"
    layers["cameras"] = _group(fmap, "摄像机", show=True)
    for cls, name in CLASS_LAYERS.items():
        layers["classes"][str(cls)] = _group(fmap, f"摄像机 · {name}", show=True)
    layers["fov"] = _group(fmap, f"视场 (≥{FOV_MIN_ZOOM}级)", show=True)
    layers["gapVillages"] = _group(fmap, "未覆盖村", show=False)
    layers["gapPlaces"] = _group(fmap, "未覆盖重点部位", show=False)
    layers["verdicts"]["offline"] = _group(fmap, "离线摄像机", show=True)
    layers["verdicts"]["degraded"] = _group(fmap, "画面异常摄像机", show=True)
    layers["verdicts"]["not_probed"] = _group(fmap, "未巡检摄像机", show=False)
    layers["links"] = _group(fmap, "网络链路负载", show=False)
    layers["spof"] = _group(fmap, "单点故障", show=False)
    layers["plan"] = _group(fmap, "规划点位", show=False)
    return layers


def overlay_switches(*, tiles: bool) -> list[dict[str, Any]]:
    """The panel's layer switches, section by section: ``key`` (path in the page's layer object),
    ``label``, ``section`` and ``download`` (the GeoJSON URL; ``{bbox}``/``{zoom}`` filled in with the
    view when clicked), in the order shown."""
    rows: list[tuple[str, str, str, str | None]] = []
    if tiles:
        rows.append(("tiles", "瓦片底图", "底图", None))
    rows += [
        ("refRoads", "道路 (按等级)", "底图", "/api/map/roads?bbox={bbox}&zoom={zoom}"),
        ("refPlaces", "重点部位 (≥12级)", "底图", "/api/map/places?bbox={bbox}&zoom={zoom}"),
        ("refLabels", "区划名称", "底图", None),
        ("boundaries", "区县边界", "行政区划", "/api/map/units?level=county"),
    ]
    for cls, name in CLASS_LAYERS.items():
        rows.append(
            (f"classes.{cls}", name, "摄像机", f"/api/map/download/cameras?point_class={cls}")
        )
    rows += [
        ("fov", f"视场 (≥{FOV_MIN_ZOOM}级)", "摄像机", "/api/map/fov?bbox={bbox}"),
        ("verdicts.offline", "离线", "巡检", "/api/map/download/cameras?verdict=offline"),
        ("verdicts.degraded", "画面异常", "巡检", "/api/map/download/cameras?verdict=degraded"),
        ("verdicts.not_probed", "未巡检", "巡检", "/api/map/download/cameras?verdict=not_probed"),
        ("gapVillages", "未覆盖村", "缺口", "/api/gaps/villages"),
        ("gapPlaces", "未覆盖重点部位", "缺口", "/api/gaps/places"),
        ("links", "链路负载", "网络", "/api/network/layers/links"),
        ("spof", "单点故障", "网络", "/api/network/layers/spof"),
        ("plan", "规划点位", "规划", "/api/plan/sites"),
        ("grids", f"网格 · 联网率 (≥{GRID_MIN_ZOOM}级)", "网格", "/api/map/grids?bbox={bbox}"),
        (
            "gapGrids",
            f"无联网摄像机网格 (≥{GRID_MIN_ZOOM}级)",
            "网格",
            "/api/map/grids?bbox={bbox}&uncovered=true",
        ),
    ]
    return [
        {"key": key, "label": label, "section": section, "download": download}
        for key, label, section, download in rows
    ]


def panel_config(*, tiles: bool, archive: TileArchive | None) -> dict[str, Any]:
    """What the side panel shows: indicator and level choices, the overlay switches, the basemap."""
    return {
        "kpis": dict(KPIS),
        "levels": dict(LEVELS) | {k: f"{v} (公安)" for k, v in POLICE_LAYERS.items()},
        "choropleth": ":".join(DEFAULT_CHOROPLETH),
        "unitsDownload": "/api/map/units?level={level}",
        "overlays": overlay_switches(tiles=tiles),
        "basemap": None if archive is None else archive.describe(),
        "worklist": "/api/health/worklist?format=xlsx",
        "codes": edit_codes(),
    }


def edit_codes() -> dict[str, dict[str, str]]:
    """The code tables the camera edit form offers, by field, with their Chinese labels."""
    return {
        "point_class": {str(k): f"{c.zh} ({k})" for k, c in POINT_CLASSES.items()},
        "status": {str(k): c.zh for k, c in STATUSES.items()},
        "camera_type": {str(k): c.zh for k, c in CAMERA_TYPES.items()},
    }


def build_map_html(
    settings: Settings,
    *,
    centre: tuple[float, float],
    bounds: tuple[float, float, float, float] | None,
    title: str = "雪亮工程 · 视频监控一张图",
    archive: TileArchive | None = None,
) -> str:
    """The whole map page as HTML.

    Parameters
    ----------
    settings
        ``tile_url`` / ``tile_attribution``: the bureau's internal tile server, if any.
    centre
        (lat, lon) in WGS-84 degrees where the map opens.
    bounds
        (west, south, east, north) in WGS-84 degrees to fit the view to, or ``None``.
    archive
        The local basemap archive (``SHARPEYES_BASEMAP``), drawn when it holds raster tiles.
    """
    fmap = _new_map(settings, centre=centre, title=title)
    root = fmap.get_root()
    assert isinstance(root, Figure)
    tiles = _basemap(fmap, settings, archive)
    layers = _add_layers(fmap, reference_shown=tiles is None)
    if tiles is not None:
        layers["tiles"] = tiles
    grid_layers = _add_grid_layers(fmap)
    # the view is fitted by SharpeyesMap.init before any layer asks for data (folium's fit_bounds
    # ran after the layers had requested the zoom_start view's tiles: half the page's requests)
    fit = None
    if bounds is not None:
        west, south, east, north = bounds
        fit = [[south, west], [north, east]]
    panel = panel_config(tiles=tiles is not None, archive=archive)
    fmap.add_child(_Init(layers | grid_layers, FOV_MIN_ZOOM, panel, fit=fit))
    fmap.add_child(_GridInit(grid_layers, GRID_MIN_ZOOM))
    return str(root.render())
