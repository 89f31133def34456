// The copilot overlay: profile, audio capture, the live transcript and the answers as they stream.

import { $, api, Capture, el, microphone, pageView, pinLatest as pinLatestAnswer, SocketStream, toggleLatestDrafts } from "./common.js";
import { CloseCode, ControlType, EventType } from "./protocol.js";

const STORAGE_KEY = "firstword.session";
const state = {
  session: null, // {session_id, owner_token, ws_url}
  stream: null, // the main WebSocket: interviewer audio up, events down
  userStream: null, // the microphone's WebSocket when both sources are captured
  captures: [],
  listening: false,
  paused: false,
};

const view = pageView();
// For tests and for anyone curious in the console: read-only facts about the page.
window.firstword = { view, state };

// ----- status and messages ------------------------------------------------------------------

function setStatus(text) {
  const status = $("status");
  status.textContent = state.paused && text === "live" ? "paused" : text;
  status.dataset.state = state.paused && text === "live" ? "paused" : text;
}

let toastTimer = null;
function toast(message, kind = "error") {
  const box = $("toast");
  box.textContent = message;
  box.dataset.kind = kind;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (box.hidden = true), kind === "error" ? 10000 : 4000);
}

view.onChange((event) => {
  if (event.type === EventType.ERROR) toast(event.data?.message ?? "error");
  if (event.type === EventType.SESSION_READY && event.data?.warm_error) toast(`model warm-up failed: ${event.data.warm_error}`);
  if (event.type === EventType.SESSION_CLOSED) {
    setStatus("ended");
    stopCapture();
  }
});

// ----- profile form -------------------------------------------------------------------------

const STORY_FIELDS = ["title", "situation", "task", "action", "result"];

function addStory(story = {}) {
  const index = $("stories").children.length + 1;
  const fields = STORY_FIELDS.map((name) => {
    const id = `story-${index}-${name}`;
    const input =
      name === "title"
        ? el("input", { id, name, type: "text", value: story[name] ?? "" })
        : el("textarea", { id, name, rows: 2 });
    if (name !== "title") input.value = story[name] ?? "";
    return el("label", { for: id, class: `story-${name}` }, el("span", { text: name[0].toUpperCase() + name.slice(1) }), input);
  });
  const remove = el("button", { type: "button", class: "remove", text: "Remove story" });
  const item = el("fieldset", { class: "story" }, el("legend", { text: `Story ${index}` }), ...fields, remove);
  remove.addEventListener("click", () => item.remove());
  $("stories").append(item);
  return item;
}

/** "### title / Situation: … / Task: …" (how the server keeps a story) back into its parts. */
function parseStory(text) {
  const story = {};
  let current = "situation";
  for (const line of text.split("\n")) {
    const heading = line.match(/^#+\s*(.*)$/);
    const part = line.match(/^(Situation|Task|Action|Result):\s*(.*)$/i);
    if (heading) story.title = heading[1].trim();
    else if (part) {
      current = part[1].toLowerCase();
      story[current] = part[2];
    } else if (line.trim()) story[current] = story[current] ? `${story[current]}\n${line}` : line;
  }
  return story;
}

function fillProfile(profile) {
  $("resume").value = profile.resume ?? "";
  $("job").value = profile.job_description ?? "";
  $("notes").value = profile.notes ?? "";
  $("stories").replaceChildren();
  for (const story of profile.stories ?? []) addStory(typeof story === "string" ? parseStory(story) : story);
}

function readProfile() {
  const stories = [...$("stories").querySelectorAll("fieldset.story")]
    .map((item) => Object.fromEntries(STORY_FIELDS.map((name) => [name, item.querySelector(`[name=${name}]`).value.trim()])))
    .filter((story) => STORY_FIELDS.some((name) => story[name]));
  return {
    resume: $("resume").value.trim(),
    job_description: $("job").value.trim(),
    notes: $("notes").value.trim(),
    stories,
  };
}

$("add-story").addEventListener("click", () => addStory().querySelector("input").focus());

$("load-sample").addEventListener("click", async () => {
  try {
    fillProfile(await api("/profile/sample"));
    toast("Sample profile loaded", "info");
  } catch (error) {
    toast(`Could not load the sample profile: ${error.message}`);
  }
});

$("resume-file").addEventListener("change", async (change) => {
  const file = change.target.files[0];
  if (!file) return;
  const form = new FormData();
  form.append("file", file);
  try {
    const result = await api("/profile/extract", { method: "POST", form });
    $("resume").value = result.text;
    toast(`Resume read: ${result.chars} characters from ${file.name}`, "info");
  } catch (error) {
    toast(`Could not read ${file.name}: ${error.message}`);
  }
  change.target.value = "";
});

// ----- session --------------------------------------------------------------------------------

$("setup").addEventListener("submit", async (submit) => {
  submit.preventDefault();
  if (state.session) {
    await saveProfile();
    return;
  }
  $("start").disabled = true;
  try {
    const session = await api("/sessions", { method: "POST", body: { profile: readProfile() } });
    state.session = { session_id: session.session_id, owner_token: session.owner_token, ws_url: session.ws_url };
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(state.session));
    connect();
    await startCapture($("setup").elements.source.value);
  } catch (error) {
    toast(`Could not start: ${error.message}`);
  } finally {
    $("start").disabled = false;
  }
});

