// The MRI form's upload dashboard: Uppy (vendored in static/vendor/uppy) sending files by tus to
// /mri-review/uploads/. Each finished upload adds its id to the form as a hidden "staged" field; the
// server attaches those files when the form is sent. Without this script the plain file input works.
(function () {
  "use strict";

  var box = document.getElementById("upload-dashboard");
  var target = document.getElementById("upload-dashboard-target");
  if (!box || !target || !("IntersectionObserver" in window)) {
    return;
  }

  // Uppy (static/vendor/uppy/uppy-bundle.min.*, only the parts used here) is fetched when the file
  // section comes near the screen, not with the page: the questions above it are ready at once, and
  // a visitor who never scrolls that far never pays for it. Until then the plain file input works.
  function loadUppy() {
    var style = document.createElement("link");
    style.rel = "stylesheet";
    style.href = box.dataset.uppyCss;
    document.head.appendChild(style);
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = box.dataset.uppyJs;
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  var near = document.getElementById("div_id_files") || box.parentElement;
  var observer = new IntersectionObserver(function (entries) {
    if (entries.some(function (entry) { return entry.isIntersecting; })) {
      observer.disconnect();
      loadUppy().then(start, function () {});
    }
  }, { rootMargin: "800px 0px" });
  observer.observe(near);

  function start() {
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
    var leftOut = "";
    function showNotes() {
      var lines = leftOut ? [leftOut] : [];
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

    // The page's language: Uppy's own words in it (its Spanish pack, under the page's words below),
    // and the upload endpoint told it, so its refusals reach the patient in it too (the endpoint's
    // URL has no /es/: intake/uploads/tus.py reads Accept-Language).
    var language = document.documentElement.lang || "en";
    var uppyLocale = (U.locales || {})[language.split("-")[0]];

    var sorter = null; // set below when the CD sorting scripts are on the page
    var uppy = new U.Uppy(Object.assign(uppyLocale ? { locale: uppyLocale } : {}, {
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
        return sorter ? sorter.admit(file) : true;
      }
    }));

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

    // Chosen or dropped files reach Uppy through addFiles, the Dashboard's only door. They are
    // taken here first: clutter is left out, and a CD's files are held back for the choice below
    // without Uppy ever seeing them (Uppy taking in 600 files only to reject them one by one cost
    // about 2 s at 4x CPU slow-down: bench/README.md). Uppy takes in only what is sent, in one batch.
    var addToUppy = uppy.addFiles.bind(uppy);
    uppy.addFiles = function (files) {
      var kept = files.filter(function (file) {
        if (isClutter(file.name || "")) {
          skipped.push(file.name);
          return false;
        }
        return true;
      });
      if (kept.length !== files.length) {
        showNotes();
      }
      if (sorter) {
        kept = sorter.take(kept);
      }
      if (kept.length) {
        addToUppy(kept);
      }
    };

    // Uppy marks each file as a "listitem" but gives the list role to their box only from two files
    // on (with one file it draws a plain <div>), so a screen reader finds an item outside any list
    // (axe: aria-required-parent). Give that box its role whenever Uppy draws it.
    new MutationObserver(function () {
      target.querySelectorAll(".uppy-Dashboard-files:not([role])").forEach(function (files) {
        files.setAttribute("role", "list");
      });
    }).observe(target, { childList: true, subtree: true });

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
          headers: { "X-CSRFToken": token ? token.value : "", "Accept-Language": language }
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
      headers: { "Accept-Language": language },
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

    sorter = makeSorter();

    // Sending the form while files are still on their way would leave them out.
    form.addEventListener("submit", function (event) {
      if (sorter && sorter.waiting()) {
        event.preventDefault();
        notes.textContent = S.chooseScans;
        box.focus();
        return;
      }
      var busy = uppy.getFiles().filter(function (file) {
        return !file.error && !(file.progress && file.progress.uploadComplete);
      });
      if (busy.length) {
        event.preventDefault();
        notes.textContent = fill(busy.length === 1 ? S.busyOne : S.busyMany, { count: busy.length });
        box.focus();
      }
    });

    // Files are held back from Uppy until the patient has seen the CD's studies and ticked the ones
    // to send (cd-sort.js reads them, cd-choice.js asks). Reports, photos and ZIP files go at once,
    // unread. The parser (static/vendor/dicom-parser) is fetched with the first files to read.
    function makeSorter() {
      var panel = document.getElementById("cd-sort");
      var holder = document.getElementById("cd-sort-box");
      if (!panel || !holder || !window.BackCareCd || !window.BackCareCdChoice) {
        return null;
      }
      var SENT_AS_THEY_ARE = /\.(zip|pdf|jpe?g|png|heic)$/i;
      // cd-read-worker.js, told where the parser and the reading code are (cd-sort.js, sortFiles).
      var workerUrl = holder.dataset.workerUrl + "?" + new URLSearchParams({
        parser: holder.dataset.parserUrl, sorter: holder.dataset.sorterUrl
      }).toString();
      var admitted = new WeakSet();
      var batch = [];
      var waiting = [];
      var parser = null;
      var choice = new window.BackCareCdChoice(panel, {
        typed: typed,
        onSend: function (files, unticked) {
          waiting = [];
          leftOut = unticked ? fill(unticked === 1 ? S.untickedOne : S.untickedMany, { count: unticked }) : "";
          showNotes();
          release(files);
        }
      });

      function typed() {
        function value(id) {
          var input = document.getElementById(id);
          return input ? input.value.trim() : "";
        }
        return { firstName: value("id_first_name"), lastName: value("id_last_name"),
          birthDate: value("id_date_of_birth") };
      }

      function release(files) {
        if (!files.length) {
          return; // even an empty batch would redraw the dashboard
        }
        files.forEach(function (file) { admitted.add(file.data); });
        try {
          addToUppy(files);
        } catch (error) {
          uppy.log(error);
        }
      }

      function hold(file) {
        batch.push({ source: file.source, name: file.name, type: file.type, data: file.data,
          meta: { relativePath: (file.meta && file.meta.relativePath) || null } });
        if (batch.length === 1) {
          setTimeout(sortBatch, 0); // every file of one drop or choice arrives before this runs
        }
      }

      function loadParser() {
        if (window.dicomParser) {
          return Promise.resolve();
        }
        if (!parser) {
          parser = new Promise(function (resolve, reject) {
            var script = document.createElement("script");
            script.src = holder.dataset.parserUrl;
            script.onload = resolve;
            script.onerror = function () {
              parser = null;
              reject(new Error("dicom-parser did not load"));
            };
            document.head.appendChild(script);
          });
        }
        return parser;
      }

      function sortBatch() {
        var files = batch;
        batch = [];
        release(files.filter(function (file) { return SENT_AS_THEY_ARE.test(file.name); }));
        var toRead = files.filter(function (file) { return !SENT_AS_THEY_ARE.test(file.name); });
        if (!toRead.length) {
          return;
        }
        // A second folder added before the patient chose: its files are sorted with the first's.
        waiting = waiting.concat(toRead);
        var all = waiting;
        loadParser().then(function () {
          return window.BackCareCd.sortFiles(all, function (done, total) { choice.reading(done, total); },
            { worker: { url: workerUrl } });
        }).then(function (sorting) {
          if (all !== waiting) {
            return; // newer files came while these were read: that sorting shows them all
          }
          release(sorting.notDicom);
          if (!sorting.list().length) {
            waiting = [];
            release(sorting.unreadable.concat(sorting.dicomdirs));
            document.getElementById("cd-sort-status").textContent = "";
            return;
          }
          waiting = waiting.filter(function (file) { return sorting.notDicom.indexOf(file) === -1; });
          choice.show(sorting);
        }).catch(function () {
          // Without the parser nothing is sorted: everything goes, as before this step existed.
          waiting = [];
          release(all);
        });
      }

      // Fetch the parser as the patient reaches the upload box (before any file is chosen), not with
      // the page: most visitors of the form never send a CD folder.
      ["pointerenter", "focusin", "dragenter"].forEach(function (type) {
        box.addEventListener(type, function () {
          loadParser().then(function () {
            window.BackCareCd.prepareWorker(workerUrl); // the worker loads the parser from the cache
          }, function () {});
        }, { once: true });
      });

      ["id_first_name", "id_last_name", "id_date_of_birth"].forEach(function (id) {
        var input = document.getElementById(id);
        if (input) {
          input.addEventListener("input", function () {
            if (choice.pending()) {
              choice.sync();
            }
          });
        }
      });

      return {
        // The files of one choice or drop (uppy.addFiles above): those Uppy may take now.
        take: function (files) {
          return files.filter(function (file) {
            if (admitted.has(file.data)) {
              return true;
            }
            hold(file);
            return false;
          });
        },
        // A file that reached Uppy by another way (uppy.addFile): held back the same way.
        admit: function (file) {
          if (admitted.has(file.data)) {
            return true;
          }
          hold(file);
          return false;
        },
        waiting: function () {
          return waiting.length > 0;
        }
      };
    }

    box.hidden = false;
    if (plainField) {
      plainField.hidden = true;
    }
  }
})();
