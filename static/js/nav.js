// The phone menu's button, the one part of Bootstrap's script the site used: its 80 KB bundle was
// parsed and run on every page for it, Lighthouse's longest task on the exercise library (bench/README.md).
// The same markup (data-bs-toggle="collapse", data-bs-target), classes and aria-expanded as Bootstrap's
// collapse, without the animation.
(function () {
  "use strict";
  document.querySelectorAll('[data-bs-toggle="collapse"]').forEach(function (button) {
    var target = document.querySelector(button.getAttribute("data-bs-target"));
    if (!target) {
      return;
    }
    button.addEventListener("click", function () {
      var open = target.classList.toggle("show");
      button.setAttribute("aria-expanded", String(open));
      button.classList.toggle("collapsed", !open);
    });
  });
})();
