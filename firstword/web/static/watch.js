// The observer page: one session, read-only, live, over Server-Sent Events. A board room
// conversation is shown as the board room shows it, a practice interview as the practice page
// does (text only: observers never get Nova's audio), anything else as the overlay.
//
// The token comes in the link's fragment (#token=…), which browsers never send to a server, and
// is removed from the address bar at once. EventSource reconnects by itself with Last-Event-ID;
// when the server ends a stream with an error event (this reader fell behind), the page opens a
// new one from the last event it showed.

import { BoardView } from "./board.js";
import { $, el, pageView, pinLatest, toggleLatestDrafts } from "./common.js";
import { PracticeView } from "./practice.js";
import { ErrorCode, EventType, LOG_EVENT_TYPES } from "./protocol.js";

const sessionId = decodeURIComponent(location.pathname.split("/").filter(Boolean).at(-1) ?? "");
const token = new URLSearchParams(location.hash.slice(1)).get("token") ?? sessionStorage.getItem(`firstword.watch.${sessionId}`);
if (token) sessionStorage.setItem(`firstword.watch.${sessionId}`, token);
history.replaceState(null, "", location.pathname);

const view = pageView();
const state = { source: null, ended: false, board: null, practice: null };
window.firstword = { view, state };

function setStatus(text) {
  $("status").textContent = text;
  $("status").dataset.state = text;
}

function fail(message) {
  state.ended = true;
  state.source?.close();
  setStatus("ended");
  const box = $("toast");
  box.textContent = message;
  box.dataset.kind = "error";
  box.hidden = false;
}

// "error" is heard by the listener below, which tells the log's errors (they have a sequence
// number: shown like any event) from this stream's own (none: the stream ends after them).
const TYPES = LOG_EVENT_TYPES.filter((type) => type !== EventType.ERROR);

function show(event) {
  (state.board ?? state.practice ?? view).apply(event);
  if (event.type === EventType.SESSION_CLOSED) {
    setStatus("ended");
    state.source?.close();
    state.ended = true;
  }
}

async function explain() {
  // EventSource does not expose the status of a refused connection; ask the same URL plainly.
  try {
    const response = await fetch(`/sessions/${encodeURIComponent(sessionId)}?token=${encodeURIComponent(token)}`);
    if (response.ok) return null;
    const body = await response.json().catch(() => null);
    return body?.error?.message ?? `${response.status}`;
  } catch {
    return null; // the network: EventSource keeps trying by itself
  }
}

function open() {
  const source = new EventSource(`/sessions/${encodeURIComponent(sessionId)}/events?token=${encodeURIComponent(token)}&after=${(state.board ?? state.practice ?? view).lastSeq}`);
  state.source = source;
  source.onopen = () => setStatus("live");
  for (const type of TYPES) {
    source.addEventListener(type, (message) => show(JSON.parse(message.data)));
  }
  source.addEventListener(EventType.ERROR, async (message) => {
    if (state.ended) return;
    if (message.data) {
      const event = JSON.parse(message.data);
      if (event.seq !== null && event.seq !== undefined) return show(event); // e.g. the model failed
      // This stream's own error: the server ends the stream after it.
      if (event.data?.code === ErrorCode.REVOKED) return fail("The owner revoked this link.");
      source.close();
      setStatus("reconnecting");
      setTimeout(open, 100);
      return;
    }
    setStatus("reconnecting");
    if (source.readyState === EventSource.CLOSED) {
      const reason = await explain();
      if (reason) return fail(`Cannot watch this session: ${reason}`);
      setTimeout(open, 1000);
    }
  });
}

const SHORTCUTS = {
  KeyP: () => pinLatest(view),
  KeyC: () => view.clear(),
  KeyD: () => toggleLatestDrafts(view),
};
$("pin-latest").addEventListener("click", SHORTCUTS.KeyP);
$("clear").addEventListener("click", SHORTCUTS.KeyC);
document.addEventListener("keydown", (key) => {
  const action = SHORTCUTS[key.code];
  if (action && !key.ctrlKey && !key.metaKey && !key.target.closest?.("input, textarea")) {
    key.preventDefault();
    action();
  }
});

/** A practice interview is shown as the practice page shows it; a board room conversation (its
 * persona is one of the board's advisors) as the board room does: a bubble per advisor, tool
 * progress, action items; anything else as the overlay. */
async function chooseView() {
  try {
    const [info, listed] = await Promise.all(
      [`/sessions/${encodeURIComponent(sessionId)}?token=${encodeURIComponent(token)}`, "/personas"].map(async (url) => {
        const response = await fetch(url);
        return response.ok ? response.json() : null;
      }),
    );
    if (!info || !listed) return;
    const persona = (listed.personas ?? []).find((p) => p.id === info.persona);
    if (info.mode === "practice" || (info.mode === undefined && persona?.voice)) return practiceMode();
    if (!(listed.board ?? []).includes(info.persona)) return;
    state.board = new BoardView({ transcript: $("board-transcript"), actions: $("board-actions"), personas: listed.personas ?? [] });
    window.firstword.board = state.board;
    document.querySelector("main").hidden = true;
    document.querySelector(".bar .live-only").hidden = true;
    $("board-view").hidden = false;
    document.title = "firstword · watching the board room";
  } catch {
    // The usual view, and open() explains what went wrong.
  }
}

/** A practice interview: Nova's questions, the candidate's answers, the feedback and the report. */
function practiceMode() {
  state.practice = new PracticeView($("practice"));
  window.firstword.practice = state.practice;
  document.querySelector("main").hidden = true;
  document.querySelector(".bar .live-only").hidden = true;
  $("practice").hidden = false;
  document.querySelector(".bar .brand").append(" ", el("span", { class: "brand-sub", text: "practice interview" }));
  document.querySelector(".skip").setAttribute("href", "#practice-conversation-title");
  document.querySelector(".skip").textContent = "Skip to the conversation";
  document.title = "firstword · watching a practice interview";
}

if (!token) fail("This link has no token: ask the session's owner for a new one.");
else chooseView().then(open);
