/* sharpeyes map, grid layers (网格): a networking-rate choropleth of the grids in view and the
 * grids with no networked camera, both drawn from a high zoom only (a province has 100,000 grids),
 * from /api/map/grids?bbox=… (same origin, session cookie). */
(function () {
  "use strict";

  var STEPS = [[0.95, "#1a9850"], [0.85, "#91cf60"], [0.70, "#fee08b"], [0.50, "#fc8d59"], [-1, "#d73027"]];
  var status = { pending: 0, loaded: 0, failed: 0 };
  window.sharpeyesGridStatus = status;

  function colour(v) {
    if (v === null || v === undefined || isNaN(v)) { return "#cccccc"; }
    for (var i = 0; i < STEPS.length; i++) { if (v >= STEPS[i][0]) { return STEPS[i][1]; } }
    return "#cccccc";
  }
  function pct(v) { return (v === null || v === undefined) ? "—" : (100 * v).toFixed(1) + "%"; }
  function esc(t) {
    return String(t === null || t === undefined ? "" : t).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function bbox(map) {
    var b = map.getBounds();
    return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (x) { return x.toFixed(5); }).join(",");
  }
  function tip(p) {
    return "<b>" + esc(p.name) + "</b> " + esc(p.code) + "<br>摄像机 " + esc(p.cameras) +
      " · 联网 " + esc(p.networked) + "<br>联网率: " + pct(p.networking_rate) +
      "<br>完好率: " + pct(p.intact_rate) + (p.covered === false ? "<br><b>无联网摄像机</b>" : "");
  }

  function gridLayer(map, group, minZoom, uncovered) {
    var seq = 0;
    function refresh() {
      if (!map.hasLayer(group)) { return; }
      var mine = ++seq;
      if (map.getZoom() < minZoom) { group.clearLayers(); return; }
      status.pending += 1;
      fetch("/api/map/grids?bbox=" + bbox(map) + (uncovered ? "&uncovered=true" : ""), { credentials: "same-origin" })
        .then(function (r) { status.pending -= 1; if (!r.ok) { status.failed += 1; return null; } status.loaded += 1; return r.json(); },
              function () { status.pending -= 1; status.failed += 1; return null; })
        .then(function (fc) {
          if (mine !== seq || !fc) { return; }
          group.clearLayers();
          L.geoJSON(fc, {
            style: function (f) {
              return uncovered
                ? { color: "#b2182b", weight: 1.5, dashArray: "4 3", fillColor: "#b2182b", fillOpacity: 0.25 }
                : { color: "#555555", weight: 0.5, fillColor: colour(f.properties.networking_rate), fillOpacity: 0.6 };
            },
            onEachFeature: function (f, layer) { layer.bindTooltip(tip(f.properties), { sticky: true }); }
          }).addTo(group);
        });
    }
    map.on("moveend", refresh);
    group.on("add", refresh);
    refresh();
  }

  window.SharpeyesGrids = {
    init: function (cfg) {
      if (cfg.layers.grids) { gridLayer(cfg.map, cfg.layers.grids, cfg.minZoom, false); }
      if (cfg.layers.gapGrids) { gridLayer(cfg.map, cfg.layers.gapGrids, cfg.minZoom, true); }
    }
  };
})();
