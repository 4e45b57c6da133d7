// The MRI form's upload dashboard: Uppy (vendored in static/vendor/uppy) sending files by tus to
// /mri-review/uploads/. Each finished upload adds its id to the form as a hidden "staged" field; the
// server attaches those files when the form is sent. Without this script the plain file input works.
(function () {
  "use strict";

  var box = document.getElementById("upload-dashboard");
  var target = document.getElementById("upload-dashboard-target");
  if (!box || !target || !window.Uppy || !window.Uppy.Dashboard || !window.Uppy.Tus) {
    return;
  }
  var U = window.Uppy;
  var form = box.closest("form");
  var inputs = document.getElementById("staged-inputs");
  var notes = document.getElementById("upload-notes");
  var plainField = document.getElementById("div_id_files");
  // The words, in the page's language, from the template (json_script "upload-strings").
  var S = JSON.parse(document.getElementById("upload-strings").textContent);
  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (whole, name) {
      return String(values[name]);
    });
  }

  // Files a CD carries beside the images (kept in step with intake.rules.is_cd_clutter); the server
  // checks every file's bytes again and skips clutter itself if one slips through.
  var CLUTTER_SUFFIXES = [
    ".exe", ".dll", ".inf", ".ini", ".bat", ".cmd", ".com", ".msi", ".ocx", ".sys", ".jar",
    ".js", ".htm", ".html", ".css", ".xml", ".txt", ".ico", ".bmp", ".gif", ".cab", ".chm"
  ];
  var CLUTTER_NAMES = ["autorun.inf", "desktop.ini", "thumbs.db", ".ds_store"];
  function isClutter(name) {
    var base = name.replace(/\\/g, "/").split("/").pop().toLowerCase();
    return CLUTTER_NAMES.indexOf(base) !== -1 || CLUTTER_SUFFIXES.some(function (suffix) {
      return base.slice(-suffix.length) === suffix;
    });
  }

  var skipped = [];
  var refused = {};
  function showNotes() {
    var lines = [];
    if (skipped.length) {
      lines.push(fill(skipped.length === 1 ? S.skippedOne : S.skippedMany, {
        count: skipped.length, examples: skipped.slice(0, 3).join(", ")
      }));
    }
    Object.keys(refused).forEach(function (id) {
      lines.push(refused[id]);
    });
    notes.textContent = lines.join(" ");
  }

  var uppy = new U.Uppy({
    id: "mri-review-files",
    autoProceed: true,
    restrictions: {
      maxFileSize: Number(box.dataset.maxFileSize),
      maxNumberOfFiles: Number(box.dataset.maxFiles)
    },
    onBeforeFileAdded: function (file) {
      if (isClutter(file.name || "")) {
        skipped.push(file.name);
        showNotes();
        return false;
      }
      return true;
    }
  });

  uppy.use(U.Dashboard, {
    inline: true,
    target: target,
    width: "100%",
    height: 420,
    theme: "light",
    fileManagerSelectionType: "both",
    proudlyDisplayPoweredByUppy: false,
    showRemoveButtonAfterComplete: true,
    hideProgressAfterFinish: false,
    disableThumbnailGenerator: true,
    // Uppy's "Done" button clears the list, which would take finished uploads out of the form.
    doneButtonHandler: null,
    note: S.note,
    locale: {
      strings: Object.assign({
        dropPasteBoth: S.dropPasteBoth,
        browseFiles: S.browseFiles,
        browseFolders: S.browseFolders
      }, S.uppy)
    }
  });

  // The server starts the upload session only when asked (the form page writes none). Ask once,
  // before the first creation: Uppy creates several uploads at once, and with no session cookie yet
  // each would start its own session, leaving the form with only the last one's files. Every
  // creation (a tus POST) waits for this one request. If it fails the uploads go ahead anyway (a
  // creation starts a session too) and the next creation asks again.
  var session = null;
  function startSession() {
    if (!session) {
      var token = form.querySelector('input[name="csrfmiddlewaretoken"]');
      session = fetch(box.dataset.sessionUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": token ? token.value : "" }
      }).then(function (response) {
        if (!response.ok) {
          session = null;
        }
      }, function () {
        session = null;
      });
    }
    return session;
  }

  // Refusals the server explains in words (upload-error below): retrying cannot change them.
  var REFUSALS = [413, 422, 429, 507];

  uppy.use(U.Tus, {
    endpoint: box.dataset.endpoint,
    chunkSize: Number(box.dataset.chunkSize),
    // Retry a dropped chunk after a pause; each retry first asks the server (HEAD) how much it has.
    retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
    onBeforeRequest: function (request) {
      return request.getMethod() === "POST" ? startSession() : undefined;
    },
    // Uppy retries 429 and 5xx by default; ours are quotas that last an hour or more.
    onShouldRetry: function (error, retryAttempt, options, next) {
      var response = error && error.originalResponse;
      if (response && REFUSALS.indexOf(response.getStatus()) !== -1) {
        return false;
      }
      return next(error);
    },
    limit: 4,
    // Only the file's name goes to the server: no type, path or anything else from the browser.
    allowedMetaFields: ["name"],
    removeFingerprintOnSuccess: true
  });

  // After a reload, bring back the file list and carry on uploading from the server's offset.
  if (U.GoldenRetriever) {
    uppy.use(U.GoldenRetriever, { serviceWorker: false });
    // A restored upload carries on by itself: the patient should not have to find a button. This is
    // what Uppy's own "Resume" button does: resume the uploads that were running, from the server's
    // offset. Calling upload() instead starts a second, empty upload beside the restored one, which
    // aborts its chunk and leaves the file waiting for a click.
    uppy.on("restored", function () {
      if (uppy.getState().recoveredState) {
        uppy.emit("restore-confirmed");
      }
    });
  }

  function keyOf(file) {
    var url = file.response && file.response.uploadURL;
    return url ? url.split("/").pop() : null;
  }

  function addKey(file) {
    var key = keyOf(file);
    if (!key || form.querySelector('input[name="staged"][value="' + CSS.escape(key) + '"]')) {
      return;
    }
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = "staged";
    input.value = key;
    input.dataset.fileId = file.id;
    inputs.appendChild(input);
  }

  uppy.on("upload-success", function (file) {
    addKey(uppy.getFile(file.id) || file);
  });

  uppy.on("restored", function () {
    uppy.getFiles().forEach(function (file) {
      if (file.progress && file.progress.uploadComplete) {
        addKey(file);
      }
    });
  });

  uppy.on("file-removed", function (file) {
    delete refused[file.id];
    showNotes();
    var input = inputs.querySelector('input[data-file-id="' + CSS.escape(file.id) + '"]');
    if (!input) {
      return;
    }
    input.remove();
    // The patient took a finished file back: tell the server it can go (tus termination).
    var url = file.response && file.response.uploadURL;
    if (url) {
      fetch(url, { method: "DELETE", headers: { "Tus-Resumable": "1.0.0" } }).catch(function () {});
    }
  });

  // The server refuses a file in plain words (wrong kind, too big, too many from one connection,
  // upload area full): show those words, not Uppy's.
  uppy.on("upload-error", function (file, error) {
    var response = error && error.originalResponse;
    var status = response && response.getStatus ? response.getStatus() : 0;
    if (!file || REFUSALS.indexOf(status) === -1) {
      return;
    }
    var reason = response.getBody();
    refused[file.id] = reason;
    uppy.setFileState(file.id, { error: reason });
    showNotes();
  });

  // Sending the form while files are still on their way would leave them out.
  form.addEventListener("submit", function (event) {
    var busy = uppy.getFiles().filter(function (file) {
      return !file.error && !(file.progress && file.progress.uploadComplete);
    });
    if (busy.length) {
      event.preventDefault();
      notes.textContent = fill(busy.length === 1 ? S.busyOne : S.busyMany, { count: busy.length });
      box.focus();
    }
  });

  box.hidden = false;
  if (plainField) {
    plainField.hidden = true;
  }
})();
