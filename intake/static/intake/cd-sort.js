// Sorts a patient's CD in the browser before anything is sent: reads each DICOM file's header (only
// the first kilobytes, up to the pixel data) with dicom-parser, or the CD's DICOMDIR when it has one,
// groups the files into studies and series, and says what the spine team would flag (old, not an MRI,
// another name or birth date). What it reads stays in the page; only the files the patient ticks go
// to the server, by the upload dashboard (upload-dashboard.js). No DOM here: see cd-choice.js.
(function () {
  "use strict";

  // Groups 0008 to 0020 (all we show) usually end within the first 2-4 KB, before the long private
  // groups (Siemens' CSA header in 0029) and the pixels; a longer header is read again with more.
  var FIRST_READ = 4 * 1024;
  var LONGEST_HEADER = 8 * 1024 * 1024;
  var LONGEST_DICOMDIR = 32 * 1024 * 1024;
  var READS_AT_ONCE = 16;
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
      return factsOf(window.dicomParser.parseDicom(bytes, { untilTag: "x7fe00010" }));
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
      var records = window.dicomParser.parseDicom(new Uint8Array(buffer)).elements.x00041220;
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
  function sortFiles(files, onProgress) {
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
      return eachAtMost(rest, READS_AT_ONCE, function (file) {
        return readHeader(file.data).then(function (facts) {
          if (facts === "not dicom") {
            sorting.notDicom.push(file);
          } else if (facts === "unreadable") {
            sorting.unreadable.push(file);
          } else {
            sorting.add(file, facts);
          }
        }, function () {
          sorting.unreadable.push(file);
        }).then(function () {
          onProgress(++done, files.length);
        });
      });
    }).then(function () {
      return sorting;
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

  // What preselect did, in the words shown above the list.
  function preselectWords(studies) {
    var mri = studies.filter(function (study) { return modalities(study).indexOf("MR") !== -1; });
    if (mri.filter(isSpine).length) {
      return "We ticked the newest MRI of your spine.";
    }
    return mri.length ? "We found no MRI of the spine, so we ticked the newest MRI." :
      "We found no MRI, so we ticked every scan.";
  }

  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  var KINDS = {
    MR: "MRI", CT: "CT scan", CR: "X-ray", DX: "X-ray", DR: "X-ray", RF: "X-ray video", US: "ultrasound",
    NM: "nuclear scan", PT: "PET scan", MG: "mammogram", XA: "X-ray of blood vessels", OT: "other image",
    SR: "report", DOC: "document", PR: "viewer settings", KO: "viewer notes", SC: "screen capture"
  };

  function showDate(da) {
    var match = /^(\d{4})(\d{2})(\d{2})$/.exec(da || "");
    if (!match || Number(match[2]) < 1 || Number(match[2]) > 12) {
      return "";
    }
    return MONTHS[Number(match[2]) - 1] + " " + Number(match[3]) + ", " + match[1];
  }

  function kindOf(modality) {
    return KINDS[modality] || (modality ? modality + " images" : "scan of an unknown type");
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
      var what = kinds.length ? kinds.map(kindOf).join(" and ") : "a scan of an unknown type";
      said.push("This is " + (kinds.length ? "a " : "") + what + ", not an MRI.");
    }
    var date = study.facts.studyDate;
    if (/^\d{8}$/.test(date || "") && date < yearAgo(today)) {
      said.push("This scan is from " + showDate(date) + ". That is more than 12 months ago.");
    }
    var name = study.facts.patientName;
    if (name && (typed.firstName || typed.lastName) &&
        !namesMatch(name, typed.firstName, typed.lastName)) {
      said.push("The name in this scan (" + showName(name) + ") is not the name you typed (" +
        [typed.firstName, typed.lastName].filter(Boolean).join(" ") + "). Is this your scan?");
    }
    var born = study.facts.birthDate;
    var typedBorn = formDate(typed.birthDate);
    if (/^\d{8}$/.test(born || "") && typedBorn && born !== typedBorn) {
      said.push("The birth date in this scan (" + showDate(born) + ") is not the one you typed (" +
        showDate(typedBorn) + ").");
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
    var label = kinds.length ? kinds.map(kindOf).join(" and ") : "Scan";
    var about = study.facts.studyDescription || parts.join(", ");
    return label.charAt(0).toUpperCase() + label.slice(1) + (about ? ": " + about : "");
  }

  function showSize(bytes) {
    if (bytes >= 1024 * 1024 * 1024) {
      return (bytes / (1024 * 1024 * 1024)).toFixed(1) + " GB";
    }
    if (bytes >= 1024 * 1024) {
      return Math.max(1, Math.round(bytes / (1024 * 1024))) + " MB";
    }
    return Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  window.BackCareCd = {
    sortFiles: sortFiles,
    preselect: preselect,
    preselectWords: preselectWords,
    warnings: warnings,
    describe: describe,
    showDate: showDate,
    showSize: showSize,
    relativePath: relativePath,
    baseName: baseName
  };
})();
