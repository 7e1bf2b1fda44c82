/* sharpeyes map: the one side panel — title (the indicator and level drawn), the indicator and level
 * switches, every layer switch with its GeoJSON download, and the legend of exactly the layers shown.
 * Layers register their legend with SharpeyesPanel.legend(key, function () { return html; }), so a
 * layer added later (another camera layer, another choropleth) only adds a switch and a legend. */
(function () {
  "use strict";

  var legends = {};

  function esc(text) {
    return String(text === null || text === undefined ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function layerAt(layers, key) {
    return key.split(".").reduce(function (o, k) { return o ? o[k] : undefined; }, layers);
  }

  function bboxText(map) {
    var b = map.getBounds();
    return [Math.max(-180, b.getWest()), Math.max(-90, b.getSouth()),
      Math.min(180, b.getEast()), Math.min(90, b.getNorth())]
      .map(function (x) { return x.toFixed(5); }).join(",");
  }

  /* A download link whose {bbox}/{zoom}/{level} are filled in with the view when it is clicked. */
  function downloadLink(map, template, name, values) {
    var a = L.DomUtil.create("a", "se-download");
    a.textContent = "⤓";
    a.title = "下载 GeoJSON: " + name;
    a.setAttribute("download", name + ".geojson");
    function fill() {
      var v = values ? values() : {};
      a.href = template.replace("{bbox}", bboxText(map)).replace("{zoom}", String(map.getZoom()))
        .replace("{level}", v.level || "");
    }
    fill();
    a.addEventListener("mousedown", fill);
    a.addEventListener("focus", fill);
    a.addEventListener("click", fill);
    return a;
  }

  function switchRow(type, name, value, text, checked) {
    var label = L.DomUtil.create("label", "se-switch");
    var input = L.DomUtil.create("input", "", label);
    input.type = type;
    input.name = name;
    input.value = value;
    input.checked = !!checked;
    var span = L.DomUtil.create("span", "", label);
    span.textContent = text;
    return { label: label, input: input };
  }

  function section(parent, title) {
    var box = L.DomUtil.create("div", "se-section", parent);
    var h = L.DomUtil.create("div", "se-section-title", box);
    h.textContent = title;
    return box;
  }

  function create(map, layers, cfg) {
    cfg = cfg || {};
    var kpis = cfg.kpis || {}, levels = cfg.levels || {};
    var initial = (cfg.choropleth || "").split(":");
    var state = { level: initial[0], kpi: initial[1] || "none" };
    var control = L.control({ position: "topright" });
    var root, titleEl, body, legendEl;

    function choroplethKey() { return state.level + ":" + state.kpi; }
    function title() {
      var levelZh = levels[state.level] || state.level;
      return (state.kpi === "none" ? "行政区划" : (kpis[state.kpi] || state.kpi)) + " · " + levelZh;
    }

    function applyChoropleth() {
      Object.keys(layers.choropleths || {}).forEach(function (key) {
        var group = layers.choropleths[key];
        if (key === choroplethKey()) {
          if (!map.hasLayer(group)) { map.addLayer(group); }
        } else if (map.hasLayer(group)) {
          map.removeLayer(group);
        }
      });
      refresh();
    }

    function refresh() {
      titleEl.textContent = title();
      var parts = [];
      if (state.kpi !== "none" && !(layers.choropleths || {})[choroplethKey()]) {
        parts.push('<div class="se-legend-title">' + esc(title()) + '</div><div class="se-muted">此层级无该指标</div>');
      } else if (state.kpi !== "none" && legends.choropleth) {
        parts.push(legends.choropleth(title()));
      }
      (cfg.overlays || []).forEach(function (o) {
        var group = layerAt(layers, o.key);
        if (group && map.hasLayer(group) && legends[o.key]) { parts.push(legends[o.key](o)); }
      });
      legendEl.innerHTML = parts.length ? parts.join("") : '<div class="se-muted">无图层</div>';
      inputs.forEach(function (item) {
        var group = layerAt(layers, item.key);
        item.input.checked = !!(group && map.hasLayer(group));
      });
    }

    var inputs = [];
    control.onAdd = function () {
      root = L.DomUtil.create("div", "se-panel");
      root.id = "se-panel";
      L.DomEvent.disableClickPropagation(root);
      L.DomEvent.disableScrollPropagation(root);
      var head = L.DomUtil.create("div", "se-panel-head", root);
      titleEl = L.DomUtil.create("span", "se-panel-title", head);
      var toggle = L.DomUtil.create("button", "se-panel-toggle", head);
      toggle.type = "button";
      toggle.textContent = "收起";
      toggle.title = "收起/展开图层面板";
      body = L.DomUtil.create("div", "se-panel-body", root);
      toggle.addEventListener("click", function () {
        var collapsed = L.DomUtil.hasClass(root, "se-collapsed");
        (collapsed ? L.DomUtil.removeClass : L.DomUtil.addClass)(root, "se-collapsed");
        toggle.textContent = collapsed ? "收起" : "展开";
      });

      var kpiBox = section(body, "专题指标");
      Object.keys(kpis).concat(["none"]).forEach(function (k) {
        var row = switchRow("radio", "se-kpi", k, k === "none" ? "无 (仅边界)" : kpis[k], k === state.kpi);
        row.input.addEventListener("change", function () { state.kpi = k; applyChoropleth(); });
        kpiBox.appendChild(row.label);
      });
      var levelBox = section(body, "统计层级");
      Object.keys(levels).forEach(function (lv) {
        var row = switchRow("radio", "se-level", lv, levels[lv], lv === state.level);
        row.input.addEventListener("change", function () { state.level = lv; applyChoropleth(); });
        levelBox.appendChild(row.label);
        if (cfg.unitsDownload) {
          row.label.appendChild(downloadLink(map, cfg.unitsDownload.replace("{level}", lv),
            "区划指标-" + levels[lv]));
        }
      });

      var boxes = {};
      (cfg.overlays || []).forEach(function (o) {
        var group = layerAt(layers, o.key);
        if (!group) { return; }
        if (!boxes[o.section]) { boxes[o.section] = section(body, o.section); }
        var row = switchRow("checkbox", "se-layer", o.key, o.label, map.hasLayer(group));
        row.label.setAttribute("data-layer", o.key);
        row.input.addEventListener("change", function () {
          if (row.input.checked) { map.addLayer(group); } else { map.removeLayer(group); }
          refresh();
        });
        if (o.download) { row.label.appendChild(downloadLink(map, o.download, o.label)); }
        boxes[o.section].appendChild(row.label);
        inputs.push({ key: o.key, input: row.input });
      });

      legendEl = L.DomUtil.create("div", "se-legend", body);
      if (cfg.worklist) {
        var a = L.DomUtil.create("a", "sharpeyes-download", body);
        a.id = "sharpeyes-worklist";
        a.href = cfg.worklist;
        a.setAttribute("download", "");
        a.textContent = "派修清单 (xlsx)";
      }
      return root;
    };
    control.addTo(map);
    var pending = false;
    function later() {
      if (pending) { return; }
      pending = true;
      window.setTimeout(function () { pending = false; refresh(); }, 0);
    }
    (cfg.overlays || []).forEach(function (o) {
      var group = layerAt(layers, o.key);
      if (group) { group.on("add remove", later); }
    });
    applyChoropleth();
    return { refresh: refresh, state: state, element: root };
  }

  window.SharpeyesPanel = {
    create: create,
    /* Register the legend of a layer: fn(overlayConfig) returns its HTML (shown while it is on). */
    legend: function (key, fn) { legends[key] = fn; },
    esc: esc
  };
})();
