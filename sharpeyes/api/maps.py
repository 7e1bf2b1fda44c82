"""The map page: a folium map whose layer groups are filled from the API by ``static/sharpeyes-map.js``.

Every asset is served by the app: folium's default scripts and stylesheets (Leaflet from a CDN, jQuery,
Bootstrap, Font Awesome, awesome-markers …) are replaced by the Leaflet copy vendored under
``static/vendor/`` — the page uses nothing else. Layers:

- base (one at a time): KPI choropleths per level (county, township, village) × (village coverage,
  networking rate, HD ratio, intact rate), drawn from ``/tiles/units/{level}``, per police level
  (sub-bureau 分局, station 派出所) × (networking rate, HD ratio, intact rate), or unit boundaries
  alone. A new level or hierarchy is one entry in :data:`LEVELS` (or :data:`POLICE_LAYERS`);
- overlays: the configured tile basemap, county boundaries, one camera layer drawn from vector tiles
  (``/tiles/cameras``: clusters with their class mix, cameras from zoom 17 or where few) with a switch
  per point class, fields of view (from zoom 16), uncovered villages and key places, offline and
  degraded cameras of the last health run, network links by load, single points of failure, planned
  sites.
"""

from __future__ import annotations

import json
from typing import Any, Final

import folium
from branca.element import Element, Figure, JavascriptLink, MacroElement
from jinja2 import Template

from sharpeyes.settings import Settings

#: Asset URLs the page loads (all served by the app from ``sharpeyes/api/static``).
LEAFLET_JS: Final = "/static/vendor/leaflet/leaflet.js"
LEAFLET_CSS: Final = "/static/vendor/leaflet/leaflet.css"
VECTORGRID_JS: Final = "/static/vendor/leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js"
TILES_JS: Final = "/static/sharpeyes-tiles.js"
MAP_JS: Final = "/static/sharpeyes-map.js"
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
#: Grids (网格) are drawn from this zoom on (a village is a few km across; a province has 100,000).
GRID_MIN_ZOOM: Final = 13
GRIDS_JS: Final = "/static/sharpeyes-grids.js"


class _Init(MacroElement):
    """Calls ``SharpeyesMap.init`` with the JavaScript names of the map and its layer groups."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        SharpeyesMap.init({map: {{ this._parent.get_name() }}, fovMinZoom: {{ this.fov_min_zoom }},
            layers: {{ this.layers_js }}});
        {% endmacro %}"""
    )

    def __init__(self, layers: dict[str, Any], fov_min_zoom: int) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca: no hints
        self._name = "SharpeyesInit"
        self.fov_min_zoom = int(fov_min_zoom)
        self.layers_js = _js_object(layers)


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
        "grids": folium.FeatureGroup(name=f"网格 · 联网率 (≥{GRID_MIN_ZOOM}级)", show=False).add_to(
            fmap
        ),
        "gapGrids": folium.FeatureGroup(
            name=f"无联网摄像机网格 (≥{GRID_MIN_ZOOM}级)", show=False
        ).add_to(fmap),
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
    """The map with our Leaflet, CSS, JS, title and favicon, and the bureau's basemap if any."""
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
    if settings.tile_url:
        folium.TileLayer(
            tiles=settings.tile_url,
            attr=settings.tile_attribution or "basemap",
            name="底图 basemap",
            overlay=True,
            control=True,
            max_zoom=19,
        ).add_to(fmap)
    return fmap


def _add_layers(fmap: folium.Map) -> dict[str, Any]:
    """Add the page's layer groups (choropleths, cameras, gaps, health, network, plan) to ``fmap``.

    Returns the groups by the names the page's JS knows them by.
    """
    layers: dict[str, Any] = {"choropleths": {}, "classes": {}, "verdicts": {}}
    folium.FeatureGroup(name="行政区划 (无专题)", overlay=False, show=False).add_to(fmap)
    for level, level_zh in LEVELS.items():
        for kpi, kpi_zh in KPIS.items():
            group = folium.FeatureGroup(
                name=f"{kpi_zh} · {level_zh}",
                overlay=False,
                show=(level, kpi) == DEFAULT_CHOROPLETH,
            ).add_to(fmap)
            layers["choropleths"][f"{level}:{kpi}"] = group
    for level, level_zh in POLICE_LAYERS.items():
        for kpi in POLICE_KPIS:
            group = folium.FeatureGroup(
                name=f"{KPIS[kpi]} · {level_zh} (公安)", overlay=False, show=False
            ).add_to(fmap)
            layers["choropleths"][f"{level}:{kpi}"] = group
    layers["boundaries"] = folium.FeatureGroup(name="区县边界", show=True).add_to(fmap)
    # one camera layer for every class (clusters show their class mix); each class's switch is an
    # empty group whose presence on the map the page's JS reads as "show this class"
    layers["cameras"] = folium.FeatureGroup(name="摄像机", show=True).add_to(fmap)
    for cls, name in CLASS_LAYERS.items():
        layers["classes"][str(cls)] = folium.FeatureGroup(
            name=f"摄像机 · {name}", show=True
        ).add_to(fmap)
    layers["fov"] = folium.FeatureGroup(name=f"视场 (≥{FOV_MIN_ZOOM}级)", show=True).add_to(fmap)
    layers["gapVillages"] = folium.FeatureGroup(name="未覆盖村", show=False).add_to(fmap)
    layers["gapPlaces"] = folium.FeatureGroup(name="未覆盖重点部位", show=False).add_to(fmap)
    layers["verdicts"]["offline"] = folium.FeatureGroup(name="离线摄像机", show=True).add_to(fmap)
    layers["verdicts"]["degraded"] = folium.FeatureGroup(name="画面异常摄像机", show=True).add_to(
        fmap
    )
    layers["verdicts"]["not_probed"] = folium.FeatureGroup(name="未巡检摄像机", show=False).add_to(
        fmap
    )
    layers["links"] = folium.FeatureGroup(name="网络链路负载", show=False).add_to(fmap)
    layers["spof"] = folium.FeatureGroup(name="单点故障", show=False).add_to(fmap)
    layers["plan"] = folium.FeatureGroup(name="规划点位", show=False).add_to(fmap)
    return layers


def build_map_html(
    settings: Settings,
    *,
    centre: tuple[float, float],
    bounds: tuple[float, float, float, float] | None,
    title: str = "雪亮工程 · 视频监控一张图",
) -> str:
    """The whole map page as HTML.

    Parameters
    ----------
    settings
        ``tile_url`` / ``tile_attribution``: the bureau's basemap tiles, if any.
    centre
        (lat, lon) in WGS-84 degrees where the map opens.
    bounds
        (west, south, east, north) in WGS-84 degrees to fit the view to, or ``None``.
    """
    fmap = _new_map(settings, centre=centre, title=title)
    root = fmap.get_root()
    assert isinstance(root, Figure)
    layers = _add_layers(fmap)
    grid_layers = _add_grid_layers(fmap)
    folium.LayerControl(collapsed=True, position="topright").add_to(fmap)
    root.html.add_child(
        Element(
            '<a class="sharpeyes-download" id="sharpeyes-worklist" '
            'href="/api/health/worklist?format=xlsx" download>派修清单 (xlsx)</a>'
        ),
        name="sharpeyes_worklist",
    )
    if bounds is not None:
        west, south, east, north = bounds
        fmap.fit_bounds([[south, west], [north, east]])
    fmap.add_child(_Init(layers, FOV_MIN_ZOOM))
    fmap.add_child(_GridInit(grid_layers, GRID_MIN_ZOOM))
    return str(root.render())
