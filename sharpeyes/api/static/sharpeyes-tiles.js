/* sharpeyes map: the layers drawn from the server's vector tiles (/tiles/*.mvt), decoded by the
 * vendored Leaflet.VectorGrid (the asset of folium's VectorGridProtobuf plugin).
 *
 * - SharpeyesTiles.cameraLayer: ONE camera layer for every class. At low zoom a tile holds cluster
 *   points with their class counts (c1 … c9); each is drawn as a ring chart of its class mix around
 *   a white disc with the count, so the count stays readable whatever the colours. Class filters are
 *   switches (setClasses): clusters are redrawn from the tiles already loaded, no request.
 * - SharpeyesTiles.unitLayer: unit polygons of one level with their KPIs as properties, styled and
 *   labelled by the caller (choropleths, boundaries).
 * Every tile request is counted in window.sharpeyesMapStatus (pending / loaded / failed). */
(function () {
  "use strict";

  var CLASSES = [1, 2, 3, 4, 9];
  var CLASS_COLOURS = { 1: "#d7191c", 2: "#2b83ba", 3: "#1a9641", 4: "#7b3294", 9: "#636363" };
  var CLASS_LABELS = { 1: "一类", 2: "二类", 3: "三类", 4: "公安内部", 9: "其他" };
  var SHARED_VERDICTS = ["offline", "degraded"];  // the verdicts counted in the cluster points
  var VERDICT_LABELS = { offline: "离线", degraded: "画面异常", unknown: "未知", ok: "正常" };

  function esc(text) {
    return String(text === null || text === undefined ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function status() {
    if (!window.sharpeyesMapStatus) { window.sharpeyesMapStatus = { pending: 0, loaded: 0, failed: 0 }; }
    return window.sharpeyesMapStatus;
  }

  /* A VectorGrid.Protobuf whose tile requests are counted and sent with the session cookie. */
  var Counted = L.VectorGrid.Protobuf.extend({
    _getVectorTilePromise: function (coords) {
      var st = status();
      st.pending += 1;
      return L.VectorGrid.Protobuf.prototype._getVectorTilePromise.call(this, coords).then(
        function (tile) { st.pending -= 1; st.loaded += 1; return tile; },
        function (err) { st.pending -= 1; st.failed += 1; throw err; });
    }
  });

  /* Tile data shared by the layers that draw the same URL (the camera layer and the offline /
     degraded layers): one request per tile, kept a few seconds after it settled. */
  var shared = {};
  var SharedCounted = Counted.extend({
    _getVectorTilePromise: function (coords) {
      var key = this._url + "|" + coords.z + "/" + coords.x + "/" + coords.y;
      if (shared[key]) { return shared[key]; }
      var promise = Counted.prototype._getVectorTilePromise.call(this, coords);
      shared[key] = promise;
      var forget = function () { setTimeout(function () { delete shared[key]; }, 5000); };
      promise.then(forget, forget);
      return promise;
    }
  });

  function tileOptions(extra) {
    return L.extend({ fetchOptions: { credentials: "same-origin" }, maxNativeZoom: 19, maxZoom: 19 }, extra);
  }

  /* SVG ring chart: one arc per class with cameras, a white disc, the count in the middle. */
  function ringIcon(parts, total, size) {
    var r = size / 2, inner = r * 0.62, c = 2 * Math.PI * ((r + inner) / 2), offset = 0;
    var arcs = parts.map(function (p) {
      var len = c * p.n / total;
      var arc = '<circle r="' + ((r + inner) / 2) + '" cx="' + r + '" cy="' + r + '" fill="none" stroke="' +
        p.colour + '" stroke-width="' + (r - inner) + '" stroke-dasharray="' + len + " " + (c - len) +
        '" stroke-dashoffset="' + (-offset) + '" transform="rotate(-90 ' + r + " " + r + ')"/>';
      offset += len;
      return arc;
    }).join("");
    var text = total >= 10000 ? Math.round(total / 1000) + "k" : String(total);
    var font = text.length > 4 ? 9 : 11;
    var html = '<svg width="' + size + '" height="' + size + '" viewBox="0 0 ' + size + " " + size + '">' +
      arcs + '<circle r="' + inner + '" cx="' + r + '" cy="' + r + '" fill="#ffffff"/>' +
      '<text x="' + r + '" y="' + r + '" dy="0.35em" text-anchor="middle" font-size="' + font +
      '" font-weight="bold" fill="#222222">' + text + "</text></svg>";
    return L.divIcon({ className: "se-ring", html: html, iconSize: [size, size] });
  }

  function ringSize(total) {
    return Math.round(Math.min(58, 26 + 5 * Math.log10(Math.max(total, 1)) * 1.6));
  }

  function cameraPopup(marker, deviceId) {
    marker.bindPopup("…");
    marker.on("click", function () {
      var send = window.sharpeyesFetch || fetch;
      send("/api/cameras/" + encodeURIComponent(deviceId), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (d) {
          if (!d) { return; }
          var c = d.camera;
          var html = "<b>" + esc(c.name || c.device_id) + "</b><br>" + esc(c.device_id) +
            "<br>" + esc(CLASS_LABELS[c.point_class] || "") + " · " + esc(c.address || "") +
            "<br>状态: " + esc(VERDICT_LABELS[c.verdict] || "未巡检");
          if (d.snapshot_url) { html += '<br><img class="se-snapshot" src="' + esc(d.snapshot_url) + '">'; }
          var edit = window.SharpeyesEdit;  // the edit form (sharpeyes-edit.js), editors only
          if (edit && edit.canEdit()) { html += '<br><button type="button" class="se-edit-open">编辑</button>'; }
          marker.setPopupContent(html);
          var el = marker.getPopup() && marker.getPopup().getElement();
          var button = el && el.querySelector(".se-edit-open");
          if (button) {
            button.addEventListener("click", function () { marker.closePopup(); edit.open(c); });
          }
        }).catch(function () {});
    });
  }

  /* The camera tiles of `url`, their markers kept in `group` (a Leaflet layer group on the map).
     options: colour (one colour for every camera, e.g. a verdict layer; default: by class). */
  var CameraTiles = SharedCounted.extend({
    initialize: function (url, group, options) {
      SharedCounted.prototype.initialize.call(this, url, tileOptions(options || {}));
      this._group = group;
      this._tiles_ = {};
      this._classes = {};
      var self = this;
      CLASSES.forEach(function (k) { self._classes[k] = true; });
      this.on("tileunload", function (e) { this._drop(this._tileCoordsToKey(e.coords)); }, this);
    },

    createTile: function (coords, done) {
      var tile = L.DomUtil.create("div", "se-camera-tile");
      var key = this._tileCoordsToKey(coords), self = this;
      this._getVectorTilePromise(coords).then(function (vt) {
        var current = self._tiles[key];
        if (!current || current.el !== tile) { done(null, tile); return; }  // unloaded meanwhile
        var layer = vt.layers.cameras;
        self._drop(key);
        self._tiles_[key] = { coords: coords, features: layer ? layer.features : [], extent: layer ? layer.extent : 4096, markers: [] };
        self._draw(key);
        done(null, tile);
      }, function (err) { done(err, tile); });
      return tile;
    },

    /* Show only the classes in `classes` (an array of class codes). */
    setClasses: function (classes) {
      var self = this;
      CLASSES.forEach(function (k) { self._classes[k] = classes.indexOf(k) >= 0; });
      Object.keys(this._tiles_).forEach(function (key) { self._clear(key); self._draw(key); });
    },

    /* Cameras drawn now: the counts of the clusters plus the single cameras. */
    shownCameras: function () {
      var self = this;
      return Object.keys(this._tiles_).reduce(function (n, k) {
        return n + self._tiles_[k].markers.reduce(function (m, marker) { return m + (marker.cameras || 1); }, 0);
      }, 0);
    },

    markerCount: function () {
      var self = this;
      return Object.keys(this._tiles_).reduce(function (n, k) { return n + self._tiles_[k].markers.length; }, 0);
    },

    _latlng: function (coords, point, extent) {
      var size = this.getTileSize();
      var px = L.point(coords.x * size.x + point.x * size.x / extent, coords.y * size.y + point.y * size.y / extent);
      return this._map.unproject(px, coords.z);
    },

    _draw: function (key) {
      var t = this._tiles_[key];
      if (!t || !this._map) { return; }
      for (var i = 0; i < t.features.length; i++) {
        var f = t.features[i], p = f.properties;
        var ll = this._latlng(t.coords, f.geometry[0][0], t.extent);
        var verdict = this.options.verdict;  // drawn from the shared camera tile: its cameras only
        if (verdict && p.count !== undefined) {
          if (!p[verdict]) { continue; }
          p = { count: p[verdict] };
        } else if (verdict && p.verdict !== verdict) { continue; }
        var marker = p.count !== undefined ? this._cluster(ll, p) : this._camera(ll, p);
        if (marker) { t.markers.push(marker); this._group.addLayer(marker); }
      }
    },

    _cluster: function (ll, p) {
      var self = this, colour = this.options.colour;
      var parts = CLASSES.filter(function (k) { return colour || self._classes[k]; }).map(function (k) {
        return { k: k, n: p["c" + k] || 0, colour: colour || CLASS_COLOURS[k] };
      }).filter(function (part) { return part.n > 0; });
      var total = colour ? p.count : parts.reduce(function (n, part) { return n + part.n; }, 0);
      if (colour) { parts = [{ n: total, colour: colour }]; }
      if (!total) { return null; }
      var map = this._map;
      var tip = parts.map(function (part) {
        return part.k ? (CLASS_LABELS[part.k] + " " + part.n) : "";
      }).filter(Boolean).join(" · ");
      var marker = L.marker(ll, { icon: ringIcon(parts, total, ringSize(total)), keyboard: false })
        .bindTooltip(total + " 台" + (tip ? " · " + tip : ""))
        .on("click", function () { map.setView(ll, Math.min(map.getZoom() + 2, 19)); });
      marker.cameras = total;
      return marker;
    },

    _camera: function (ll, p) {
      if (!this.options.colour && p.point_class && this._classes[p.point_class] === false) { return null; }
      var fill = this.options.colour || CLASS_COLOURS[p.point_class] || "#636363";
      var m = L.circleMarker(ll, { radius: 5, weight: 1, color: "#ffffff", fillColor: fill, fillOpacity: 0.9 });
      m.bindTooltip(esc(p.name || p.device_id));
      cameraPopup(m, p.device_id);
      return m;
    },

    _clear: function (key) {
      var t = this._tiles_[key], group = this._group;
      if (!t) { return; }
      t.markers.forEach(function (m) { group.removeLayer(m); });
      t.markers = [];
    },

    _drop: function (key) {
      this._clear(key);
      delete this._tiles_[key];
    }
  });

  /* Unit polygons of `level` drawn from /tiles/units/…, styled by style(properties) and, when
     tooltip(properties) is given, labelled on hover. */
  function unitLayer(level, style, tooltip) {
    var layer = new Counted("/tiles/units/" + encodeURIComponent(level) + "/{z}/{x}/{y}.mvt", tileOptions({
      vectorTileLayerStyles: { units: function (p) { return style(p); } },
      rendererFactory: L.canvas.tile,  // thousands of village polygons: canvas, not SVG
      interactive: !!tooltip
    }));
    if (tooltip) {
      var tip = L.tooltip({ sticky: true });
      layer.on("mouseover mousemove", function (e) {
        if (!e.layer || !e.layer.properties || !layer._map) { return; }
        tip.setContent(tooltip(e.layer.properties)).setLatLng(e.latlng);
        if (!layer._map.hasLayer(tip)) { tip.addTo(layer._map); }
      });
      layer.on("mouseout", function () { if (layer._map) { layer._map.removeLayer(tip); } });
    }
    return layer;
  }

  /* One camera layer in `group`; `filters` maps class codes to (empty) layer groups used as switches:
     a class is shown while its switch is on the map. */
  function cameraLayer(map, group, filters, query) {
    var url = "/tiles/cameras/{z}/{x}/{y}.mvt" + (query ? "?" + query : "");
    var tiles = new CameraTiles(url, group, {});
    group.addLayer(tiles);
    function apply() {
      var on = CLASSES.filter(function (k) { return !filters[k] || map.hasLayer(filters[k]); });
      tiles.setClasses(on);
    }
    Object.keys(filters || {}).forEach(function (k) {
      filters[k].on("add remove", apply);
    });
    apply();
    return tiles;
  }

  /* Cameras with one verdict (offline, degraded …) in one colour, in `group`. */
  function verdictLayer(map, group, verdict, colour) {
    // offline and degraded are counted in every cluster of the camera tiles: drawn from the same
    // tiles as the camera layer (no request of their own); other verdicts from tiles of their own
    var tiles = SHARED_VERDICTS.indexOf(verdict) >= 0
      ? new CameraTiles("/tiles/cameras/{z}/{x}/{y}.mvt", group, { colour: colour, verdict: verdict })
      : new CameraTiles("/tiles/cameras/{z}/{x}/{y}.mvt?verdict=" + encodeURIComponent(verdict), group,
        { colour: colour });
    group.addLayer(tiles);
    return tiles;
  }

  window.SharpeyesTiles = {
    CLASS_COLOURS: CLASS_COLOURS,
    CLASS_LABELS: CLASS_LABELS,
    cameraLayer: cameraLayer,
    verdictLayer: verdictLayer,
    unitLayer: unitLayer
  };
})();