async function saveProfile() {
  try {
    await api(`/sessions/${state.session.session_id}/profile`, {
      method: "PUT",
      token: state.session.owner_token,
      body: readProfile(),
    });
    toast("Profile saved; the next answer uses it", "info");
  } catch (error) {
    toast(`Could not save the profile: ${error.message}`);
  }
}

function connect() {
  const { ws_url, owner_token } = state.session;
  state.stream = new SocketStream({
    url: `${ws_url}?token=${encodeURIComponent(owner_token)}`,
    after: () => view.lastSeq,
    onEvent: (event) => view.apply(event),
    onStatus: setStatus,
    onFatal: (reason, code) => {
      toast(
        code === CloseCode.REPLACED
          ? "This session now listens in another window or tab; this one has stopped."
          : `The session ended: ${reason}`,
      );
      if (code === CloseCode.FORBIDDEN || code === CloseCode.NOT_FOUND) forget();
      stopCapture();
    },
  });
  state.stream.open();
  document.body.dataset.phase = "live";
  $("start").textContent = "Save profile";
  $("profile-panel").open = false;
}

function forget() {
  sessionStorage.removeItem(STORAGE_KEY);
}

async function resumeStoredSession() {
  const stored = sessionStorage.getItem(STORAGE_KEY);
  if (!stored) return;
  try {
    const session = JSON.parse(stored);
    const info = await api(`/sessions/${session.session_id}`, { token: session.owner_token });
    state.session = session;
    if (info.profile) fillProfile(info.profile);
    connect();
    $("listen").textContent = "Start listening";
    toast("Reconnected to your session; press Start listening to go on", "info");
  } catch {
    forget();
  }
}

// ----- audio ----------------------------------------------------------------------------------

async function tabAudio() {
  // Browsers only share a tab's or the screen's audio together with its video.
  const media = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: true });
  if (media.getAudioTracks().length === 0) {
    for (const track of media.getTracks()) track.stop();
    throw new Error('no audio was shared: pick a tab and tick "Share tab audio"');
  }
  return media;
}

async function startCapture(source) {
  stopCapture();
  const main = state.stream;
  try {
    if (source === "mic") {
      state.captures.push(new Capture(await microphone(), (frame) => main.sendAudio(frame)));
    } else if (source === "tab") {
      state.captures.push(new Capture(await tabAudio(), (frame) => main.sendAudio(frame)));
    } else {
      // Both: the tab is the interviewer (answered); the microphone is the user (transcribed, labelled "You").
      const tab = await tabAudio();
      const mic = await microphone();
      state.userStream = new SocketStream({
        url: `${state.session.ws_url}?token=${encodeURIComponent(state.session.owner_token)}&source=user`,
        after: () => view.lastSeq,
        onEvent: (event) => event.type === EventType.ERROR && toast(`microphone: ${event.data?.message}`),
        onStatus: () => {},
        onFatal: (reason) => toast(`microphone connection closed: ${reason}`),
      });
      state.userStream.open();
      const user = state.userStream;
      state.captures.push(new Capture(tab, (frame) => main.sendAudio(frame)));
      state.captures.push(new Capture(mic, (frame) => user.sendAudio(frame)));
    }
    for (const capture of state.captures) await capture.start();
    state.listening = true;
    state.paused = false;
    updateListenButton();
    setStatus(state.stream?.ws?.readyState === WebSocket.OPEN ? "live" : "connecting");
  } catch (error) {
    stopCapture();
    toast(`Could not capture audio: ${error.message}`);
  }
}

