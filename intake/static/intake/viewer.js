/* The image viewer (intake/templates/intake/viewer/viewer.html; docs/viewer.md).
 *
 * The server sends each slice once, as its stored values (16-bit as a rule) with the rescale to
 * apply; this script windows them into the canvas, so dragging the window, scrolling and cine never
 * wait for the network. Frames are kept in the tab up to a memory budget (a 1,000-slice CT does not
 * fit whole): the shown slice loads first, then its neighbours outwards, and the farthest go first
 * when the budget is full. The reference line repeats intake/imaging/geometry.py's reference_line
 * (tests/e2e/test_viewer.py compares them). No eval, no inline code: the strict CSP holds.
 */
(function () {
  "use strict";

  var BUDGET_BYTES = 384 * 1024 * 1024;
  var PARALLEL_LOADS = 2;  // requests in flight, each of BATCH slices
  var CINE_FPS = 12;
  var PRESETS = { soft: [40, 400], bone: [480, 2500] };

  // --- Geometry (as intake/imaging/geometry.py) -------------------------------------------------

  function dot(a, b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
  function cross(a, b) {
    return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
  }
  function unit(a) { var l = Math.sqrt(dot(a, a)); return [a[0] / l, a[1] / l, a[2] / l]; }

  function plane(slice) {
    if (!slice || !slice.position || !slice.orientation) return null;
    var o = slice.orientation;
    var row = unit([o[0], o[1], o[2]]);
    var column = unit([o[3], o[4], o[5]]);
    return {
      position: slice.position, row: row, column: column,
      spacing: slice.spacing || [1, 1], normal: unit(cross(row, column))
    };
  }

  function toPatient(p, x, y) {
    var u = (x - 0.5) * p.spacing[1];
    var v = (y - 0.5) * p.spacing[0];
    return [0, 1, 2].map(function (k) { return p.position[k] + u * p.row[k] + v * p.column[k]; });
  }

  function clipLine(ax, by, c0, width, height) {
    var points = [];
    var x, y;
    if (Math.abs(by) > 1e-12) {
      [0, width].forEach(function (x0) {
        y = -(c0 + ax * x0) / by;
        if (y >= -1e-9 && y <= height + 1e-9) points.push([x0, Math.min(Math.max(y, 0), height)]);
      });
    }
    if (Math.abs(ax) > 1e-12) {
      [0, height].forEach(function (y0) {
        x = -(c0 + by * y0) / ax;
        if (x >= -1e-9 && x <= width + 1e-9) points.push([Math.min(Math.max(x, 0), width), y0]);
      });
    }
    var unique = [];
    points.forEach(function (p) {
      if (unique.every(function (q) { return Math.hypot(p[0] - q[0], p[1] - q[1]) > 1e-6; })) {
        unique.push(p);
      }
    });
    if (unique.length < 2) return null;
    var pair = unique.slice(0, 2).sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
    return pair;
  }

  // Where the plane of `source` cuts the image `target` (size [columns, rows]), in image pixels.
  function referenceLine(target, size, source) {
    var n = source.normal;
    var a = dot(n, target.row);
    var b = dot(n, target.column);
    var c = dot(n, [0, 1, 2].map(function (k) { return target.position[k] - source.position[k]; }));
    if (Math.hypot(a, b) < 1e-3) return null;
    var ax = a * target.spacing[1];
    var by = b * target.spacing[0];
    return clipLine(ax, by, c - 0.5 * ax - 0.5 * by, size[0], size[1]);
  }

  function distanceToPlane(point, p) {
    return dot(p.normal, [0, 1, 2].map(function (k) { return point[k] - p.position[k]; }));
  }

  // --- Windowing (as intake/imaging/slices.py window_frame) -------------------------------------

  function grey(value, center, width) {
    var scaled = ((value - (center - 0.5)) / Math.max(width - 1, 1e-6) + 0.5) * 255;
    return Math.min(255, Math.max(0, Math.floor(scaled + 0.5)));
  }

  // A lookup table from stored value to grey, for integer frames (one pass of at most 65,536).
  function lookup(frame, center, width, invert) {
    var span = frame.format === "u1" ? 256 : 65536;
    var offset = frame.format === "i2" ? 32768 : 0;
    var table = new Uint8Array(span);
    for (var i = 0; i < span; i++) {
      var g = grey((i - offset) * frame.slope + frame.intercept, center, width);
      table[i] = invert ? 255 - g : g;
    }
    return table;
  }

  // The frame as 8-bit grey (or RGB) pixels: what tests compare with pydicom's array.
  function windowed(frame, center, width, invert) {
    var n = frame.columns * frame.rows;
    var out = new Uint8ClampedArray(n * 4);
    var out32 = new Uint32Array(out.buffer);
    var px = frame.pixels;
    var i, g;
    if (frame.format === "rgb") {
      for (i = 0; i < n; i++) {
        var r = px[3 * i], gg = px[3 * i + 1], b = px[3 * i + 2];
        if (invert) { r = 255 - r; gg = 255 - gg; b = 255 - b; }
        out32[i] = 0xff000000 | (b << 16) | (gg << 8) | r;
      }
    } else if (frame.format === "f4") {
      for (i = 0; i < n; i++) {
        g = grey(px[i] * frame.slope + frame.intercept, center, width);
        if (invert) g = 255 - g;
        out32[i] = 0xff000000 | (g << 16) | (g << 8) | g;
      }
    } else {
      var table = lookup(frame, center, width, invert);
      var offset = frame.format === "i2" ? 32768 : 0;
      for (i = 0; i < n; i++) {
        g = table[px[i] + offset];
        out32[i] = 0xff000000 | (g << 16) | (g << 8) | g;
      }
    }
    return out;
  }

  // A window covering the middle 99 % of a frame's values (for slices with no window of their own).
  function autoWindow(frame) {
    var px = frame.pixels;
    var step = Math.max(1, Math.floor(px.length / 65536));
    var values = [];
    for (var i = 0; i < px.length; i += step) values.push(px[i] * frame.slope + frame.intercept);
    values.sort(function (a, b) { return a - b; });
    var low = values[Math.floor(values.length * 0.005)];
    var high = values[Math.min(values.length - 1, Math.floor(values.length * 0.995))];
    if (!(high > low)) { low = values[0]; high = values[values.length - 1] + 1; }
    return [(low + high) / 2, Math.max(1, high - low)];
  }

  // --- Frames: loaded once, kept within the budget ---------------------------------------------

  var BATCH = 8;  // slices per request (the server allows 16)
  var frames = new Map();  // key -> frame, or a promise while loading
  var keptBytes = 0;
  var framesUrl = "";

  function keyOf(item) { return item.id !== undefined ? "s" + item.id : item.url; }

  function keep(key, frame) {
    frames.set(key, frame);
    keptBytes += frame.bytes;
    return frame;
  }

  // The server's answer: per slice a 4-byte length, a JSON header, the values (viewer.py frames).
  function parseParts(buffer) {
    var view = new DataView(buffer);
    var decoder = new TextDecoder();
    var parts = [];
    var offset = 0;
    while (offset + 4 <= buffer.byteLength) {
      var length = view.getUint32(offset, true);
      var header = JSON.parse(decoder.decode(new Uint8Array(buffer, offset + 4, length)));
      offset += 4 + length;
      var data = buffer.slice(offset, offset + header.bytes);  // a copy, aligned for its type
      offset += header.bytes;
      parts.push(header.error ? { id: header.id, frame: { kind: "failed", bytes: 0 } }
                              : { id: header.id, frame: pixelFrame(header, data) });
    }
    return parts;
  }

  function pixelFrame(header, data) {
    var Type = { u1: Uint8Array, u2: Uint16Array, i2: Int16Array, f4: Float32Array, rgb: Uint8Array }[header.format];
    return {
      kind: "pixels", format: header.format, columns: header.size[0], rows: header.size[1],
      slope: header.rescale[0], intercept: header.rescale[1],
      monochrome1: header.photometric === "MONOCHROME1",
      pixels: new Type(data), bytes: data.byteLength
    };
  }

  // Ask for the slices not yet loaded or on their way, in one request; resolves when they are kept.
  function loadSlices(items) {
    var wanted = items.filter(function (item) { return !frames.has(keyOf(item)); });
    if (!wanted.length) return Promise.resolve();
    var query = wanted.map(function (item) { return "id=" + item.id; }).join("&");
    var batch = fetch(framesUrl + "?" + query, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error("unreadable");
        return response.arrayBuffer();
      })
      .then(function (buffer) {
        parseParts(buffer).forEach(function (part) { keep("s" + part.id, part.frame); });
      })
      .catch(function () {
        wanted.forEach(function (item) {
          if (frames.get(keyOf(item)) instanceof Promise) keep(keyOf(item), { kind: "failed", bytes: 0 });
        });
      });
    wanted.forEach(function (item) {
      var key = keyOf(item);
      frames.set(key, batch.then(function () { return frames.get(key); }));
    });
    return batch;
  }

  // A photo or a report's page: a PNG, decoded by the browser.
  function loadImage(item) {
    var key = keyOf(item);
    if (frames.has(key)) return Promise.resolve(frames.get(key));
    var promise = fetch(item.url, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error("unreadable");
        return response.blob();
      })
      .then(createImageBitmap)
      .then(function (bitmap) {
        return keep(key, { kind: "bitmap", bitmap: bitmap, columns: bitmap.width, rows: bitmap.height,
                           bytes: bitmap.width * bitmap.height * 4 });
      }, function () { return keep(key, { kind: "failed", bytes: 0 }); });
    frames.set(key, promise);
    return promise;
  }

  function loadItems(stack, items) {
    if (stack.images) return Promise.all(items.map(loadImage));
    return loadSlices(items);
  }

  // Every slice of the left pane's stack, nearest first, then the right pane's: a few requests at a
  // time, within the memory budget. Starts again whenever a pane shows another stack.
  var generation = 0;

  function prefetch() {
    var mine = ++generation;
    var queue = [];
    panes.forEach(function (pane) {
      if (!pane.stack) return;
      var stack = pane.stack;
      var order = stack.items.map(function (_, i) { return i; });
      order.sort(function (a, b) { return Math.abs(a - pane.index) - Math.abs(b - pane.index); });
      var fits = Math.max(8, Math.floor(BUDGET_BYTES / 2 / Math.max(1, stack.bytesPerItem)));
      order = order.slice(0, fits);
      var size = stack.images ? 1 : BATCH;
      for (var k = 0; k < order.length; k += size) {
        queue.push({ pane: pane, stack: stack, items: order.slice(k, k + size).map(function (i) { return stack.items[i]; }) });
      }
    });
    function next() {
      if (mine !== generation || !queue.length) return null;
      var job = queue.shift();
      return loadItems(job.stack, job.items).then(function () {
        trim();
        checkPanesReady();
        return next();
      });
    }
    for (var k = 0; k < PARALLEL_LOADS; k++) next();
  }

  // After any load: a pane is ready once every slice of its stack is kept, whichever request
  // brought the last one (the slice a pane opens on is asked for alone, and may come last).
  function checkPanesReady() {
    panes.forEach(function (pane) { if (pane.stack) pane.checkReady(); });
  }

  // Drop the frames farthest from what either pane shows until the budget holds.
  function trim() {
    if (keptBytes <= BUDGET_BYTES) return;
    var distance = new Map();
    panes.forEach(function (pane) {
      if (!pane.stack) return;
      pane.stack.items.forEach(function (item, i) {
        var d = Math.abs(i - pane.index);
        var key = keyOf(item);
        if (!distance.has(key) || distance.get(key) > d) distance.set(key, d);
      });
    });
    var loaded = [];
    frames.forEach(function (frame, key) {
      if (!(frame instanceof Promise) && frame.bytes) loaded.push(key);
    });
    loaded.sort(function (a, b) {
      var da = distance.has(a) ? distance.get(a) : Infinity;
      var db = distance.has(b) ? distance.get(b) : Infinity;
      return db - da;
    });
    while (keptBytes > BUDGET_BYTES && loaded.length) {
      var key = loaded.shift();
      keptBytes -= frames.get(key).bytes;
      frames.delete(key);
    }
  }

  // --- Panes -----------------------------------------------------------------------------------

  var panes = [];
  var active = 0;
  var tool = "window";

  function Pane(element, number) {
    this.number = number;
    this.element = element;
    this.stage = element.querySelector(".viewer-stage");
    this.canvas = element.querySelector("canvas");
    this.context = this.canvas.getContext("2d");
    this.slider = element.querySelector("input[type=range]");
    this.status = element.querySelector(".viewer-status");
    this.overlays = {};
    ["tl", "tr", "bl", "br"].forEach(function (c) {
      this.overlays[c] = element.querySelector(".viewer-overlay-" + c);
    }, this);
    this.markers = {};
    ["left", "right", "top", "bottom"].forEach(function (c) {
      this.markers[c] = element.querySelector(".viewer-marker-" + c);
    }, this);
    this.stack = null;
    this.index = 0;
    this.scratch = document.createElement("canvas");
    this.resetView();
  }

  Pane.prototype.resetView = function () {
    this.zoom = 1;
    this.pan = [0, 0];
    this.window = null;  // [center, width] once chosen; null: the slice's own
    this.invert = false;
    this.measure = { points: [], cursor: null, index: -1 };
    this.locating = null;  // the keyboard's locate cross [x, y] (image pixels), or null
    this.notice = "";  // said once in the pane's status after a keyboard action (polite)
    if (this.stage) delete this.stage.dataset.locate;
  };

  Pane.prototype.show = function (stack) {
    this.stopCine();
    this.stack = stack;
    delete this.stage.dataset.ready;
    this.index = Math.floor((stack.items.length - 1) / 2);
    this.resetView();
    this.slider.max = String(stack.items.length);
    this.slider.disabled = stack.items.length < 2;
    this.stage.setAttribute("aria-label", (this.number ? "Right" : "Left") + " image: " + stack.label);
    var title = this.element.querySelector(".viewer-pane-title");
    title.textContent = (this.number ? "Right pane: " : "Left pane: ") + stack.label;
    this.go(this.index);
    prefetch();
  };

  Pane.prototype.current = function () {
    return this.stack ? this.stack.items[this.index] : null;
  };

  Pane.prototype.go = function (index) {
    if (!this.stack) return;
    var last = this.stack.items.length - 1;
    this.index = Math.max(0, Math.min(last, index));
    this.slider.value = String(this.index + 1);
    var pane = this;
    var item = this.current();
    var kept = frames.get(keyOf(item));
    if (kept && !(kept instanceof Promise)) {
      this.draw();
    } else {
      var stack = this.stack;
      (kept || loadItems(stack, [item])).then(function () {
        if (pane.current() === item) pane.draw();
        redrawOthers(pane);
        checkPanesReady();
      });
      this.draw();
    }
    redrawOthers(this);
  };

  Pane.prototype.checkReady = function () {
    var stack = this.stack;
    var loaded = stack.items.filter(function (item) {
      var f = frames.get(keyOf(item));
      return f && !(f instanceof Promise);
    }).length;
    if (loaded >= stack.items.length && this.stage.dataset.ready !== "all") {
      this.stage.dataset.ready = "all";
      performance.mark("viewer-pane-" + this.number + "-ready");
    }
  };

  Pane.prototype.frame = function () {
    var item = this.current();
    var frame = item && frames.get(keyOf(item));
    return frame && !(frame instanceof Promise) ? frame : null;
  };

  Pane.prototype.currentWindow = function (frame) {
    if (this.window) return this.window;
    var w = this.current().window;
    if (w && w[1] > 0) return w;
    if (!frame.auto) frame.auto = autoWindow(frame);
    return frame.auto;
  };

  // Image → screen: the scale (screen pixels per image column) and the top-left corner.
  Pane.prototype.layout = function (frame) {
    var width = this.canvas.width, height = this.canvas.height;
    var aspect = this.aspect();
    var fit = Math.min(width / frame.columns, height / (frame.rows * aspect));
    var scale = fit * this.zoom;
    return {
      scale: scale, aspect: aspect,
      left: (width - frame.columns * scale) / 2 + this.pan[0],
      top: (height - frame.rows * scale * aspect) / 2 + this.pan[1]
    };
  };

  Pane.prototype.aspect = function () {
    var s = this.current() && this.current().spacing;
    return s && s[0] > 0 && s[1] > 0 ? s[0] / s[1] : 1;
  };

  Pane.prototype.toImage = function (clientX, clientY) {
    var frame = this.frame();
    if (!frame) return null;
    var box = this.canvas.getBoundingClientRect();
    var ratio = this.canvas.width / box.width;
    var l = this.layout(frame);
    return [((clientX - box.left) * ratio - l.left) / l.scale,
            ((clientY - box.top) * ratio - l.top) / (l.scale * l.aspect)];
  };

  Pane.prototype.resize = function () {
    var box = this.stage.getBoundingClientRect();
    var ratio = window.devicePixelRatio || 1;
    var w = Math.max(1, Math.round(box.width * ratio)), h = Math.max(1, Math.round(box.height * ratio));
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
  };

  Pane.prototype.draw = function () {
    this.resize();
    var ctx = this.context;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    var frame = this.frame();
    var item = this.current();
    if (!item) return this.describe(null);
    if (!frame || frame.kind === "failed") {
      this.describe(frame && frame.kind === "failed" ? "This slice could not be read." : "Loading…");
      return;
    }
    var l = this.layout(frame);
    ctx.imageSmoothingEnabled = l.scale < 4;
    if (frame.kind === "bitmap") {
      ctx.drawImage(frame.bitmap, l.left, l.top, frame.columns * l.scale, frame.rows * l.scale * l.aspect);
    } else {
      var w = this.currentWindow(frame);
      var invert = this.invert !== frame.monochrome1;
      var key = [keyOf(item), w[0], w[1], invert].join(" ");
      if (this.scratchKey !== key) {
        this.scratch.width = frame.columns;
        this.scratch.height = frame.rows;
        var data = new ImageData(windowed(frame, w[0], w[1], invert), frame.columns, frame.rows);
        this.scratch.getContext("2d").putImageData(data, 0, 0);
        this.scratchKey = key;
      }
      ctx.drawImage(this.scratch, l.left, l.top, frame.columns * l.scale, frame.rows * l.scale * l.aspect);
    }
    this.drawReference(l);
    this.drawMeasure(l);
    this.drawLocate(l);
    this.describe(null);
    // For the benchmark (bench/viewer.py): when the first image reached the screen.
    if (!performance.getEntriesByName("viewer-first-image").length) performance.mark("viewer-first-image");
  };

  Pane.prototype.drawReference = function (l) {
    var other = panes[1 - this.number];
    var mine = plane(this.current());
    var theirs = other && other.stack && !other.stack.images ? plane(other.current()) : null;
    var line = mine && theirs ? referenceLine(mine, this.current().size, theirs) : null;
    this.referenceLine = line;
    this.stage.dataset.referenceLine = line
      ? line.map(function (p) { return p[0].toFixed(2) + " " + p[1].toFixed(2); }).join(" ") : "";
    if (!line) return;
    var ctx = this.context;
    ctx.strokeStyle = "#ffd60a";
    ctx.lineWidth = Math.max(1, (window.devicePixelRatio || 1) * 1.5);
    ctx.beginPath();
    ctx.moveTo(l.left + line[0][0] * l.scale, l.top + line[0][1] * l.scale * l.aspect);
    ctx.lineTo(l.left + line[1][0] * l.scale, l.top + line[1][1] * l.scale * l.aspect);
    ctx.stroke();
  };

  Pane.prototype.drawMeasure = function (l) {
    var m = this.measure;
    var ctx = this.context;
    var ratio = window.devicePixelRatio || 1;
    function at(p) { return [l.left + p[0] * l.scale, l.top + p[1] * l.scale * l.aspect]; }
    ctx.strokeStyle = "#4cc9f0";
    ctx.fillStyle = "#4cc9f0";
    ctx.lineWidth = 1.5 * ratio;
    if (m.index === this.index && m.points.length) {
      var a = at(m.points[0]);
      ctx.beginPath();
      ctx.arc(a[0], a[1], 3 * ratio, 0, 2 * Math.PI);
      ctx.fill();
      if (m.points.length === 2) {
        var b = at(m.points[1]);
        ctx.beginPath();
        ctx.moveTo(a[0], a[1]);
        ctx.lineTo(b[0], b[1]);
        ctx.stroke();
        ctx.beginPath();
        ctx.arc(b[0], b[1], 3 * ratio, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
    if (tool === "measure" && m.cursor && this.number === active) {
      var c = at(m.cursor);
      ctx.beginPath();
      ctx.moveTo(c[0] - 8 * ratio, c[1]); ctx.lineTo(c[0] + 8 * ratio, c[1]);
      ctx.moveTo(c[0], c[1] - 8 * ratio); ctx.lineTo(c[0], c[1] + 8 * ratio);
      ctx.stroke();
    }
  };

  // The locate cross: the keyboard's way to point at a place, as a click does.
  Pane.prototype.drawLocate = function (l) {
    if (!this.locating) return;
    var ctx = this.context;
    var ratio = window.devicePixelRatio || 1;
    var c = [l.left + this.locating[0] * l.scale, l.top + this.locating[1] * l.scale * l.aspect];
    ctx.strokeStyle = "#ffd60a";
    ctx.lineWidth = 2 * ratio;
    ctx.beginPath();
    ctx.moveTo(c[0] - 12 * ratio, c[1]); ctx.lineTo(c[0] - 4 * ratio, c[1]);
    ctx.moveTo(c[0] + 4 * ratio, c[1]); ctx.lineTo(c[0] + 12 * ratio, c[1]);
    ctx.moveTo(c[0], c[1] - 12 * ratio); ctx.lineTo(c[0], c[1] - 4 * ratio);
    ctx.moveTo(c[0], c[1] + 4 * ratio); ctx.lineTo(c[0], c[1] + 12 * ratio);
    ctx.stroke();
    this.stage.dataset.locate = this.locating[0].toFixed(1) + " " + this.locating[1].toFixed(1);
  };

  Pane.prototype.distance = function () {
    var m = this.measure;
    var spacing = this.current() && this.current().spacing;
    if (m.points.length !== 2 || !spacing) return null;
    var dx = (m.points[1][0] - m.points[0][0]) * spacing[1];
    var dy = (m.points[1][1] - m.points[0][1]) * spacing[0];
    return Math.hypot(dx, dy);
  };

  Pane.prototype.describe = function (problem) {
    var stack = this.stack, item = this.current();
    if (!stack) return;
    var frame = this.frame();
    var o = this.overlays;
    var count = stack.items.length;
    var where = stack.images ? "Page " : "Slice ";
    o.tl.textContent = [stack.description, stack.studyDate || ""].filter(Boolean).join("\n");
    var lines = [where + (this.index + 1) + " / " + count];
    if (item.location) lines.push("Position " + item.location);
    if (item.thickness) lines.push("Thickness " + item.thickness.toFixed(1) + " mm");
    o.tr.textContent = lines.join("\n");
    var info = [];
    if (frame && frame.kind === "pixels" && frame.format !== "rgb") {  // colour has no window
      var w = this.currentWindow(frame);
      info.push("L " + round(w[0]) + "  W " + round(w[1]) + (this.invert ? "  inverted" : ""));
    }
    info.push("Zoom " + Math.round(this.zoom * 100) + " %");
    o.bl.textContent = info.join("\n");
    var d = this.distance();
    var measureText = "";
    if (tool === "measure" && !stack.images && !item.spacing) {
      measureText = "No pixel spacing in these images: no measurement.";
    } else if (stack.images && tool === "measure") {
      measureText = "Photos and reports have no scale: no measurement.";
    } else if (d !== null && this.measure.index === this.index) {
      measureText = "Distance " + d.toFixed(1) + " mm";
    }
    o.br.textContent = measureText;
    var markers = stack.markers || {};
    ["left", "right", "top", "bottom"].forEach(function (side) {
      this.markers[side].textContent = markers[side] || "";
    }, this);
    var status = problem || (where + (this.index + 1) + " of " + count + ", " + stack.label +
      (measureText ? ". " + measureText : "") + (this.notice ? ". " + this.notice : ""));
    if (this.status.textContent !== status) this.status.textContent = status;
    this.stage.dataset.slice = String(this.index + 1);
  };

  function round(v) { return Math.abs(v) >= 100 ? Math.round(v) : Math.round(v * 10) / 10; }

  Pane.prototype.setWindow = function (center, width) {
    this.window = [center, Math.max(1, width)];
    this.draw();
    syncToolbar();
  };

  Pane.prototype.startCine = function () {
    if (!this.stack || this.stack.items.length < 2) return;
    var pane = this;
    this.cine = setInterval(function () {
      pane.go((pane.index + 1) % pane.stack.items.length);
    }, 1000 / CINE_FPS);
    syncToolbar();
  };

  Pane.prototype.stopCine = function () {
    if (this.cine) clearInterval(this.cine);
    this.cine = null;
    syncToolbar();
  };

  // The other pane's slice nearest to a point of this one: "click the line, go to that slice".
  // Returns the slice's index, or -1 when the other pane has no slice crossing this image.
  Pane.prototype.locate = function (point) {
    var other = panes[1 - this.number];
    var mine = plane(this.current());
    if (!mine || !other.stack || other.stack.images) return -1;
    var target = toPatient(mine, point[0], point[1]);
    var best = -1, bestDistance = Infinity;
    other.stack.items.forEach(function (item, i) {
      var p = plane(item);
      if (!p) return;
      var d = Math.abs(distanceToPlane(target, p));
      if (d < bestDistance) { bestDistance = d; best = i; }
    });
    var theirs = plane(other.current());
    if (best < 0 || !theirs || Math.abs(dot(theirs.normal, mine.normal)) >= 0.999) return -1;
    other.go(best);
    return best;
  };

  // The keyboard's "click": L shows a cross (on the reference line if there is one), Shift+arrows
  // move it, Enter moves the other pane to its slice through the cross, and the pane's status (a
  // polite live region) says where the other pane went.
  Pane.prototype.startLocate = function () {
    var frame = this.frame();
    if (!frame || this.stack.images) return;
    var line = this.referenceLine;
    this.locating = line
      ? [(line[0][0] + line[1][0]) / 2, (line[0][1] + line[1][1]) / 2]
      : [frame.columns / 2, frame.rows / 2];
    this.notice = "Locate: Shift+arrows move the cross, Enter shows the other pane's slice through it, Esc ends";
    this.draw();
  };

  Pane.prototype.endLocate = function () {
    this.locating = null;
    delete this.stage.dataset.locate;
    this.notice = "";
    this.draw();
  };

  Pane.prototype.locateHere = function () {
    var other = panes[1 - this.number];
    var found = this.locate(this.locating);
    if (found < 0) {
      this.notice = other.stack && !other.stack.images
        ? "The other pane's series does not cross this image"
        : "The other pane shows no series";
    } else {
      var item = other.current();
      this.notice = (other.number ? "Right" : "Left") + " pane: slice " + (found + 1) + " of " +
        other.stack.items.length + (item.location ? ", position " + item.location : "");
    }
    this.draw();
  };

  function redrawOthers(pane) {
    var other = panes[1 - pane.number];
    if (other && other.stack) other.draw();
  }

  // --- The toolbar -----------------------------------------------------------------------------

  var toolbar = {};

  function syncToolbar() {
    var pane = panes[active];
    if (!pane || !toolbar.center) return;
    var frame = pane.frame();
    var pixels = frame && frame.kind === "pixels" && frame.format !== "rgb";
    if (pixels) {
      var w = pane.currentWindow(frame);
      if (document.activeElement !== toolbar.center) toolbar.center.value = String(round(w[0]));
      if (document.activeElement !== toolbar.width) toolbar.width.value = String(round(w[1]));
    }
    toolbar.center.disabled = toolbar.width.disabled = toolbar.preset.disabled = !pixels;
    toolbar.invert.setAttribute("aria-pressed", String(pane.invert));
    toolbar.cine.setAttribute("aria-pressed", String(Boolean(pane.cine)));
    document.querySelectorAll("[data-tool]").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.dataset.tool === tool));
    });
    panes.forEach(function (p) { p.element.classList.toggle("viewer-active", p.number === active); });
  }

  function applyPreset(pane, name) {
    var frame = pane.frame();
    if (!frame || frame.kind !== "pixels") return;
    if (name === "default") { pane.window = null; pane.draw(); syncToolbar(); return; }
    if (name === "auto") {
      var px = frame.pixels, low = Infinity, high = -Infinity;
      for (var i = 0; i < px.length; i++) {
        var v = px[i] * frame.slope + frame.intercept;
        if (v < low) low = v;
        if (v > high) high = v;
      }
      pane.setWindow((low + high) / 2, Math.max(1, high - low));
      return;
    }
    pane.setWindow(PRESETS[name][0], PRESETS[name][1]);
  }

  function setTool(name) {
    tool = name;
    panes.forEach(function (p) {
      if (!p.measure.cursor && p.frame()) {
        p.measure.cursor = [p.frame().columns / 2, p.frame().rows / 2];
      }
      if (p.stack) p.draw();
    });
    syncToolbar();
  }

  function act(name) {
    var pane = panes[active];
    if (!pane.stack) return;
    if (name === "invert") { pane.invert = !pane.invert; pane.draw(); }
    if (name === "fit") { pane.zoom = 1; pane.pan = [0, 0]; pane.draw(); }
    if (name === "reset") { pane.stopCine(); pane.resetView(); pane.draw(); }
    if (name === "cine") { if (pane.cine) pane.stopCine(); else pane.startCine(); }
    syncToolbar();
  }

  // --- Input -----------------------------------------------------------------------------------

  function measureAt(pane, point) {
    var m = pane.measure;
    if (!pane.current().spacing || pane.stack.images) return;
    if (m.index !== pane.index || m.points.length === 2) m.points = [];
    m.index = pane.index;
    m.points.push(point);
    pane.draw();
  }

  function onKey(pane, event) {
    var key = event.key;
    var steps = { ArrowUp: -1, ArrowLeft: -1, ArrowDown: 1, ArrowRight: 1, PageUp: -10, PageDown: 10 };
    var moves = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };
    var handled = true;
    var frame = pane.frame();
    if (pane.notice && !pane.locating) pane.notice = "";
    if (pane.locating && event.shiftKey && moves[key] && frame) {
      var by = event.ctrlKey ? 10 : 1;
      var p = pane.locating;
      pane.locating = [Math.max(0, Math.min(frame.columns - 1, p[0] + moves[key][0] * by)),
                       Math.max(0, Math.min(frame.rows - 1, p[1] + moves[key][1] * by))];
      pane.draw();
    } else if (pane.locating && key === "Enter") {
      pane.locateHere();
    } else if (pane.locating && (key === "Escape" || key === "l" || key === "L")) {
      pane.endLocate();
    } else if (key === "l" || key === "L") {
      pane.startLocate();
    } else if (event.shiftKey && moves[key] && tool === "measure" && frame) {
      var c = pane.measure.cursor || [frame.columns / 2, frame.rows / 2];
      var by = event.ctrlKey ? 10 : 1;
      pane.measure.cursor = [c[0] + moves[key][0] * by, c[1] + moves[key][1] * by];
      pane.draw();
    } else if (event.shiftKey && moves[key]) {
      pane.pan = [pane.pan[0] + moves[key][0] * 20, pane.pan[1] + moves[key][1] * 20];
      pane.draw();
    } else if (key in steps) {
      pane.go(pane.index + steps[key]);
    } else if (key === "Home") {
      pane.go(0);
    } else if (key === "End") {
      pane.go(pane.stack.items.length - 1);
    } else if (key === "Enter" && tool === "measure" && pane.measure.cursor) {
      measureAt(pane, pane.measure.cursor.slice());
    } else if (key === "Escape") {
      pane.measure.points = [];
      pane.draw();
    } else if (key === "+" || key === "=") {
      pane.zoom *= 1.25; pane.draw();
    } else if (key === "-") {
      pane.zoom /= 1.25; pane.draw();
    } else if (key === "0") {
      act("fit");
    } else if ("[];'".indexOf(key) >= 0 && frame && frame.kind === "pixels") {
      var w = pane.currentWindow(frame);
      var stepW = Math.max(1, w[1] * 0.1);
      if (key === "[") pane.setWindow(w[0], w[1] - stepW);
      if (key === "]") pane.setWindow(w[0], w[1] + stepW);
      if (key === ";") pane.setWindow(w[0] - stepW / 2, w[1]);
      if (key === "'") pane.setWindow(w[0] + stepW / 2, w[1]);
    } else if ("1234".indexOf(key) >= 0 && key.length === 1) {
      var name = ["default", "auto", "soft", "bone"][Number(key) - 1];
      toolbar.preset.value = name;
      applyPreset(pane, name);
    } else if (key === "i" || key === "I") {
      act("invert");
    } else if (key === "r" || key === "R") {
      act("reset");
    } else if (key === "c" || key === "C") {
      act("cine");
    } else if (key === "m" || key === "M") {
      setTool(tool === "measure" ? "window" : "measure");
    } else {
      handled = false;
    }
    if (handled) event.preventDefault();
  }

  function bindPane(pane) {
    var stage = pane.stage;
    stage.addEventListener("focus", function () { active = pane.number; syncToolbar(); panes.forEach(function (p) { if (p.stack) p.draw(); }); });
    stage.addEventListener("keydown", function (event) { if (pane.stack) onKey(pane, event); });
    stage.addEventListener("wheel", function (event) {
      if (!pane.stack) return;
      event.preventDefault();
      if (event.ctrlKey) {
        pane.zoom *= event.deltaY < 0 ? 1.1 : 1 / 1.1;
        pane.draw();
      } else {
        // A wheel notch is ~100 pixels; a touchpad sends many small deltas: one slice per 40.
        var delta = event.deltaMode === 0 ? event.deltaY : event.deltaY * 40;
        pane.wheel = (pane.wheel || 0) + delta;
        var steps = Math.trunc(pane.wheel / 40);
        if (steps) {
          pane.wheel -= steps * 40;
          pane.go(pane.index + Math.max(-3, Math.min(3, steps)));
        }
      }
    }, { passive: false });
    pane.slider.addEventListener("input", function () { pane.go(Number(pane.slider.value) - 1); });
    var drag = null;
    stage.addEventListener("pointerdown", function (event) {
      if (!pane.stack) return;
      stage.focus();
      active = pane.number;
      syncToolbar();
      var frame = pane.frame();
      drag = { x: event.clientX, y: event.clientY, moved: false, zoom: pane.zoom, pan: pane.pan.slice(),
               window: frame && frame.kind === "pixels" ? pane.currentWindow(frame).slice() : null };
      stage.setPointerCapture(event.pointerId);
    });
    stage.addEventListener("pointermove", function (event) {
      if (!drag) return;
      var dx = event.clientX - drag.x, dy = event.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
      if (!drag.moved || tool === "measure") return;
      var ratio = window.devicePixelRatio || 1;
      if (tool === "pan") {
        pane.pan = [drag.pan[0] + dx * ratio, drag.pan[1] + dy * ratio];
        pane.draw();
      } else if (tool === "zoom") {
        pane.zoom = Math.max(0.1, drag.zoom * Math.pow(1.01, -dy));
        pane.draw();
      } else if (drag.window) {
        var per = Math.max(drag.window[1], 10) / 256;
        pane.setWindow(drag.window[0] + dy * per, drag.window[1] + dx * per);
      }
    });
    stage.addEventListener("pointerup", function (event) {
      if (!drag) return;
      var moved = drag.moved;
      drag = null;
      var point = pane.toImage(event.clientX, event.clientY);
      if (!point) return;
      if (tool === "measure") {
        pane.measure.cursor = point;
        measureAt(pane, point);
      } else if (!moved) {
        pane.locate(point);
      }
    });
  }

  // --- The list of series and documents ----------------------------------------------------------

  function seriesLabel(s) {
    var parts = [s.description];
    if (s.orientation) parts.push(s.orientation);
    parts.push(s.count + (s.count === 1 ? " slice" : " slices"));
    if (s.thickness) parts.push(s.thickness.toFixed(1) + " mm");
    return parts.join(", ");
  }

  function stackOfSeries(s) {
    var first = s.slices[0];
    var bytes = first.size[0] * first.size[1] * 2;
    return { label: seriesLabel(s), description: s.description, studyDate: s.studyDate,
             markers: s.markers, items: s.slices, images: false, bytesPerItem: bytes, loaded: 0 };
  }

  function stackOfDocument(d) {
    return { label: (d.kind === "report" ? "Report " : "Photo ") + d.name, description: d.name,
             studyDate: null, markers: null, images: true, bytesPerItem: 4 * 1024 * 1024, loaded: 0,
             items: d.pages.map(function (url) { return { url: url, size: null, spacing: null }; }) };
  }

  function listEntry(list, text, stack) {
    var li = document.createElement("li");
    var name = document.createElement("span");
    name.className = "viewer-entry-name";
    name.textContent = text;
    li.appendChild(name);
    [0, 1].forEach(function (side) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button viewer-open";
      button.textContent = side ? "Right" : "Left";
      button.setAttribute("aria-label", "Show " + text + " in the " + (side ? "right" : "left") + " pane");
      button.addEventListener("click", function () {
        panes[side].show(stack);
        active = side;
        syncToolbar();
      });
      li.appendChild(button);
    });
    list.appendChild(li);
  }

  // Sagittal on the left and axial on the right when the study has both, as a surgeon reads a spine.
  function firstChoice(series) {
    function find(name) {
      return series.filter(function (s) { return s.orientation === name; })
        .sort(function (a, b) { return b.count - a.count; })[0];
    }
    var left = find("sagittal") || series[0];
    var right = find("axial") || series.filter(function (s) { return s !== left; })[0];
    return [left, right];
  }

  function start(root) {
    document.querySelectorAll(".viewer-pane").forEach(function (element, i) {
      var pane = new Pane(element, i);
      panes.push(pane);
      bindPane(pane);
    });
    framesUrl = root.dataset.framesUrl;
    toolbar.center = document.getElementById("viewer-center");
    toolbar.width = document.getElementById("viewer-width");
    toolbar.preset = document.getElementById("viewer-preset");
    toolbar.invert = root.querySelector("[data-action=invert]");
    toolbar.cine = root.querySelector("[data-action=cine]");
    root.querySelectorAll("[data-tool]").forEach(function (button) {
      button.addEventListener("click", function () { setTool(button.dataset.tool); });
    });
    root.querySelectorAll("[data-action]").forEach(function (button) {
      button.addEventListener("click", function () { act(button.dataset.action); });
    });
    toolbar.preset.addEventListener("change", function () { applyPreset(panes[active], toolbar.preset.value); });
    function typed() {
      var c = Number(toolbar.center.value), w = Number(toolbar.width.value);
      if (isFinite(c) && isFinite(w) && w > 0 && panes[active].frame()) panes[active].setWindow(c, w);
    }
    toolbar.center.addEventListener("change", typed);
    toolbar.width.addEventListener("change", typed);
    window.addEventListener("resize", function () { panes.forEach(function (p) { if (p.stack) p.draw(); }); });

    var status = document.getElementById("viewer-list-status");
    fetch(root.dataset.indexUrl, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (index) {
        var seriesList = document.getElementById("viewer-series");
        var documentList = document.getElementById("viewer-documents");
        var stacks = new Map();
        index.series.forEach(function (s) {
          var stack = stackOfSeries(s);
          stacks.set(s, stack);
          listEntry(seriesList, seriesLabel(s), stack);
        });
        index.documents.forEach(function (d) {
          listEntry(documentList, (d.kind === "report" ? "Report " : "Photo ") + d.name +
            (d.pages.length > 1 ? ", " + d.pages.length + " pages" : ""), stackOfDocument(d));
        });
        if (!index.documents.length) {
          var none = document.createElement("li");
          none.textContent = "None.";
          documentList.appendChild(none);
        }
        status.textContent = index.series.length
          ? index.series.length + (index.series.length === 1 ? " series." : " series.")
          : "No images that the viewer can show.";
        if (index.series.length) {
          var choice = firstChoice(index.series);
          panes[0].show(stacks.get(choice[0]));
          if (choice[1]) panes[1].show(stacks.get(choice[1]));
          active = 0;
        } else if (index.documents.length) {
          panes[0].show(stackOfDocument(index.documents[0]));
        }
        syncToolbar();
      })
      .catch(function () {
        status.textContent = "The list of series could not be loaded. Reload the page to try again.";
      });
  }

  // For the browser tests: the same functions the panes use.
  window.backcareViewer = { referenceLine: referenceLine, plane: plane, windowed: windowed, panes: panes };

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("viewer");
    if (root) start(root);
  });
})();
