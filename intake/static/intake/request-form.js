// Progressive enhancement for the MRI review form: the form works fully without this file.
(function () {
  "use strict";

  // Move focus to the error summary so screen readers announce the problems first.
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }

  // Show the warning that fits the safety answers as soon as they change: an emergency "yes" shows
  // only the emergency message (never both), a "see a doctor soon" yes its own, and the routine
  // note beside either. The wording comes from the server (intake.rules.TIER_ADVICE).
  function yesIn(tier) {
    return Array.prototype.some.call(
      document.querySelectorAll(".safety-" + tier + " input[type=radio]"),
      function (radio) {
        return radio.checked && radio.value === "yes";
      }
    );
  }
  function show(tier, shown) {
    var box = document.getElementById("safety-warning-" + tier);
    if (box) {
      box.hidden = !shown;
    }
  }
  function update() {
    var emergency = yesIn("emergency");
    show("emergency", emergency);
    show("see_doctor_soon", !emergency && yesIn("see_doctor_soon"));
    show("routine", yesIn("routine"));
  }
  // A follow-up question ("For how many weeks…?") shows once its tick box is ticked; a follow-up
  // that holds an answer or an error stays shown.
  Array.prototype.forEach.call(
    document.querySelectorAll("input[data-follow-up]"),
    function (box) {
      var followUp = document.getElementById(box.getAttribute("data-follow-up"));
      if (!followUp) {
        return;
      }
      var input = followUp.querySelector("input");
      function reveal() {
        var answered = input && input.value !== "";
        var invalid = followUp.querySelector(".invalid-feedback");
        followUp.hidden = !(box.checked || answered || invalid);
      }
      box.setAttribute("aria-controls", followUp.id);
      box.addEventListener("change", reveal);
      reveal();
    }
  );

  Array.prototype.forEach.call(
    document.querySelectorAll(".safety-question input[type=radio]"),
    function (radio) {
      radio.addEventListener("change", update);
    }
  );
  update();
})();
