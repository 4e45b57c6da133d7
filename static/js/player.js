// The follow-along player (exercises/player.py says what it is for).
//
// The plan in the page becomes a list of "phases" per exercise: get ready, then for each set each
// repetition (a timed hold and a short relax, or a repetition the patient counts), with a timed rest
// between sets. One timer ticks; it stops when paused or when the tab is hidden. Screen readers hear
// a polite announcement when the phase changes, never every second. The session and the pain scores
// go to localStorage only ("backcare.history"); nothing is sent anywhere.
"use strict";

(() => {
  const root = document.getElementById("player");
  const planNode = document.getElementById("player-plan");
  if (!root || !planNode) return;
  const plan = JSON.parse(planNode.textContent);
  // The words come from the page, in its language (exercises/player.py, _player_strings).
  const strings = JSON.parse(document.getElementById("player-strings").textContent);
  const t = (key, values = {}) => strings[key].replace(/\{(\w+)\}/g, (_, name) => String(values[name]));
  const HISTORY_KEY = "backcare.history";
  const HISTORY_MAX = 400;
  const TICK_MS = 200;

  const $ = (id) => document.getElementById(id);
  const sections = ["player-before", "player-exercise", "player-after", "player-done"];
  const live = $("player-live");
  const speakBox = $("player-speak");
  const reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  const state = {
    item: 0,
    phase: 0,
    phases: [],
    remainingMs: 0,
    running: false,
    paused: false,
    pausedByHiding: false,
    lastTick: 0,
    spokenSecond: null,
    results: plan.items.map(() => "not started"),
    painBefore: null,
  };

  // --- Phases ---------------------------------------------------------------------------------------

  function phasesOf(item) {
    const phases = [{ type: "ready" }];
    const sets = item.sets || 1;
    const reps = item.reps || 0;
    for (let set = 1; set <= sets; set += 1) {
      if (!reps) {
        phases.push({ type: "task", set, sets });
      }
      for (let rep = 1; rep <= reps; rep += 1) {
        if (item.hold) {
          phases.push({ type: "hold", set, sets, rep, reps, seconds: item.hold });
          if (rep < reps) phases.push({ type: "relax", set, sets, rep, reps, seconds: plan.relax_seconds });
        } else {
          phases.push({ type: "rep", set, sets, rep, reps });
        }
      }
      if (set < sets) phases.push({ type: "rest", set, sets, seconds: plan.rest_seconds });
    }
    return phases;
  }

  const current = () => state.phases[state.phase];
  const isTimed = (phase) => phase && typeof phase.seconds === "number";

  // --- Speaking and announcing ------------------------------------------------------------------------

  function announce(text) {
    // Clearing first makes a repeated message ("Relax.") be read again.
    live.textContent = "";
    window.setTimeout(() => {
      live.textContent = text;
    }, 50);
  }

  function cue(text) {
    $("exercise-caption").textContent = text;
    if (!speakBox.checked || !("speechSynthesis" in window)) return;
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = document.documentElement.lang || "en";
    window.speechSynthesis.speak(utterance);
  }

  // --- Showing --------------------------------------------------------------------------------------

  function show(id, focusId) {
    for (const section of sections) $(section).hidden = section !== id;
    if (focusId) $(focusId).focus();
  }

  function fillList(id, lines) {
    const list = $(id);
    list.replaceChildren(
      ...lines.map((line) => {
        const li = document.createElement("li");
        li.textContent = line;
        return li;
      })
    );
  }

  function showItem() {
    const item = plan.items[state.item];
    $("exercise-count").textContent = t("count", { n: state.item + 1, total: plan.items.length });
    $("exercise-title").textContent = item.title;
    // An exercise not yet translated is shown in English on a Spanish page: say so to screen readers.
    for (const id of ["exercise-title", "exercise-steps", "exercise-stop"]) $(id).lang = item.lang;
    $("exercise-image").src = item.image;
    $("exercise-image").alt = item.alt;
    fillList("exercise-steps", item.steps);
    fillList("exercise-dosage", item.dosage);
    fillList("exercise-stop", item.stop_if);
    $("exercise-caption").textContent = "";
  }

  function seconds(ms) {
    return Math.max(0, Math.ceil(ms / 1000));
  }

  function setsText(phase) {
    return phase.sets > 1 ? t("sets", { set: phase.set, sets: phase.sets }) : "";
  }

  const PHASE_TEXT = {
    ready: () => t("ready"),
    hold: (p) => t("hold", { rep: p.rep, reps: p.reps, sets: setsText(p) }),
    relax: () => t("relax"),
    rest: (p) => t("rest", { next: p.set + 1, sets: p.sets }),
    rep: (p) => t("rep", { rep: p.rep, reps: p.reps, sets: setsText(p) }),
    task: (p) => t("task", { sets: setsText(p) }),
  };

  const PRIMARY_TEXT = {
    ready: t("button_ready"),
    hold: t("button_next"),
    relax: t("button_next"),
    rest: t("button_rest"),
    rep: t("button_rep"),
    task: t("button_task"),
  };

  function render() {
    const phase = current();
    $("exercise-phase").textContent = PHASE_TEXT[phase.type](phase);
    $("player-primary").textContent = PRIMARY_TEXT[phase.type];
    $("exercise-timer").textContent = isTimed(phase) ? `${seconds(state.remainingMs)}` : "";
    $("exercise-timer").hidden = !isTimed(phase);
    $("exercise-reps").textContent =
      phase.reps && phase.type !== "rest" ? t("of", { rep: phase.rep, reps: phase.reps }) : "";
    const pauseButton = $("player-pause");
    pauseButton.textContent = state.paused ? t("resume") : t("pause");
    pauseButton.setAttribute("aria-pressed", state.paused ? "true" : "false");
    pauseButton.disabled = !isTimed(phase);
    const bar = $("exercise-bar");
    const fraction = isTimed(phase) ? 1 - state.remainingMs / (phase.seconds * 1000) : 0;
    bar.style.width = `${Math.round(Math.min(1, Math.max(0, fraction)) * 100)}%`;
    bar.classList.toggle("animated", !reduceMotion);
  }

  function phaseAnnouncement(phase) {
    const text = PHASE_TEXT[phase.type](phase);
    return isTimed(phase) ? t("seconds", { text, seconds: phase.seconds }) : `${text}.`;
  }

  // --- Moving through the plan ------------------------------------------------------------------------

  function startPhase() {
    const phase = current();
    state.remainingMs = isTimed(phase) ? phase.seconds * 1000 : 0;
    state.spokenSecond = null;
    state.running = isTimed(phase) && !state.paused;
    state.lastTick = Date.now();
    if (phase.type === "hold") cue(t("cue_hold", { seconds: phase.seconds }));
    else if (phase.type === "relax") cue(t("relax"));
    else if (phase.type === "rest") cue(t("cue_rest", { seconds: phase.seconds }));
    else if (phase.type === "rep" && phase.rep === 1) cue(t("cue_reps"));
    announce(phaseAnnouncement(phase));
    render();
  }

  function startItem(index) {
    state.item = index;
    state.phase = 0;
    state.paused = false;
    state.phases = phasesOf(plan.items[index]);
    if (state.results[index] === "not started") state.results[index] = "started";
    show("player-exercise");
    showItem();
    startPhase();
    announce(
      t("start_item", {
        n: index + 1,
        total: plan.items.length,
        title: plan.items[index].title,
        phase: phaseAnnouncement(current()),
      })
    );
    $("exercise-title").focus();
  }

  function finishItem(result) {
    state.results[state.item] = result;
    state.running = false;
    if (state.item + 1 < plan.items.length) startItem(state.item + 1);
    else showAfter();
  }

  function nextPhase() {
    const phase = current();
    if (phase.type === "hold") cue(t("relax"));
    if (state.phase + 1 >= state.phases.length) {
      finishItem("done");
      return;
    }
    state.phase += 1;
    startPhase();
  }

  function tick() {
    if (!state.running) return;
    const now = Date.now();
    state.remainingMs -= now - state.lastTick;
    state.lastTick = now;
    const phase = current();
    const left = seconds(state.remainingMs);
    if (phase.type === "hold" && left <= 3 && left >= 1 && state.spokenSecond !== left) {
      state.spokenSecond = left;
      cue(`${left}`);
    }
    if (state.remainingMs <= 0) nextPhase();
    else render();
  }

  function setPaused(paused, byHiding = false) {
    if (!isTimed(current())) return;
    state.paused = paused;
    state.pausedByHiding = paused && byHiding;
    state.running = !paused;
    state.lastTick = Date.now();
    if (paused) {
      window.speechSynthesis?.cancel();
      announce(byHiding ? t("paused_away") : t("paused"));
    } else {
      announce(t("going_on"));
    }
    render();
  }

  // --- Before and after -------------------------------------------------------------------------------

  function painScore(name) {
    const chosen = root.querySelector(`input[name="${name}"]:checked`);
    return chosen ? Number(chosen.value) : null;
  }

  function showAfter() {
    state.running = false;
    const done = state.results.filter((r) => r === "done").length;
    $("after-summary").textContent = t("summary", { done, total: plan.items.length });
    show("player-after", "after-title");
    announce(t("well_done", { done, total: plan.items.length }));
  }

  function loadHistory() {
    try {
      const saved = JSON.parse(window.localStorage.getItem(HISTORY_KEY) || "[]");
      return Array.isArray(saved) ? saved : [];
    } catch {
      return [];
    }
  }

  function finish() {
    const painAfter = painScore("pain_after");
    const entry = {
      when: new Date().toISOString(),
      title: plan.title,
      page: window.location.pathname,
      done: state.results.filter((r) => r === "done").length,
      skipped: state.results.filter((r) => r !== "done").length,
      total: plan.items.length,
      pain_before: state.painBefore,
      pain_after: painAfter,
    };
    const history = loadHistory();
    history.push(entry);
    try {
      window.localStorage.setItem(HISTORY_KEY, JSON.stringify(history.slice(-HISTORY_MAX)));
    } catch {
      // Storage full or turned off: the session still ends well, it is just not remembered.
    }
    const worse = state.painBefore !== null && painAfter !== null && painAfter > state.painBefore;
    $("done-worse").hidden = !worse;
    const stopLines = [...new Set(plan.items.flatMap((item) => item.stop_if))];
    fillList("done-stop", stopLines);
    show("player-done", "done-title");
  }

  // --- Wiring -----------------------------------------------------------------------------------------

  const actions = {
    begin: () => {
      state.painBefore = painScore("pain_before");
      startItem(0);
    },
    primary: () => {
      const phase = current();
      if (state.paused) setPaused(false);
      nextPhase();
      if (phase.type === "ready") $("player-primary").focus();
    },
    pause: () => setPaused(!state.paused),
    back: () => startItem(Math.max(0, state.item - 1)),
    skip: () => finishItem("skipped"),
    next: () => finishItem("done"),
    finish,
  };

  root.addEventListener("click", (event) => {
    const button = event.target.closest("[data-action]");
    if (button && actions[button.dataset.action]) actions[button.dataset.action]();
  });

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden" && state.running) setPaused(true, true);
  });

  root.hidden = false;
  window.setInterval(tick, TICK_MS);

  // Keep this page and its files for offline use (the worker's scope is the exercise pages).
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker
      .register(root.dataset.workerUrl)
      .then(() => navigator.serviceWorker.ready)
      .then((registration) => {
        const urls = [
          window.location.pathname,
          ...[...document.querySelectorAll("link[rel=stylesheet], script[src], img[src]")].map(
            (node) => node.getAttribute("href") || node.getAttribute("src")
          ),
          ...plan.items.map((item) => item.image),
        ].filter(Boolean);
        registration.active.postMessage({ keep: [...new Set(urls)] });
      })
      .catch(() => {
        // Offline use is a bonus; the player works without it.
      });
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data && event.data.kept) document.documentElement.dataset.offlineReady = "true";
    });
  }
})();
