// "Your progress": the sessions the player saved in this browser (localStorage "backcare.history"),
// shown as a weekly chart, a table and a list; a button deletes them. Nothing here is ever sent.
"use strict";

(() => {
  const root = document.getElementById("progress");
  if (!root) return;
  const HISTORY_KEY = "backcare.history";
  const WEEKS = 8;
  const DAY_MS = 24 * 60 * 60 * 1000;
  const SVG = "http://www.w3.org/2000/svg";
  const $ = (id) => document.getElementById(id);

  function loadHistory() {
    try {
      const saved = JSON.parse(window.localStorage.getItem(HISTORY_KEY) || "[]");
      return Array.isArray(saved) ? saved.filter((s) => s && !Number.isNaN(Date.parse(s.when))) : [];
    } catch {
      return [];
    }
  }

  // The words come from the page, in its language (exercises/player.py, progress); dates follow it.
  const strings = JSON.parse(document.getElementById("progress-strings").textContent);
  const t = (key, values = {}) => strings[key].replace(/\{(\w+)\}/g, (_, name) => String(values[name]));
  const locale = document.documentElement.lang || undefined;

  function weekStart(date) {
    const start = new Date(date.getFullYear(), date.getMonth(), date.getDate());
    start.setDate(start.getDate() - ((start.getDay() + 6) % 7)); // back to Monday
    return start;
  }

  function average(values) {
    const known = values.filter((v) => typeof v === "number");
    if (!known.length) return "–";
    return (known.reduce((a, b) => a + b, 0) / known.length).toFixed(1);
  }

  function weeks(history) {
    const thisWeek = weekStart(new Date());
    return Array.from({ length: WEEKS }, (_, i) => {
      const start = new Date(thisWeek.getTime() - (WEEKS - 1 - i) * 7 * DAY_MS);
      const end = new Date(start.getTime() + 7 * DAY_MS);
      const sessions = history.filter((s) => {
        const when = new Date(s.when);
        return when >= start && when < end;
      });
      return {
        start,
        count: sessions.length,
        before: average(sessions.map((s) => s.pain_before)),
        after: average(sessions.map((s) => s.pain_after)),
      };
    });
  }

  const dateText = (date) => date.toLocaleDateString(locale, { month: "short", day: "numeric" });

  function cell(tag, text) {
    const node = document.createElement(tag);
    node.textContent = text;
    return node;
  }

  function drawChart(rows) {
    const chart = $("progress-chart");
    const most = Math.max(1, ...rows.map((r) => r.count));
    const barWidth = 400 / rows.length;
    const nodes = [];
    rows.forEach((row, i) => {
      const height = (row.count / most) * 120;
      const bar = document.createElementNS(SVG, "rect");
      bar.setAttribute("x", String(i * barWidth + 8));
      bar.setAttribute("y", String(130 - height));
      bar.setAttribute("width", String(barWidth - 16));
      bar.setAttribute("height", String(height));
      bar.setAttribute("class", "progress-bar-rect");
      const label = document.createElementNS(SVG, "text");
      label.setAttribute("x", String(i * barWidth + barWidth / 2));
      label.setAttribute("y", "150");
      label.setAttribute("text-anchor", "middle");
      label.setAttribute("class", "progress-chart-label");
      label.textContent = dateText(row.start);
      nodes.push(bar, label);
    });
    chart.replaceChildren(...nodes);
  }

  function render() {
    const history = loadHistory();
    $("progress-empty").hidden = history.length > 0;
    $("progress-weeks").hidden = history.length === 0;
    $("progress-sessions").hidden = history.length === 0;
    $("progress-delete").hidden = history.length === 0;
    const rows = weeks(history);
    drawChart(rows);
    $("progress-rows").replaceChildren(
      ...rows.map((row) => {
        const tr = document.createElement("tr");
        tr.append(
          cell("th", dateText(row.start)),
          cell("td", String(row.count)),
          cell("td", row.before),
          cell("td", row.after)
        );
        tr.firstChild.setAttribute("scope", "row");
        return tr;
      })
    );
    $("progress-list").replaceChildren(
      ...history
        .slice()
        .reverse()
        .map((s) => {
          const pain =
            typeof s.pain_before === "number" || typeof s.pain_after === "number"
              ? ` ${t("pain", { before: s.pain_before ?? "–", after: s.pain_after ?? "–" })}`
              : "";
          return cell(
            "li",
            `${new Date(s.when).toLocaleString(locale)}: ${s.title}. ${t("done", { done: s.done, total: s.total })}${pain}`
          );
        })
    );
  }

  $("progress-delete").addEventListener("click", () => {
    $("progress-confirm").hidden = false;
    $("progress-delete-yes").focus();
  });
  $("progress-delete-no").addEventListener("click", () => {
    $("progress-confirm").hidden = true;
    $("progress-delete").focus();
  });
  $("progress-delete-yes").addEventListener("click", () => {
    window.localStorage.removeItem(HISTORY_KEY);
    $("progress-confirm").hidden = true;
    render();
    $("progress-live").textContent = t("deleted");
    $("progress-empty").setAttribute("tabindex", "-1");
    $("progress-empty").focus();
  });

  root.hidden = false;
  render();

  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register(root.dataset.workerUrl).catch(() => {});
  }
})();
