/* sharpeyes map: fills the folium layer groups from the API (same origin, session cookie).
 * Cameras and units come as vector tiles aggregated on the server (sharpeyes-tiles.js), so the page
 * never holds more than a few thousand markers whatever the size of the inventory. */
(function () {
  "use strict";

  var KPI_LABELS = {
    village_coverage: "村覆盖率",
    networking_rate: "联网率",
    hd_ratio: "高清率",
    intact_rate: "完好率",
    online_rate: "在线率(巡检)",
    platform_online_rate: "在线率(平台)"
  };
  var KPI_STEPS = [
    [0.95, "#1a9850"], [0.85, "#91cf60"], [0.70, "#fee08b"], [0.50, "#fc8d59"], [-1, "#d73027"]
  ];
  var CLASS_COLOURS = { 1: "#d7191c", 2: "#2b83ba", 3: "#1a9641", 4: "#7b3294", 9: "#636363" };
  var CLASS_LABELS = { 1: "一类", 2: "二类", 3: "三类", 4: "公安内部", 9: "其他" };
  var VERDICT_COLOURS = { offline: "#b2182b", degraded: "#ef8a62", unknown: "#999999", ok: "#4daf4a", not_probed: "#6a51a3" };
  var VERDICT_LABELS = { offline: "离线", degraded: "画面异常", unknown: "未知", ok: "正常", not_probed: "未巡检" };

  function kpiColour(value) {
    if (value === null || value === undefined || isNaN(value)) { return "#cccccc"; }
    for (var i = 0; i < KPI_STEPS.length; i++) {
      if (value >= KPI_STEPS[i][0]) { return KPI_STEPS[i][1]; }
    }
    return "#cccccc";
  }

  function utilisationColour(u) {
    if (u === null || u === undefined) { return "#999999"; }
    if (u >= 0.9) { return "#b2182b"; }
    if (u >= 0.7) { return "#ef8a62"; }
    if (u >= 0.4) { return "#fddbc7"; }
    return "#67a9cf";
  }

  function pct(v) {
    return (v === null || v === undefined) ? "—" : (100 * v).toFixed(1) + "%";
  }

  function esc(text) {
    return String(text === null || text === undefined ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  var status = { pending: 0, loaded: 0, failed: 0 };
  window.sharpeyesMapStatus = status;

  /* The session's CSRF token (the sharpeyes_csrf cookie), sent back as X-CSRF-Token: the server
     refuses a cookie-authenticated request that changes state without it. */
  function csrfToken() {
    var m = document.cookie.match(/(?:^|;\s*)sharpeyes_csrf=([^;]*)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  /* fetch() on this server with the session cookie and the CSRF header (any method). */
  function send(url, options) {
    var o = Object.assign({ credentials: "same-origin" }, options || {});
    o.headers = Object.assign({ "Accept": "application/json", "X-CSRF-Token": csrfToken() },
      o.headers || {});
    return fetch(url, o);
  }
  window.sharpeyesFetch = send;

  /* Bumped by an edit: data URLs change, so the browser's short cache of map data is passed by. */
  var dataVersion = 0;

  function getJSON(url) {
    if (dataVersion && url.indexOf("/api/map/") === 0) {
      url += (url.indexOf("?") < 0 ? "?" : "&") + "v=" + dataVersion;
    }
    status.pending += 1;
    return send(url)
      .then(function (r) {
        status.pending -= 1;
        if (r.status === 404) { status.loaded += 1; return null; }
        if (!r.ok) { status.failed += 1; throw new Error(url + ": HTTP " + r.status); }
        status.loaded += 1;
        return r.json();
      }, function (e) { status.pending -= 1; status.failed += 1; throw e; });
  }

  function bboxParam(map) {
    var b = map.getBounds();
    var w = Math.max(-180, b.getWest()), e = Math.min(180, b.getEast());
    var s = Math.max(-90, b.getSouth()), n = Math.min(90, b.getNorth());
    return [w, s, e, n].map(function (x) { return x.toFixed(5); }).join(",");
  }

  function fovLayer(map, group, minZoom) {
    var seq = 0;
    function refresh() {
      if (!map.hasLayer(group)) { return; }
      var mine = ++seq;
      if (map.getZoom() < minZoom) { group.clearLayers(); return; }
      getJSON("/api/map/fov?bbox=" + bboxParam(map)).then(function (fc) {
        if (mine !== seq || !fc) { return; }
        group.clearLayers();
        L.geoJSON(fc, {
          style: function (f) {
            var c = CLASS_COLOURS[f.properties.point_class] || "#636363";
            return { color: c, weight: 1, fillColor: c, fillOpacity: 0.15 };
          }
        }).addTo(group);
      }).catch(function () {});
    }
    map.on("moveend", refresh);
    group.on("add", refresh);
    refresh();
  }

  /* A layer group filled once, the first time it is shown. */
  function onceLayer(map, group, url, build) {
    var loaded = false;
    function load() {
      if (loaded || !map.hasLayer(group)) { return; }
      loaded = true;
      getJSON(url).then(function (fc) { if (fc) { build(fc).addTo(group); } })
        .catch(function () { loaded = false; });
    }
    group.on("add", load);
    load();
  }

  /* A choropleth of `kpi` over the units of `level`, drawn from the unit vector tiles the first
     time its group is shown. */
  function choropleth(map, group, level, kpi) {
    var added = false;
    function load() {
      if (added || !map.hasLayer(group)) { return; }
      added = true;
      group.addLayer(SharpeyesTiles.unitLayer(level, function (p) {
        return {
          fill: true, color: "#555555", weight: level === "village" ? 0.3 : 1,
          fillColor: kpiColour(p[kpi]), fillOpacity: 0.65
        };
      }, function (p) {
        return "<b>" + esc(p.name) + "</b> " + esc(p.code) + "<br>" +
          Object.keys(KPI_LABELS).map(function (k) {
            return (k === kpi ? "<b>" : "") + KPI_LABELS[k] + ": " + pct(p[k]) + (k === kpi ? "</b>" : "");
          }).join("<br>");
      }));
    }
    group.on("add", load);
    load();
  }

  function boundaries(map, group, level) {
    group.addLayer(SharpeyesTiles.unitLayer(level, function () {
      return { fill: false, color: "#333333", weight: 1.5 };
    }));
  }

  var unitCache = {};
  function unitData(level) {
    if (!unitCache[level]) { unitCache[level] = getJSON("/api/map/units?level=" + level); }
    return unitCache[level];
  }

  /* One canvas per pane, so the choropleth stays under the roads and the roads under the cameras. */
  var renderers = {};
  function paneRenderer(map, pane) {
    if (!map.getPane(pane)) {
      map.createPane(pane);
      map.getPane(pane).style.zIndex = { "se-choro": 350, "se-ref": 380, "se-labels": 390 }[pane] || 400;
      if (pane !== "se-choro") { map.getPane(pane).style.pointerEvents = "none"; }
    }
    if (!renderers[pane]) { renderers[pane] = L.canvas({ pane: pane }); }
    return renderers[pane];
  }

  function dotRow(colour, text, shape) {
    return '<div class="se-legend-row"><i class="' + (shape || "dot") + '" style="background:' + colour + '"></i>' + text + "</div>";
  }

  function registerLegends() {
    var P = window.SharpeyesPanel;
    if (!P) { return; }
    var labels = ["≥ 95%", "85–95%", "70–85%", "50–70%", "< 50%"];
    P.legend("choropleth", function (title) {
      var rows = ['<div class="se-legend-title">' + esc(title) + "</div>"];
      KPI_STEPS.forEach(function (s, i) { rows.push(dotRow(s[1], labels[i], "box")); });
      rows.push(dotRow("#cccccc", "无数据", "box"));
      return rows.join("");
    });
    [1, 2, 3, 9].forEach(function (k) {
      P.legend("classes." + k, function () { return dotRow(CLASS_COLOURS[k], "摄像机 · " + CLASS_LABELS[k]); });
    });
    ["offline", "degraded", "not_probed"].forEach(function (k) {
      P.legend("verdicts." + k, function () { return dotRow(VERDICT_COLOURS[k], "巡检 · " + VERDICT_LABELS[k]); });
    });
    P.legend("fov", function () { return dotRow("rgba(99,99,99,.35)", "视场 (扇形, 按点位类型着色)", "box"); });
    P.legend("boundaries", function () { return dotRow("#333333", "区县边界", "line"); });
    P.legend("refRoads", function () {
      return '<div class="se-legend-title">道路 (按等级)</div>' + ROAD_STYLES.map(function (r) {
        return dotRow(r[1], r[3], "line");
      }).join("");
    });
    P.legend("refPlaces", function () { return dotRow("#8c510a", "重点部位 (学=学校, 医=医院, 站=车站 …)", "dot"); });
    P.legend("gapVillages", function () { return dotRow("#b2182b", "未覆盖村", "box"); });
    P.legend("gapPlaces", function () { return dotRow("#fdb863", "未覆盖重点部位"); });
    P.legend("links", function () {
      return '<div class="se-legend-title">链路负载 (利用率)</div>' +
        [[0.9, "≥ 90%"], [0.7, "70–90%"], [0.4, "40–70%"], [0, "< 40%"]].map(function (u) {
          return dotRow(utilisationColour(u[0]), u[1], "line");
        }).join("");
    });
    P.legend("spof", function () { return dotRow("#000000", "单点故障 (圆大小: 受影响摄像机数)"); });
    P.legend("plan", function () { return dotRow("#b2abd2", "规划点位 (数字: 建设顺序)"); });
    P.legend("grids", function () { return dotRow("#91cf60", "网格 · 联网率 (色阶同专题图)", "box"); });
    P.legend("gapGrids", function () { return dotRow("#b2182b", "无联网摄像机网格", "box"); });
  }

  /* Road grades: [road_class, colour, weight px, label]. */
  var ROAD_STYLES = [
    ["motorway", "#e8590c", 4, "高速公路"], ["trunk", "#f08c00", 3.5, "国道"],
    ["primary", "#f6c344", 3, "省道/主干道"], ["secondary", "#bfa25a", 2.2, "县道/次干道"],
    ["tertiary", "#9a9a9a", 1.6, "乡道"], ["residential", "#b5b5b5", 1, "村道/街巷"],
    ["other", "#c8c8c8", 1, "其他"]
  ];

  /* A layer group re-filled from ``url`` for the current view while it is on the map. */
  function viewLayer(map, group, url, build) {
    var seq = 0;
    function refresh() {
      if (!map.hasLayer(group)) { return; }
      var mine = ++seq;
      getJSON(url + (url.indexOf("?") < 0 ? "?" : "&") + "zoom=" + map.getZoom() + "&bbox=" + bboxParam(map))
        .then(function (fc) {
          if (mine !== seq || !fc) { return; }
          group.clearLayers();
          build(fc).addTo(group);
        }).catch(function () {});
    }
    map.on("moveend", refresh);
    group.on("add", refresh);
    refresh();
  }

  function referenceBasemap(map, L_) {
    var styles = {};
    ROAD_STYLES.forEach(function (r) { styles[r[0]] = r; });
    if (L_.refRoads) {
      viewLayer(map, L_.refRoads, "/api/map/roads", function (fc) {
        return L.geoJSON(fc, {
          pane: "se-ref", renderer: paneRenderer(map, "se-ref"), interactive: false,
          style: function (f) {
            var r = styles[f.properties.road_class] || styles.other;
            return { color: r[1], weight: r[2], opacity: 0.9 };
          }
        });
      });
    }
    if (L_.refPlaces) {
      viewLayer(map, L_.refPlaces, "/api/map/places", function (fc) {
        paneRenderer(map, "se-labels");
        return L.geoJSON(fc, {
          pointToLayer: function (f, ll) {
            var p = f.properties, mark = (p.category_zh || "点").charAt(0);
            return L.marker(ll, {
              pane: "se-labels", interactive: false, keyboard: false,
              icon: L.divIcon({ className: "se-place", iconSize: null,
                html: '<b>' + esc(mark) + "</b>" + esc(p.name || "") })
            });
          }
        });
      });
    }
    if (L_.refLabels) {
      var minZoom = { county: 0, township: 11, village: 13 };
      var seq = 0;
      var refreshLabels = function () {
        if (!map.hasLayer(L_.refLabels)) { return; }
        var mine = ++seq, zoom = map.getZoom();
        var levels = Object.keys(minZoom).filter(function (lv) { return zoom >= minZoom[lv]; });
        var wanted = levels[levels.length - 1];
        unitData(wanted).then(function (fc) {
          if (mine !== seq || !fc) { return; }
          paneRenderer(map, "se-labels");
          L_.refLabels.clearLayers();
          var view = map.getBounds();
          fc.features.forEach(function (f) {
            if (!f.geometry) { return; }
            var centre = L.geoJSON(f).getBounds().getCenter();
            if (!view.contains(centre)) { return; }
            L.marker(centre, {
              pane: "se-labels", interactive: false, keyboard: false,
              icon: L.divIcon({ className: "se-unit-label se-unit-" + wanted, iconSize: null,
                html: esc(f.properties.name || f.properties.code) })
            }).addTo(L_.refLabels);
          });
        }).catch(function () {});
      };
      map.on("moveend", refreshLabels);
      L_.refLabels.on("add", refreshLabels);
      refreshLabels();
    }
  }

  /* Called by the page with the folium variables: {map, layers: {...}, fovMinZoom, panel, fit}. */
  window.SharpeyesMap = {
    init: function (cfg) {
      var map = cfg.map, L_ = cfg.layers;
      // the view first, without animation: every layer below asks for the tiles of this view only
      if (cfg.fit) { map.fitBounds(cfg.fit, { animate: false }); }
      window.sharpeyesMap = map;
      window.sharpeyesLayers = L_;
      paneRenderer(map, "se-choro");
      Object.keys(L_.choropleths || {}).forEach(function (key) {
        var parts = key.split(":");
        choropleth(map, L_.choropleths[key], parts[0], parts[1]);
      });
      if (L_.boundaries) { boundaries(map, L_.boundaries, "county"); }
      referenceBasemap(map, L_);
      if (L_.cameras) { L_.cameras.tiles = SharpeyesTiles.cameraLayer(map, L_.cameras, L_.classes || {}); }
      Object.keys(L_.verdicts || {}).forEach(function (v) {
        L_.verdicts[v].tiles = SharpeyesTiles.verdictLayer(map, L_.verdicts[v], v, VERDICT_COLOURS[v]);
      });
      if (L_.fov) { fovLayer(map, L_.fov, cfg.fovMinZoom || 16); }
      if (L_.gapVillages) {
        onceLayer(map, L_.gapVillages, "/api/gaps/villages", function (fc) {
          return L.geoJSON(fc, {
            style: { color: "#b2182b", weight: 2, dashArray: "4 3", fillColor: "#b2182b", fillOpacity: 0.25 },
            pointToLayer: function (f, ll) { return L.circleMarker(ll, { radius: 6, color: "#b2182b" }); },
            onEachFeature: function (f, layer) {
              layer.bindTooltip("未覆盖村: " + esc(f.properties.name || f.properties.code || ""));
            }
          });
        });
      }
      if (L_.gapPlaces) {
        onceLayer(map, L_.gapPlaces, "/api/gaps/places", function (fc) {
          return L.geoJSON(fc, {
            style: { color: "#e08214", weight: 2, fillOpacity: 0.3 },
            pointToLayer: function (f, ll) {
              return L.circleMarker(ll, { radius: 6, color: "#7f3b08", weight: 2, fillColor: "#fdb863", fillOpacity: 0.9 });
            },
            onEachFeature: function (f, layer) {
              layer.bindTooltip("未覆盖重点部位: " + esc(f.properties.name || "") + " (" + esc(f.properties.category || "") + ")");
            }
          });
        });
      }
      if (L_.links) {
        onceLayer(map, L_.links, "/api/network/layers/links", function (fc) {
          return L.geoJSON(fc, {
            style: function (f) {
              var u = f.properties.utilisation;
              return { color: utilisationColour(u), weight: 2 + 4 * Math.min(1, u || 0), opacity: 0.9 };
            },
            onEachFeature: function (f, layer) {
              var p = f.properties;
              layer.bindTooltip("负载 " + esc(p.load_mbps) + " / " + esc(p.capacity_mbps) + " Mbps (" + pct(p.utilisation) + ")");
            }
          });
        });
      }
      if (L_.spof) {
        onceLayer(map, L_.spof, "/api/network/layers/spof", function (fc) {
          return L.geoJSON(fc, {
            pointToLayer: function (f, ll) {
              var n = f.properties.cameras_cut_off || 0;
              return L.circleMarker(ll, {
                radius: 4 + 3 * Math.log10(n + 1), color: "#000000", weight: 2, fillColor: "#000000", fillOpacity: 0.5
              });
            },
            onEachFeature: function (f, layer) {
              layer.bindTooltip("单点故障 " + esc(f.properties.name || f.properties.node_id || "") +
                ": " + esc(f.properties.cameras_cut_off) + " 台摄像机失联");
            }
          });
        });
      }
      if (L_.plan) {
        onceLayer(map, L_.plan, "/api/plan/sites", function (fc) {
          return L.geoJSON(fc, {
            pointToLayer: function (f, ll) {
              return L.marker(ll, { icon: L.divIcon({ className: "se-plan", iconSize: [22, 22],
                html: esc(f.properties.rank === undefined ? "" : f.properties.rank) }) });
            },
            onEachFeature: function (f, layer) { layer.bindTooltip(planTip(f.properties)); }
          });
        });
      }
      registerLegends();
      if (window.SharpeyesPanel) {
        window.sharpeyesPanel = window.SharpeyesPanel.create(map, L_, cfg.panel || {});
      }
      if (window.SharpeyesEdit) { window.SharpeyesEdit.init(map, cfg.panel || {}); }
    },
    util: { getJSON: function (u) { return getJSON(u); }, send: send, esc: esc, pct: pct,
      CLASS_LABELS: CLASS_LABELS, refreshCameras: function (map) { dataVersion += 1; refreshCameraTiles(map); } }
  };

  function num(v, digits) {
    return (v === null || v === undefined || isNaN(v)) ? "—" : Number(v).toLocaleString("zh-CN",
      { maximumFractionDigits: digits === undefined ? 1 : digits });
  }

  /* Draw the camera tiles again with new URLs (after an edit: the browser keeps tiles a few seconds). */
  function refreshCameraTiles(map) {
    var L_ = window.sharpeyesLayers || {};
    var layers = [L_.cameras && L_.cameras.tiles];
    Object.keys(L_.verdicts || {}).forEach(function (v) { layers.push(L_.verdicts[v].tiles); });
    layers.forEach(function (t) {
      if (!t || !t.setUrl) { return; }
      if (!t._baseUrl) { t._baseUrl = t._url; }
      t.setUrl(t._baseUrl + (t._baseUrl.indexOf("?") < 0 ? "?" : "&") + "v=" + dataVersion);
    });
    map.fire("moveend");
  }

  /* A planned site: build order, cost and the demand weight it newly covers. */
  function planTip(p) {
    var rows = ["<b>规划点位 · 第 " + esc(p.rank) + " 个</b>"];
    if (p.name) { rows.push(esc(p.name)); }
    rows.push("造价: " + (p.cost === undefined || p.cost === null ? "—" : num(p.cost, 0) + " 元"));
    rows.push("新增覆盖权重: " + num(p.marginal_gain, 2));
    if (p.cumulative_share !== undefined && p.cumulative_share !== null) {
      rows.push("累计覆盖率: " + pct(p.cumulative_share));
    }
    return rows.join("<br>");
  }
})();
