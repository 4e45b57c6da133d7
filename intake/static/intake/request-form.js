// Progressive enhancement for the MRI review form: the form works fully without this file.
(function () {
  "use strict";

  // Move focus to the error summary so screen readers announce the problems first.
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }

  // Show the emergency message as soon as a safety question is answered "yes".
  var warning = document.getElementById("red-flag-warning");
  var safetyRadios = document.querySelectorAll(".safety-question input[type=radio]");
  function update() {
    var anyYes = Array.prototype.some.call(safetyRadios, function (radio) {
      return radio.checked && radio.value === "yes";
    });
    if (warning) {
      warning.hidden = !anyYes;
    }
  }
  Array.prototype.forEach.call(safetyRadios, function (radio) {
    radio.addEventListener("change", update);
  });
  update();
})();
