// The candidate's page: the consent statement, then the questionnaire ten statements a page,
// each page saved on the server with the time spent on each statement, then thank you, with
// the candidate's own data to download or delete.
//
// Keyboard: each statement is a radio group in a fieldset whose legend is the statement; Tab
// moves between statements, the arrow keys choose within one. A page's heading takes focus when
// the page changes, so a screen reader announces where the candidate is.

import { $, api, ApiError, dropFragment, el, fragment, preSession, setCsrf, showError } from "./api.js";

const error = $("error");
const views = ["consent-view", "questions-view", "done-view", "deleted-view"];
let state = null;
let pageIndex = 0;
// Milliseconds spent on each statement of the page being shown. An answer's time is the time
// since the page was shown or the previous answer on it; time with the page hidden (another
// tab, a locked phone) does not count.
let times = {};
let mark = performance.now();
let hiddenAt = null;
let warnedBlank = false;

function show(id, focus = true) {
  $("loading").hidden = true;
  for (const view of views) $(view).hidden = view !== id;
  if (focus) $(id).querySelector("h1").focus();
}

document.addEventListener("visibilitychange", () => {
  if (document.hidden) hiddenAt = performance.now();
  else if (hiddenAt !== null) {
    mark += performance.now() - hiddenAt;
    hiddenAt = null;
  }
});

async function start() {
  const token = fragment("invite");
  if (token) {
    // The token leaves the address bar and the history at once; the session cookie replaces it.
    dropFragment();
    await preSession();
    state = await api("/hiring/api/candidate/session", { method: "POST", body: { token } });
  } else {
    state = await api("/hiring/api/candidate");
  }
  setCsrf(state.csrf_token);
  // The view's heading takes focus: keyboard and screen-reader users start where the content does.
  render(true);
}

function render(focus = false) {
  const consent = state.consent;
  $("brand").textContent = `${consent.organisation} · ${consent.role}`;
  if (state.completed_at) return show("done-view", focus);
  if (!state.consented_at) return renderConsent(focus);
  pageIndex = state.next_page ?? state.questionnaire.pages.length - 1;
  renderPage(focus);
}

function renderConsent(focus) {
  const c = state.consent;
  $("consent-intro").textContent = `Hello ${state.candidate.name}. ${c.organisation} has invited you to answer a short questionnaire (50 statements, about 10 minutes) for the role of ${c.role}. Please read what happens to your answers first.`;
  $("collected").replaceChildren(...c.collected.map((line) => el("li", { text: line })));
  $("purpose").textContent = c.purpose;
  $("retention").textContent = c.retention;
  $("who-sees").textContent = c.who_sees;
  $("rights").textContent = c.rights;
  show("consent-view", focus);
}

function answeredCount() {
  return Object.values(state.answers).filter((v) => v !== null && v !== undefined).length;
}

function renderPage(focus = true) {
  const q = state.questionnaire;
  const items = q.pages[pageIndex];
  const total = q.pages.reduce((n, page) => n + page.length, 0);
  $("page-title").textContent = `Page ${pageIndex + 1} of ${q.pages.length}`;
  $("progress").max = total;
  $("progress").value = answeredCount();
  $("progress-label").textContent = `${answeredCount()} of ${total} statements answered`;
  $("items").replaceChildren(...items.map((item) => itemFieldset(item, q.responses)));
  $("back").hidden = pageIndex === 0;
  $("next").textContent = pageIndex === q.pages.length - 1 ? "Send my answers" : "Save and continue";
  $("blank-warning").hidden = true;
  warnedBlank = false;
  times = {};
  mark = performance.now();
  show("questions-view", focus);
}

function itemFieldset(item, responses) {
  const legendId = `legend-${item.id}`;
  const saved = state.answers[item.id];
  return el("fieldset", { class: "item", "data-item": item.id, "aria-describedby": "instructions" },
    el("legend", { id: legendId }, el("span", { class: "visually-hidden", text: "Statement " }), `${item.number}. ${item.text}`),
    el("div", { class: "choices" }, ...responses.map((r) => {
      const input = el("input", { type: "radio", name: item.id, value: r.value, checked: saved === r.value });
      input.addEventListener("change", () => answered(item.id, r.value));
      return el("label", {}, input, el("span", { text: r.label }));
    })));
}