function stopCapture() {
  for (const capture of state.captures) capture.stop();
  state.captures = [];
  state.userStream?.close();
  state.userStream = null;
  state.listening = false;
  updateListenButton();
}

function updateListenButton() {
  const button = $("listen");
  button.textContent = !state.listening ? "Start listening" : state.paused ? "Resume listening" : "Pause listening";
  button.setAttribute("aria-pressed", String(state.listening && state.paused));
}

async function toggleListening() {
  if (!state.session) return;
  if (!state.listening) {
    await startCapture($("setup").elements.source.value);
    return;
  }
  state.paused = !state.paused;
  for (const capture of state.captures) capture.setEnabled(!state.paused);
  if (state.paused) {
    // Whatever was being said is finished as if silence followed, so it is answered now.
    state.stream.sendJson({ type: ControlType.END });
    state.userStream?.sendJson({ type: ControlType.END });
  }
  updateListenButton();
  setStatus(state.stream?.ws?.readyState === WebSocket.OPEN ? "live" : "reconnecting");
}

$("listen").addEventListener("click", toggleListening);

// ----- answers: pin, clear, ask, stop ----------------------------------------------------------

function pinLatest() {
  pinLatestAnswer(view)?.pinButton.focus();
}

$("pin-latest").addEventListener("click", pinLatest);
$("clear").addEventListener("click", () => view.clear());
$("stop").addEventListener("click", () => state.stream?.sendJson({ type: ControlType.STOP }));

$("ask").addEventListener("submit", async (submit) => {
  submit.preventDefault();
  const text = $("ask-text").value.trim();
  if (!text || !state.session) return;
  try {
    await api(`/sessions/${state.session.session_id}/messages`, {
      method: "POST",
      token: state.session.owner_token,
      body: { text },
    });
    $("ask-text").value = "";
  } catch (error) {
    toast(`Could not ask: ${error.message}`);
  }
});

// ----- sharing --------------------------------------------------------------------------------

$("invite").addEventListener("click", async () => {
  if (!state.session) return;
  try {
    const grant = await api(`/sessions/${state.session.session_id}/observers`, {
      method: "POST",
      token: state.session.owner_token,
      body: { label: "shared from the overlay" },
    });
    $("watch-url").value = grant.watch_url;
    $("share").hidden = false;
    $("watch-url").select();
    $("watch-url").focus();
  } catch (error) {
    toast(`Could not create a link: ${error.message}`);
  }
});

$("copy-watch").addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText($("watch-url").value);
    toast("Link copied", "info");
  } catch {
    $("watch-url").select(); // clipboard refused (no secure context): the link is selected instead
  }
});

// ----- keyboard -------------------------------------------------------------------------------

const SHORTCUTS = {
  KeyL: toggleListening,
  KeyP: pinLatest,
  KeyC: () => view.clear(),
  KeyS: () => state.stream?.sendJson({ type: ControlType.STOP }),
  KeyD: () => toggleLatestDrafts(view),
};

document.addEventListener("keydown", (key) => {
  const typing = key.target.closest?.("input, textarea, select, [contenteditable]");
  const action = SHORTCUTS[key.code];
  if (!action || key.ctrlKey || key.metaKey) return;
  // Alt+key works everywhere; the bare key only when not typing.
  if (key.altKey || (!typing && !key.shiftKey)) {
    key.preventDefault();
    action();
  }
});

updateListenButton();
resumeStoredSession();
