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

  function getJSON(url) {
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

  function legend(map) {
    var control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "se-legend");
      var rows = ["<b>指标 (联网率/高清率/完好率/村覆盖率)</b>"];
      var labels = ["≥ 95%", "85–95%", "70–85%", "50–70%", "< 50%"];
      KPI_STEPS.forEach(function (s, i) {
        rows.push('<i style="background:' + s[1] + '"></i>' + labels[i]);
      });
      rows.push('<i style="background:#cccccc"></i>无数据');
      rows.push("<b>摄像机 (点位类型)</b>");
      [1, 2, 3, 9].forEach(function (k) {
        rows.push('<i class="dot" style="background:' + CLASS_COLOURS[k] + '"></i>' + CLASS_LABELS[k]);
      });
      rows.push("<b>巡检</b>");
      ["offline", "degraded"].forEach(function (k) {
        rows.push('<i class="dot" style="background:' + VERDICT_COLOURS[k] + '"></i>' + VERDICT_LABELS[k]);
      });
      rows.push("<b>链路负载 (利用率)</b>");
      [[0.9, "≥ 90%"], [0.7, "70–90%"], [0.4, "40–70%"], [0, "< 40%"]].forEach(function (u) {
        rows.push('<i class="line" style="background:' + utilisationColour(u[0]) + '"></i>' + u[1]);
      });
      rows.push('<i class="dot" style="background:#000000"></i>单点故障 (圆大小: 受影响摄像机数)');
      div.innerHTML = rows.join("<br>");
      return div;
    };
    control.addTo(map);
  }

  /* Called by the page with the folium variables: {map, layers: {...}, fovMinZoom}. */
  window.SharpeyesMap = {
    init: function (cfg) {
      var map = cfg.map, L_ = cfg.layers;
      window.sharpeyesMap = map;
      window.sharpeyesLayers = L_;
      Object.keys(L_.choropleths || {}).forEach(function (key) {
        var parts = key.split(":");
        choropleth(map, L_.choropleths[key], parts[0], parts[1]);
      });
      if (L_.boundaries) { boundaries(map, L_.boundaries, "county"); }
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
              return L.circleMarker(ll, { radius: 6, color: "#542788", weight: 2, fillColor: "#b2abd2", fillOpacity: 0.9 });
            },
            onEachFeature: function (f, layer) { layer.bindTooltip("规划点位 " + esc(f.properties.rank || "")); }
          });
        });
      }
      legend(map);
    }
  };
})();