function answered(itemId, value) {
  const now = performance.now();
  times[itemId] = (times[itemId] ?? 0) + Math.max(0, now - mark);
  mark = now;
  state.answers[itemId] = value;
  const fieldset = document.querySelector(`fieldset[data-item="${itemId}"]`);
  fieldset?.removeAttribute("data-blank");
  const total = Number($("progress").max);
  $("progress").value = answeredCount();
  $("progress-label").textContent = `${answeredCount()} of ${total} statements answered`;
}

function pageAnswers() {
  const answers = {};
  for (const item of state.questionnaire.pages[pageIndex]) {
    const checked = document.querySelector(`input[name="${item.id}"]:checked`);
    answers[item.id] = checked ? Number(checked.value) : null;
  }
  return answers;
}

async function savePage() {
  const answers = pageAnswers();
  const roundedTimes = Object.fromEntries(Object.entries(times).map(([id, ms]) => [id, Math.round(ms)]));
  $("saving").textContent = "Saving…";
  const saved = await api(`/hiring/api/candidate/pages/${pageIndex}`, { method: "PUT", body: { answers, times_ms: roundedTimes } });
  Object.assign(state.answers, answers);
  state.saved_pages = saved.saved_pages;
  state.next_page = saved.next_page;
  $("saving").textContent = `Page ${pageIndex + 1} saved.`;
}

$("page-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  error.hidden = true;
  const blanks = Object.entries(pageAnswers()).filter(([, v]) => v === null).map(([id]) => id);
  if (blanks.length && !warnedBlank) {
    // Blanks are allowed (scores need 8 of a scale's 10), but never by accident.
    warnedBlank = true;
    for (const id of blanks) document.querySelector(`fieldset[data-item="${id}"]`)?.setAttribute("data-blank", "true");
    const numbers = state.questionnaire.pages[pageIndex].filter((i) => blanks.includes(i.id)).map((i) => i.number);
    $("blank-warning").textContent = `Statement${numbers.length > 1 ? "s" : ""} ${numbers.join(", ")} ${numbers.length > 1 ? "have" : "has"} no answer. Answer ${numbers.length > 1 ? "them" : "it"}, or press the button again to leave ${numbers.length > 1 ? "them" : "it"} blank.`;
    $("blank-warning").hidden = false;
    document.querySelector(`input[name="${blanks[0]}"]`)?.focus();
    return;
  }
  $("next").disabled = true;
  try {
    await savePage();
    const last = pageIndex === state.questionnaire.pages.length - 1;
    if (last) {
      const missing = state.questionnaire.pages.map((_, i) => i).filter((i) => !state.saved_pages.includes(i));
      if (missing.length) {
        pageIndex = missing[0];
        renderPage();
        return;
      }
      const done = await api("/hiring/api/candidate/complete", { method: "POST" });
      state.completed_at = done.completed_at;
      show("done-view");
    } else {
      pageIndex += 1;
      renderPage();
    }
  } catch (failure) {
    showError(error, failure);
  } finally {
    $("next").disabled = false;
  }
});

$("back").addEventListener("click", async () => {
  error.hidden = true;
  try {
    await savePage();
    pageIndex -= 1;
    renderPage();
  } catch (failure) {
    showError(error, failure);
  }
});

$("agree").addEventListener("click", async () => {
  try {
    await api("/hiring/api/candidate/consent", { method: "POST" });
    state.consented_at = Date.now() / 1000;
    pageIndex = 0;
    renderPage();
  } catch (failure) {
    showError(error, failure);
  }
});

$("decline").addEventListener("click", () => {
  $("declined").hidden = false;
  $("decline-delete").focus();
});

async function deleteData(button) {
  if (button.dataset.armed !== "1") {
    button.dataset.armed = "1";
    button.textContent = "Press again to delete for good";
    return;
  }
  try {
    await api("/hiring/api/candidate", { method: "DELETE" });
    show("deleted-view");
  } catch (failure) {
    showError(error, failure);
  }
}

$("decline-delete").addEventListener("click", (event) => deleteData(event.currentTarget));
$("delete").addEventListener("click", (event) => deleteData(event.currentTarget));

start().catch((failure) => {
  $("loading").hidden = true;
  if (failure instanceof ApiError && failure.status === 401) {
    showError(error, "Open the link from your invitation to start or continue the questionnaire.");
  } else {
    showError(error, failure);
  }
});
