/* sharpeyes map: correcting a camera from the page (editors and admins). A click on a camera opens
 * its popup with 编辑; the form changes class, heading, range, networked and status (the code tables'
 * Chinese labels), and a draggable marker, made on demand, moves it. Saving sends only what changed
 * as PATCH /api/cameras/{device_id}; the server validates it like an import and logs who and when.
 * The camera layer only has to call SharpeyesEdit.open(record) — whatever draws the cameras. */
(function () {
  "use strict";

  var role = null, map = null, codes = {}, form = null, handle = null, current = null;
  var EDITORS = { editor: true, admin: true };

  function util() { return window.SharpeyesMap.util; }
  function esc(t) { return util().esc(t); }

  function options(table, value) {
    var keys = Object.keys(table || {});
    return '<option value="">—</option>' + keys.map(function (k) {
      return '<option value="' + esc(k) + '"' + (String(value) === k ? " selected" : "") + ">" +
        esc(table[k]) + "</option>";
    }).join("");
  }

  function field(label, html) {
    return '<label class="se-edit-field"><span>' + label + "</span>" + html + "</label>";
  }

  function close() {
    if (handle) { map.removeLayer(handle); handle = null; }
    if (form) { form.remove(); form = null; }
    current = null;
  }

  function history(deviceId, box) {
    util().getJSON("/api/cameras/" + encodeURIComponent(deviceId) + "/history").then(function (h) {
      if (!h) { return; }
      var rows = (h.items || []).slice(-8).reverse().map(function (c) {
        return '<li class="se-history-item">' + esc((c.changed_at || "").slice(0, 19).replace("T", " ")) + " " +
          esc(c.changed_by || c.source || "") + ": " + esc(c.field || c.action) +
          (c.field ? " " + esc(JSON.stringify(c.before)) + " → " + esc(JSON.stringify(c.after)) : "") + "</li>";
      });
      box.innerHTML = "<b>修改记录</b><ul>" + (rows.join("") || "<li>无</li>") + "</ul>";
    }).catch(function () {});
  }

  function read(el) {
    var out = {};
    ["point_class", "status", "networked", "heading_deg", "range_m", "lon", "lat"].forEach(function (k) {
      var input = el.querySelector('[name="' + k + '"]');
      if (input) { out[k] = input.value; }
    });
    return out;
  }

  function changed(before, after) {
    var body = {};
    Object.keys(after).forEach(function (k) {
      var old = before[k] === null || before[k] === undefined ? "" : String(before[k]);
      if (after[k] === old) { return; }
      if (after[k] === "") { return; }
      if (k === "point_class") { body[k] = Number(after[k]); }
      else if (k === "networked") { body[k] = after[k] === "true"; }
      else if (k === "heading_deg" || k === "range_m" || k === "lon" || k === "lat") {
        body[k] = isNaN(Number(after[k])) ? after[k] : Number(after[k]);
      } else { body[k] = after[k]; }
    });
    return body;
  }

  function open(camera) {
    close();
    current = camera;
    form = L.DomUtil.create("div", "se-edit", map.getContainer());
    form.id = "se-edit";
    L.DomEvent.disableClickPropagation(form);
    L.DomEvent.disableScrollPropagation(form);
    var c = camera;
    form.innerHTML = '<div class="se-edit-head"><b>编辑摄像机</b> ' + esc(c.name || "") +
      '<div class="se-muted">' + esc(c.device_id) + "</div></div>" +
      field("监控点位类型", '<select name="point_class">' + options(codes.point_class, c.point_class) + "</select>") +
      field("设备状态", '<select name="status">' + options(codes.status, c.status) + "</select>") +
      field("联网", '<select name="networked">' + options({ "true": "已联网", "false": "未联网" },
        c.networked === null || c.networked === undefined ? "" : String(c.networked)) + "</select>") +
      field("监视方位角(度)", '<input name="heading_deg" type="text" value="' + esc(c.heading_deg === null ? "" : c.heading_deg) + '">') +
      field("监视距离(米)", '<input name="range_m" type="text" value="' + esc(c.range_m === null ? "" : c.range_m) + '">') +
      field("经度", '<input name="lon" type="text" value="' + esc(c.lon === null ? "" : c.lon) + '">') +
      field("纬度", '<input name="lat" type="text" value="' + esc(c.lat === null ? "" : c.lat) + '">') +
      '<div class="se-muted">拖动地图上的蓝色方块可移动点位</div>' +
      '<div class="se-edit-buttons"><button type="button" class="se-edit-save">保存</button> ' +
      '<button type="button" class="se-edit-cancel">取消</button></div>' +
      '<div class="se-edit-message"></div><div class="se-history"></div>';
    var message = form.querySelector(".se-edit-message");
    if (c.lat !== null && c.lon !== null && c.lat !== undefined) {
      handle = L.marker([c.lat, c.lon], {
        draggable: true, autoPan: true, zIndexOffset: 1000,
        icon: L.divIcon({ className: "se-drag-handle", iconSize: [20, 20] })
      }).addTo(map);
      handle.on("drag dragend", function () {
        var ll = handle.getLatLng();
        form.querySelector('[name="lon"]').value = ll.lng.toFixed(6);
        form.querySelector('[name="lat"]').value = ll.lat.toFixed(6);
      });
    }
    form.querySelector(".se-edit-cancel").addEventListener("click", close);
    form.querySelector(".se-edit-save").addEventListener("click", function () {
      var body = changed(c, read(form));
      if (!Object.keys(body).length) { message.textContent = "没有修改"; return; }
      message.textContent = "保存中…";
      util().send("/api/cameras/" + encodeURIComponent(c.device_id), {
        method: "PATCH", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
      }).then(function (r) {
        return r.json().then(function (d) { return { ok: r.ok, status: r.status, d: d }; });
      }).then(function (res) {
        if (!res.ok) {
          var detail = res.d && res.d.detail;
          message.textContent = "未保存 (" + res.status + "): " + (typeof detail === "string" ? detail :
            (detail || []).map(function (e) { return (e.field || (e.loc || []).join(".")) + ": " + e.msg; }).join("; "));
          L.DomUtil.addClass(message, "se-error");
          return;
        }
        L.DomUtil.removeClass(message, "se-error");
        message.textContent = "已保存: " + Object.keys(body).join(", ");
        current = c = res.d.camera;
        window.sharpeyesLastEdit = res.d;
        util().refreshCameras(map);
        history(c.device_id, form.querySelector(".se-history"));
      });
    });
    history(c.device_id, form.querySelector(".se-history"));
    return form;
  }

  window.SharpeyesEdit = {
    init: function (m, cfg) {
      map = m;
      codes = cfg.codes || {};
      util().getJSON("/api/me").then(function (me) { role = me && me.role; }).catch(function () {});
    },
    canEdit: function () { return !!EDITORS[role]; },
    open: open,
    close: close,
    current: function () { return current; },
    handle: function () { return handle; }
  };
})();
