// Sorts a patient's CD in the browser before anything is sent: reads each DICOM file's header (only
// the first kilobytes, up to the pixel data) with dicom-parser, or the CD's DICOMDIR when it has one,
// groups the files into studies and series, and says what the spine team would flag (old, not an MRI,
// another name or birth date). What it reads stays in the page; only the files the patient ticks go
// to the server, by the upload dashboard (upload-dashboard.js). No DOM here: see cd-choice.js. The
// same file runs in cd-read-worker.js, which reads the headers of a CD without a DICOMDIR away from
// the page's main thread.
(function () {
  "use strict";

  // Groups 0008 to 0020 (all we show) usually end within the first 2-4 KB, before the long private
  // groups (Siemens' CSA header in 0029) and the pixels; a longer header is read again with more.
  var FIRST_READ = 4 * 1024;
  var LONGEST_HEADER = 8 * 1024 * 1024;
  var LONGEST_DICOMDIR = 32 * 1024 * 1024;
  var READS_AT_ONCE = 16;
  // In the worker: every read's slice of a File costs the thread a round trip to the browser, so
  // few at a time keep the worker from queueing behind itself.
  var WORKER_READS_AT_ONCE = 8;
  var TAG = {
    studyUid: "x0020000d", seriesUid: "x0020000e", modality: "x00080060", bodyPart: "x00180015",
    studyDescription: "x00081030", seriesDescription: "x0008103e", studyDate: "x00080020",
    seriesNumber: "x00200011", patientName: "x00100010", birthDate: "x00100030"
  };
  var FIELDS = Object.keys(TAG);

  function relativePath(file) {
    var meta = file.meta || {};
    var path = meta.relativePath || (file.data && file.data.webkitRelativePath) || file.name || "";
    return path.replace(/\\/g, "/").replace(/^\/+/, "");
  }

  // CD file systems (ISO 9660) name files in capitals with a ";1" version; copies to a disk may not.
  function pathKey(path) {
    return path.toLowerCase().split("/").map(function (part) {
      return part.replace(/;\d+$/, "").replace(/\.$/, "");
    }).join("/");
  }

  function baseName(path) {
    return path.split("/").pop().toLowerCase();
  }

  function isDicm(bytes) {
    return bytes.length >= 132 && bytes[128] === 68 && bytes[129] === 73 && bytes[130] === 67 &&
      bytes[131] === 77;
  }

  // Every element of groups 0008 to 0020 (all we show) lies before any element of a later group.
  function pastWhatWeNeed(dataSet) {
    return Object.keys(dataSet.elements).some(function (tag) { return tag > "x0020ffff"; });
  }

  function factsOf(dataSet) {
    var facts = {};
    FIELDS.forEach(function (field) {
      var value;
      try {
        value = dataSet.string(TAG[field]);
      } catch (error) {
        value = undefined;
      }
      facts[field] = value ? value.trim() : "";
    });
    return facts;
  }

  // A header read from the first `bytes` of a file: its facts, "more" when the read stopped inside
  // the header, or null when it cannot be read.
  function parseHeader(bytes, whole) {
    try {
      return factsOf(self.dicomParser.parseDicom(bytes, { untilTag: "x7fe00010" }));
    } catch (error) {
      var partial = error && error.dataSet;
      if (partial && pastWhatWeNeed(partial)) {
        return factsOf(partial);
      }
      return whole ? null : "more";
    }
  }

  // Resolves to the header's facts, "not dicom" (a report, a photo, a ZIP: sent as they are) or
  // "unreadable" (DICOM we cannot read here; the server reads it again).
  function readHeader(blob) {
    function attempt(size) {
      return blob.slice(0, size).arrayBuffer().then(function (buffer) {
        var bytes = new Uint8Array(buffer);
        if (!isDicm(bytes)) {
          return "not dicom";
        }
        var whole = size >= blob.size;
        var facts = parseHeader(bytes, whole);
        if (facts === "more") {
          return size >= LONGEST_HEADER ? "unreadable" : attempt(Math.min(blob.size, size * 4));
        }
        return facts || "unreadable";
      });
    }
    return attempt(Math.min(blob.size, FIRST_READ));
  }

  function recordFacts(record, into) {
    FIELDS.forEach(function (field) {
      var value = record.string(TAG[field]);
      if (value && !into[field]) {
        into[field] = value.trim();
      }
    });
    return into;
  }

  // DICOMDIR's records come in tree order (patient, its studies, each study's series, each series'
  // images), so the tree needs no UIDs: a CD whose DICOMDIR has none still sorts.
  function readDicomdir(blob) {
    if (blob.size > LONGEST_DICOMDIR) {
      return Promise.resolve(null);
    }
    return blob.arrayBuffer().then(function (buffer) {
      var records = self.dicomParser.parseDicom(new Uint8Array(buffer)).elements.x00041220;
      var series = [];
      var patient = {};
      var study = {};
      var current = null;
      (records && records.items || []).forEach(function (item) {
        var record = item.dataSet;
        var type = (record.string("x00041430") || "").trim().toUpperCase();
        if (type === "PATIENT") {
          patient = recordFacts(record, {});
        } else if (type === "STUDY") {
          study = recordFacts(record, Object.assign({}, patient));
        } else if (type === "SERIES") {
          current = { facts: recordFacts(record, Object.assign({}, study)), paths: [] };
          series.push(current);
        } else if (current && record.elements.x00041500) {
          current.paths.push(record.string("x00041500").split("\\").join("/"));
        }
      });
      return series;
    }).catch(function () {
      return null;
    });
  }

  function eachAtMost(items, limit, work) {
    var next = 0;
    function worker() {
      if (next >= items.length) {
        return Promise.resolve();
      }
      var item = items[next++];
      return Promise.resolve(item).then(work).catch(function () {}).then(worker);
    }
    var workers = [];
    for (var i = 0; i < Math.min(limit, items.length); i++) {
      workers.push(worker());
    }
    return Promise.all(workers);
  }

  // Reads the header of each blob, `limit` at a time: resolves to one result per blob, in order
  // (the facts, "not dicom" or "unreadable"); onEach(done) after each.
  function readHeaders(blobs, limit, onEach) {
    var results = new Array(blobs.length);
    var done = 0;
    var indexes = blobs.map(function (blob, index) { return index; });
    return eachAtMost(indexes, limit, function (index) {
      return readHeader(blobs[index]).catch(function () {
        return "unreadable";
      }).then(function (result) {
        results[index] = result;
        onEach(++done);
      });
    }).then(function () {
      return results;
    });
  }

  // The worker's side (cd-read-worker.js): files come in batches ({id, files}); each batch's results
  // go back when its last file is read ({id, results}). One queue for all batches, so the worker
  // reads at most WORKER_READS_AT_ONCE files at a time however fast batches arrive.
  function serveReads(scope) {
    var queue = [];
    var running = 0;
    function pump() {
      while (running < WORKER_READS_AT_ONCE && queue.length) {
        running += 1;
        readOne(queue.shift());
      }
    }
    function readOne(job) {
      readHeader(job.blob).catch(function () {
        return "unreadable";
      }).then(function (result) {
        running -= 1;
        job.batch.results[job.index] = result;
        job.batch.left -= 1;
        if (!job.batch.left) {
          scope.postMessage({ id: job.batch.id, results: job.batch.results });
        }
        pump();
      });
    }
    scope.onmessage = function (event) {
      var files = event.data.files;
      var batch = { id: event.data.id, results: new Array(files.length), left: files.length };
      if (!files.length) {
        scope.postMessage({ id: batch.id, results: [] });
      }
      files.forEach(function (blob, index) {
        queue.push({ blob: blob, index: index, batch: batch });
      });
      pump();
    };
  }

  // The page's side. Handing a File to a worker costs the page a look-up of its size (a round trip
  // to the browser, about as long as the read itself), so files go in batches: the worker reads
  // the first batch while the page hands over the next. One worker per page, started early by
  // prepareWorker (as the patient reaches the upload box), kept for the next CD.
  var BATCH = 30;
  var workers = {};

  function workerAt(url) {
    if (workers[url]) {
      return workers[url];
    }
    var thread = new Worker(url);
    var worker = workers[url] = { thread: thread, waiting: {}, next: 0 };
    thread.onmessage = function (event) {
      var answer = worker.waiting[event.data.id];
      delete worker.waiting[event.data.id];
      if (answer) {
        answer(event.data.results);
      }
    };
    thread.onerror = function (event) {
      event.preventDefault();
      thread.terminate();
      delete workers[url];
      var waiting = worker.waiting;
      worker.waiting = {};
      Object.keys(waiting).forEach(function (id) { waiting[id](null); });
    };
    return worker;
  }

  function prepareWorker(url) {
    if (typeof Worker !== "undefined") {
      try {
        workerAt(url);
      } catch (error) {
        // the page reads the headers itself (sortFiles)
      }
    }
  }

  // Resolves to one result per blob, as readHeaders; rejects if the worker cannot run (the caller
  // then reads on the page).
  function readInWorker(blobs, url, onProgress) {
    return new Promise(function (resolve, reject) {
      var worker;
      try {
        worker = workerAt(url);
      } catch (error) {
        reject(error);
        return;
      }
      var results = new Array(blobs.length);
      var left = 0;
      var done = 0;
      var failed = false;
      function send(first) {
        var id = worker.next++;
        left += 1;
        worker.waiting[id] = function (answers) {
          if (failed) {
            return;
          }
          if (!answers) {
            failed = true;
            reject(new Error("the worker stopped"));
            return;
          }
          answers.forEach(function (answer, index) { results[first + index] = answer; });
          done += answers.length;
          onProgress(done);
          left -= 1;
          if (!left) {
            resolve(results);
          }
        };
        worker.thread.postMessage({ id: id, files: blobs.slice(first, first + BATCH) });
      }
      for (var first = 0; first < blobs.length; first += BATCH) {
        send(first);
      }
      if (!blobs.length) {
        resolve(results);
      }
    });
  }

  function Sorting() {
    this.studies = {};
    this.notDicom = [];
    this.unreadable = [];
    this.dicomdirs = [];
  }

  Sorting.prototype.add = function (file, facts) {
    var studyKey = facts.studyUid ||
      ["study", facts.patientName, facts.studyDate, facts.studyDescription].join("|");
    var study = this.studies[studyKey];
    if (!study) {
      study = this.studies[studyKey] = { key: studyKey, facts: {}, series: {}, from: [] };
    }
    FIELDS.forEach(function (field) {
      study.facts[field] = study.facts[field] || facts[field];
    });
    var seriesKey = facts.seriesUid ||
      [studyKey, facts.seriesNumber, facts.modality, facts.seriesDescription].join("|");
    var series = study.series[seriesKey];
    if (!series) {
      series = study.series[seriesKey] = { key: seriesKey, facts: facts, files: [], bytes: 0 };
    }
    series.files.push(file);
    series.bytes += file.data.size;
    return study;
  };

  // The studies, newest first, each with its series in their order on the scanner.
  Sorting.prototype.list = function () {
    var studies = this.studies;
    return Object.keys(studies).map(function (key) {
      var study = studies[key];
      var series = Object.keys(study.series).map(function (k) { return study.series[k]; });
      series.sort(function (a, b) {
        return (Number(a.facts.seriesNumber) || 0) - (Number(b.facts.seriesNumber) || 0);
      });
      return { key: key, facts: study.facts, series: series, dicomdirs: study.from };
    }).sort(function (a, b) {
      return (b.facts.studyDate || "").localeCompare(a.facts.studyDate || "");
    });
  };

  // One series of a DICOMDIR: the header of its first file fills what the directory leaves out (body
  // part, descriptions, UIDs); the other files are counted without being opened.
  function addDirectorySeries(sorting, entry, files, dicomdir) {
    var header = files.length ? readHeader(files[0].data) : Promise.resolve("unreadable");
    return header.then(function (facts) {
      var merged = Object.assign({}, entry.facts);
      if (typeof facts === "object") {
        FIELDS.forEach(function (field) {
          merged[field] = facts[field] || merged[field];
        });
      }
      files.forEach(function (file) {
        var study = sorting.add(file, merged);
        if (study.from.indexOf(dicomdir) === -1) {
          study.from.push(dicomdir);
        }
      });
    });
  }

  function useDicomdir(sorting, dicomdir, byPath, claimed) {
    var folder = pathKey(relativePath(dicomdir)).split("/").slice(0, -1).join("/");
    return readDicomdir(dicomdir.data).then(function (entries) {
      if (!entries) {
        sorting.notDicom.push(dicomdir);
        return null;
      }
      sorting.dicomdirs.push(dicomdir);
      return eachAtMost(entries, READS_AT_ONCE, function (entry) {
        var files = entry.paths.map(function (path) {
          return byPath[(folder ? folder + "/" : "") + pathKey(path)];
        }).filter(function (file) {
          return file && !claimed.has(file);
        });
        files.forEach(function (file) { claimed.add(file); });
        return addDirectorySeries(sorting, entry, files, dicomdir);
      });
    });
  }

  // Sorts Uppy file descriptors (clutter already left out). onProgress(done, total) as files are read.
  // options.worker: {url} of cd-read-worker.js, where the headers are read when it can run.
  function sortFiles(files, onProgress, options) {
    var worker = options && options.worker;
    var sorting = new Sorting();
    var byPath = {};
    var claimed = new Set();
    var dicomdirs = files.filter(function (file) {
      return baseName(relativePath(file)) === "dicomdir";
    });
    files.forEach(function (file) {
      byPath[pathKey(relativePath(file))] = file;
    });
    dicomdirs.forEach(function (file) { claimed.add(file); });
    var done = 0;
    var directories = dicomdirs.reduce(function (chain, dicomdir) {
      return chain.then(function () { return useDicomdir(sorting, dicomdir, byPath, claimed); });
    }, Promise.resolve());
    return directories.then(function () {
      var rest = files.filter(function (file) { return !claimed.has(file); });
      done = files.length - rest.length;
      onProgress(done, files.length);
      var blobs = rest.map(function (file) { return file.data; });
      function progress(read) {
        onProgress(done + read, files.length);
      }
      // A few files (a DICOMDIR's leftovers) are read here; a worker is worth starting for many.
      var reading = worker && typeof Worker !== "undefined" && rest.length > READS_AT_ONCE ?
        readInWorker(blobs, worker.url, progress).catch(function () {
          return readHeaders(blobs, READS_AT_ONCE, progress);
        }) :
        readHeaders(blobs, READS_AT_ONCE, progress);
      return reading.then(function (results) {
        rest.forEach(function (file, index) {
          var facts = results[index];
          if (facts === "not dicom") {
            sorting.notDicom.push(file);
          } else if (typeof facts === "object" && facts) {
            sorting.add(file, facts);
          } else {
            sorting.unreadable.push(file);
          }
        });
        onProgress(files.length, files.length);
        return sorting;
      });
    });
  }

  // --- What the spine team would flag, said before sending (intake/imaging/checks.py says it to staff).

  var SPINE_PARTS = [
    "SPINE", "CSPINE", "TSPINE", "LSPINE", "SSPINE", "CTSPINE", "TLSPINE", "LSSPINE", "WHOLESPINE",
    "COCCYX", "SACRUM", "LUMBAR", "THORACIC", "CERVICAL", "NECK", "BACK"
  ];
  var SPINE_WORDS = /spin|lumb|sacr|coccy|cervical|thoracic|\b[clt]-?s(pine)?\b|\bl[1-5]\b|\bws\b|\blws\b|\bhws\b|\bbws\b/i;

  function isSpine(study) {
    return study.series.some(function (series) {
      var part = (series.facts.bodyPart || "").toUpperCase().replace(/[^A-Z]/g, "");
      if (part && (SPINE_PARTS.indexOf(part) !== -1 || part.indexOf("SPINE") !== -1)) {
        return true;
      }
      return [series.facts.seriesDescription, study.facts.studyDescription].some(function (text) {
        return text && SPINE_WORDS.test(text);
      });
    });
  }

  function modalities(study) {
    var seen = [];
    study.series.forEach(function (series) {
      var modality = (series.facts.modality || "").toUpperCase();
      if (modality && seen.indexOf(modality) === -1) {
        seen.push(modality);
      }
    });
    return seen;
  }

  // The study keys to tick at first: the newest MRI of the spine; else the newest MRI; else all
  // (with no MRI we cannot tell which one the patient means, and the warnings say why).
  function preselect(studies) {
    var mri = studies.filter(function (study) { return modalities(study).indexOf("MR") !== -1; });
    var spine = mri.filter(isSpine);
    var pick = spine.length ? spine : mri;
    if (!pick.length) {
      return studies.map(function (study) { return study.key; });
    }
    return [pick[0].key]; // studies come newest first
  }

  // --- The words, in the page's language: given by the page (speak), from the template's
  // json_script of intake/request/cd_words.py. Dates, numbers and sizes are the browser's (Intl).

  var words = null;
  var language = "en";
  var plurals = null;

  function speak(strings, lang) {
    words = strings;
    language = lang || "en";
    plurals = new Intl.PluralRules(language);
  }

  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (whole, name) {
      return String(values[name]);
    });
  }

  function showNumber(n) {
    return new Intl.NumberFormat(language).format(n);
  }

  // A sentence with a number, in the plural form the language uses for it.
  function counted(key, n, values) {
    var forms = words[key];
    return fill(forms[plurals.select(n)] || forms.other,
      Object.assign({ count: showNumber(n) }, values || {}));
  }

  function listOf(items) {
    return new Intl.ListFormat(language, { style: "long", type: "conjunction" }).format(items);
  }

  // What preselect did, in the words shown above the list.
  function preselectWords(studies) {
    var mri = studies.filter(function (study) { return modalities(study).indexOf("MR") !== -1; });
    if (mri.filter(isSpine).length) {
      return words.tickedSpine;
    }
    return mri.length ? words.tickedMri : words.tickedAll;
  }

  // A DICOM date (19680327) the locale's way: "Mar 27, 1968", "27 mar 1968".
  function showDate(da) {
    var match = /^(\d{4})(\d{2})(\d{2})$/.exec(da || "");
    if (!match || Number(match[2]) < 1 || Number(match[2]) > 12) {
      return "";
    }
    var day = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
    return new Intl.DateTimeFormat(language, {
      year: "numeric", month: "short", day: "numeric", timeZone: "UTC"
    }).format(day);
  }

  // What a modality is called: form "name" alone (a title), "a" with its article (a sentence).
  function kindOf(modality, form) {
    var kind = words.kinds[modality];
    if (kind) {
      return kind[form];
    }
    return modality ? fill(words.otherKind[form], { modality: modality }) : words.unknownKind[form];
  }

  function nameTokens(text) {
    return (text || "").split("=")[0].normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .toLowerCase().replace(/'/g, "").split(/[^a-z0-9]+/).filter(Boolean);
  }

  function namesMatch(dicomName, first, last) {
    var header = nameTokens(dicomName);
    return nameTokens(last).concat(nameTokens(first).slice(0, 1)).every(function (token) {
      return header.indexOf(token) !== -1;
    });
  }

  function showName(dicomName) {
    var parts = (dicomName || "").split("=")[0].split("^");
    var given = parts.slice(1).filter(Boolean).join(" ");
    return given ? parts[0] + ", " + given : parts[0];
  }

  // The form's date of birth (03/27/1968, or 1968-03-27 from a date picker) as DICOM's 19680327.
  function formDate(text) {
    var us = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s*$/.exec(text || "");
    var iso = /^\s*(\d{4})-(\d{2})-(\d{2})\s*$/.exec(text || "");
    function pad(n) { return ("0" + Number(n)).slice(-2); }
    if (us) {
      return us[3] + pad(us[1]) + pad(us[2]);
    }
    return iso ? iso[1] + iso[2] + iso[3] : "";
  }

  function yearAgo(today) {
    var y = today.getFullYear() - 1;
    var m = ("0" + (today.getMonth() + 1)).slice(-2);
    var d = ("0" + today.getDate()).slice(-2);
    return "" + y + m + d;
  }

  // Plain words for one study, given what the patient typed: {firstName, lastName, birthDate}.
  function warnings(study, typed, today) {
    var said = [];
    var kinds = modalities(study);
    if (kinds.indexOf("MR") === -1) {
      var what = kinds.length ? listOf(kinds.map(function (kind) { return kindOf(kind, "a"); })) :
        kindOf("", "a");
      said.push(fill(words.notMri, { kinds: what }));
    }
    var date = study.facts.studyDate;
    if (/^\d{8}$/.test(date || "") && date < yearAgo(today)) {
      said.push(fill(words.old, { date: showDate(date) }));
    }
    var name = study.facts.patientName;
    if (name && (typed.firstName || typed.lastName) &&
        !namesMatch(name, typed.firstName, typed.lastName)) {
      said.push(fill(words.otherName, {
        scan_name: showName(name),
        typed_name: [typed.firstName, typed.lastName].filter(Boolean).join(" ")
      }));
    }
    var born = study.facts.birthDate;
    var typedBorn = formDate(typed.birthDate);
    if (/^\d{8}$/.test(born || "") && typedBorn && born !== typedBorn) {
      said.push(fill(words.otherBirthDate, {
        scan_date: showDate(born), typed_date: showDate(typedBorn)
      }));
    }
    return said;
  }

  function describe(study) {
    var kinds = modalities(study);
    var parts = [];
    study.series.forEach(function (series) {
      var part = series.facts.bodyPart;
      if (part && parts.indexOf(part) === -1) {
        parts.push(part);
      }
    });
    var label = kinds.length ? listOf(kinds.map(function (kind) { return kindOf(kind, "name"); })) :
      words.scan;
    label = label.charAt(0).toLocaleUpperCase(language) + label.slice(1);
    var about = study.facts.studyDescription || parts.join(", ");
    return about ? fill(words.title, { kinds: label, about: about }) : label;
  }

  // A size the locale's way, in the units people see on their phones: "12 MB", "1,2 GB".
  function showSize(bytes) {
    var units = [["gigabyte", 1024 * 1024 * 1024, 1], ["megabyte", 1024 * 1024, 0]];
    for (var i = 0; i < units.length; i++) {
      if (bytes >= units[i][1]) {
        return unitSize(bytes / units[i][1], units[i][0], units[i][2]);
      }
    }
    return unitSize(bytes / 1024, "kilobyte", 0);
  }

  function unitSize(value, unit, decimals) {
    var shown = decimals ? value : Math.max(1, Math.round(value));
    return new Intl.NumberFormat(language, {
      style: "unit", unit: unit, unitDisplay: "short",
      minimumFractionDigits: decimals, maximumFractionDigits: decimals
    }).format(shown);
  }

  self.BackCareCd = {
    sortFiles: sortFiles,
    serveReads: serveReads,
    prepareWorker: prepareWorker,
    preselect: preselect,
    preselectWords: preselectWords,
    speak: speak,
    fill: fill,
    counted: counted,
    warnings: warnings,
    describe: describe,
    showDate: showDate,
    showSize: showSize,
    relativePath: relativePath,
    baseName: baseName
  };
})();
