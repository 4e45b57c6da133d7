// Reads the headers of a CD's DICOM files away from the page's main thread (cd-sort.js, readInWorker):
// the page sends the files, this sends back what each header says. The parser and the reading code
// are the page's own static files (dicom-parser, cd-sort.js), named in this worker's URL by the page;
// nothing but a path on this site is loaded.
(function () {
  "use strict";

  var params = new URLSearchParams(self.location.search);
  function ours(path) {
    if (!/^\/[^\/\\]/.test(path || "")) {
      throw new Error("cd-read-worker.js loads only this site's files");
    }
    return path;
  }
  self.importScripts(ours(params.get("parser")), ours(params.get("sorter")));
  self.BackCareCd.serveReads(self);
})();
