// The "choose the scans to send" panel of the upload dashboard: one entry per study found on the CD
// (cd-sort.js), with real checkboxes for the study and each of its series, what the spine team would
// flag, and a button that hands the ticked files to the dashboard. Header values are shown with
// textContent only: they come from a stranger's files.
(function () {
  "use strict";

  var Cd = window.BackCareCd;
  var S = null; // the words (json_script "cd-sort-strings"), read when the dashboard starts

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      node.setAttribute(name, attrs[name]);
    });
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function imagesOf(series) {
    return series.reduce(function (sum, s) { return sum + s.files.length; }, 0);
  }

  function bytesOf(series) {
    return series.reduce(function (sum, s) { return sum + s.bytes; }, 0);
  }

  function Choice(panel, options) {
    this.panel = panel;
    this.options = options;
    this.list = panel.querySelector("#cd-sort-list");
    this.status = document.getElementById("cd-sort-status");
    this.extra = panel.querySelector("#cd-sort-extra");
    this.sendButton = panel.querySelector("#cd-sort-send");
    if (!S) {
      S = JSON.parse(document.getElementById("cd-sort-strings").textContent);
      Cd.speak(S, document.documentElement.lang);
    }
    this.studies = [];
    this.sorting = null;
    this.ticked = {}; // series key -> true, kept while the patient adds more files
    this.sendButton.addEventListener("click", this.send.bind(this));
  }

  Choice.prototype.pending = function () {
    return !this.panel.hidden && this.sorting !== null;
  };

  // Progress at most every 200 ms: a live region rewritten for each of 600 files slows the page.
  Choice.prototype.reading = function (done, total) {
    var now = Date.now();
    if (done === total || !this.shownAt || now - this.shownAt > 200) {
      this.shownAt = now;
      this.status.textContent = Cd.fill(S.reading, { done: done, total: total });
    }
  };

  Choice.prototype.show = function (sorting) {
    var self = this;
    var fresh = this.sorting === null;
    this.sorting = sorting;
    this.studies = sorting.list();
    if (fresh) {
      this.ticked = {};
    }
    Cd.preselect(this.studies).forEach(function (key) {
      self.studies.forEach(function (study) {
        if (study.key === key && !study.series.some(function (s) { return s.key in self.ticked; })) {
          study.series.forEach(function (series) { self.ticked[series.key] = true; });
        }
      });
    });
    this.studies.forEach(function (study) {
      study.series.forEach(function (series) {
        if (!(series.key in self.ticked)) {
          self.ticked[series.key] = false;
        }
      });
    });
    document.getElementById("cd-sort-ticked").textContent = Cd.preselectWords(this.studies);
    this.render();
  };

  Choice.prototype.render = function () {
    var self = this;
    this.list.textContent = "";
    this.studies.forEach(function (study, index) {
      self.list.appendChild(self.studyItem(study, index));
    });
    var unread = this.sorting.unreadable.length;
    this.extra.textContent = unread ? Cd.counted("unreadable", unread) : "";
    this.sendButton.disabled = false;
    this.panel.hidden = false;
    this.sync();
  };

  Choice.prototype.studyItem = function (study, index) {
    var self = this;
    var id = "cd-study-" + index;
    var item = el("li", { "class": "cd-study" });
    var check = el("div", { "class": "form-check" });
    var box = el("input", {
      type: "checkbox", "class": "form-check-input", id: id,
      "aria-describedby": id + "-facts " + id + "-warnings"
    });
    var date = Cd.showDate(study.facts.studyDate);
    var label = el("label", { "class": "form-check-label", "for": id });
    // The title in bold, then its date ("…, Mar 4, 2019"): the words around the two are the
    // language's, the title and date are filled in as text.
    var title = Cd.describe(study);
    var dated = Cd.fill(date ? S.titleDated : S.noDate, { title: "\u0000", date: date }).split("\u0000");
    label.appendChild(document.createTextNode(dated[0]));
    label.appendChild(el("strong", {}, title));
    label.appendChild(document.createTextNode(dated.slice(1).join("")));
    check.appendChild(box);
    check.appendChild(label);
    item.appendChild(check);
    item.appendChild(el("p", { "class": "cd-study-facts", id: id + "-facts" }, Cd.fill(S.facts, {
      series: Cd.counted("series", study.series.length),
      images: Cd.counted("images", imagesOf(study.series)),
      size: Cd.showSize(bytesOf(study.series))
    })));
    item.appendChild(el("ul", { "class": "cd-warnings", id: id + "-warnings" }));
    item.appendChild(this.seriesList(study, index));
    box.addEventListener("change", function () {
      study.series.forEach(function (series) { self.ticked[series.key] = box.checked; });
      self.sync();
    });
    return item;
  };

  Choice.prototype.seriesList = function (study, index) {
    var self = this;
    var details = el("details", { "class": "cd-series" });
    details.appendChild(el("summary", {}, Cd.fill(S.chooseSeries, { count: study.series.length })));
    var list = el("ul", { "class": "list-unstyled mb-0" });
    study.series.forEach(function (series, number) {
      var id = "cd-series-" + index + "-" + number;
      var row = el("li", { "class": "form-check" });
      var box = el("input", { type: "checkbox", "class": "form-check-input", id: id });
      box.dataset.series = series.key;
      var what = series.facts.seriesDescription ||
        Cd.fill(S.seriesNumber, { number: series.facts.seriesNumber || number + 1 });
      row.appendChild(box);
      row.appendChild(el("label", { "class": "form-check-label", "for": id }, Cd.fill(S.seriesLine, {
        what: what,
        modality: series.facts.modality || "?",
        images: Cd.counted("images", series.files.length),
        size: Cd.showSize(series.bytes)
      })));
      box.addEventListener("change", function () {
        self.ticked[series.key] = box.checked;
        self.sync();
      });
      list.appendChild(row);
    });
    details.appendChild(list);
    return details;
  };

  // Puts the ticks, the study boxes' mixed state and the warnings in line with what is ticked.
  Choice.prototype.sync = function () {
    var self = this;
    var typed = this.options.typed();
    var today = new Date();
    this.studies.forEach(function (study, index) {
      var id = "cd-study-" + index;
      var ticks = study.series.map(function (series) { return self.ticked[series.key]; });
      var box = document.getElementById(id);
      box.checked = ticks.every(Boolean);
      box.indeterminate = !box.checked && ticks.some(Boolean);
      study.series.forEach(function (series, number) {
        document.getElementById("cd-series-" + index + "-" + number).checked = self.ticked[series.key];
      });
      var list = document.getElementById(id + "-warnings");
      list.textContent = "";
      Cd.warnings(study, typed, today).forEach(function (words) {
        list.appendChild(el("li", {}, words));
      });
    });
    this.summarize();
  };

  Choice.prototype.chosen = function () {
    var self = this;
    var files = [];
    var studies = 0;
    var dicomdirs = [];
    this.studies.forEach(function (study) {
      var series = study.series.filter(function (s) { return self.ticked[s.key]; });
      if (series.length) {
        studies += 1;
        series.forEach(function (s) { files = files.concat(s.files); });
        study.dicomdirs.forEach(function (d) {
          if (dicomdirs.indexOf(d) === -1) {
            dicomdirs.push(d);
          }
        });
      }
    });
    return { studies: studies, files: files, dicomdirs: dicomdirs };
  };

  Choice.prototype.summarize = function () {
    var chosen = this.chosen();
    var count = this.studies.length;
    this.status.textContent = Cd.counted("found", count) + " " + (chosen.studies ?
      Cd.counted("tickedSome", chosen.studies, {
        images: Cd.counted("images", chosen.files.length),
        size: Cd.showSize(chosen.files.reduce(function (sum, f) { return sum + f.data.size; }, 0))
      }) : S.tickedNone);
  };

  Choice.prototype.send = function () {
    var chosen = this.chosen();
    var leftOut = this.studies.length - chosen.studies;
    var files = chosen.dicomdirs.concat(chosen.files, this.sorting.unreadable);
    this.sorting = null;
    this.studies = [];
    this.list.textContent = "";
    this.panel.hidden = true;
    this.status.textContent = "";
    this.options.onSend(files, leftOut);
  };

  window.BackCareCdChoice = Choice;
})();
