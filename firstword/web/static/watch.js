// The observer page: one session, read-only, live, over Server-Sent Events.
//
// The token comes in the link's fragment (#token=…), which browsers never send to a server, and
// is removed from the address bar at once. EventSource reconnects by itself with Last-Event-ID;
// when the server ends a stream with an error event (this reader fell behind), the page opens a
// new one from the last event it showed.

import { $, pageView, pinLatest } from "./common.js";

const sessionId = decodeURIComponent(location.pathname.split("/").filter(Boolean).at(-1) ?? "");
const token = new URLSearchParams(location.hash.slice(1)).get("token") ?? sessionStorage.getItem(`firstword.watch.${sessionId}`);
if (token) sessionStorage.setItem(`firstword.watch.${sessionId}`, token);
history.replaceState(null, "", location.pathname);

const view = pageView();
const state = { source: null, ended: false };
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

const TYPES = [
  "session.ready", "profile.updated", "speech.started", "speech.ended", "transcript.interim", "transcript.final",
  "user.transcript.interim", "user.transcript.final", "message", "answer.started", "answer.delta", "answer.done",
  "answer.cancelled", "turn.latency", "session.closed",
];

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
  const source = new EventSource(`/sessions/${encodeURIComponent(sessionId)}/events?token=${encodeURIComponent(token)}&after=${view.lastSeq}`);
  state.source = source;
  source.onopen = () => setStatus("live");
  for (const type of TYPES) {
    source.addEventListener(type, (message) => {
      const event = JSON.parse(message.data);
      view.apply(event);
      if (event.type === "session.closed") {
        setStatus("ended");
        source.close();
        state.ended = true;
      }
    });
  }
  source.addEventListener("error", async (message) => {
    if (state.ended) return;
    if (message.data) {
      // An error event from the server: the stream ends after it.
      const event = JSON.parse(message.data);
      if (event.data?.code === "revoked") return fail("The owner revoked this link.");
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

if (!token) fail("This link has no token: ask the session's owner for a new one.");
else open();
