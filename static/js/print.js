// Shows the "Print this page" button only when JavaScript can run it; without it, the browser's own
// print menu works just as well.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
