// What the pages share: the session's event view, the resumable event streams (binary frames
// down, practice mode's voice, go to ``onBinary``), the microphone capture, small helpers.
//
// Every event has a gap-free sequence number. The view applies each number once (a replay after
// a reconnect repeats nothing on screen) and remembers the last one, which is where a
// reconnecting stream resumes.

import { AnswerTrigger, CancelReason, CloseCode, ControlType, EventType, FATAL_CLOSE_CODES, RetractReason } from "./protocol.js";

export const $ = (id) => document.getElementById(id);

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

/** JSON over HTTP with the session's token; errors carry the server's message. */
/** Downloads what ``path`` answers (the owner's export of a board or a report) as a file: the
 * token goes in a header, so a plain link cannot do it. Throws an Error with ``status`` and the
 * server's message when refused. */
export async function downloadFile(path, token, fallbackName) {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${token}` } });
  if (!response.ok) {
    const body = await response.json().catch(() => null);
    const error = new Error(body?.error?.message ?? response.statusText);
    error.status = response.status;
    throw error;
  }
  const named = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "");
  const url = URL.createObjectURL(await response.blob());
  const link = el("a", { href: url, download: named?.[1] ?? fallbackName, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export async function api(path, { token, method = "GET", body, form } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    body: form ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    payload = null;
  }
  if (!response.ok) {
    const message = payload?.error?.message ?? payload?.detail ?? `${response.status} ${response.statusText}`;
    const error = new Error(typeof message === "string" ? message : JSON.stringify(message));
    error.status = response.status;
    throw error;
  }
  return payload;
}

const CANCEL_TEXT = {
  [CancelReason.TRANSCRIPT_CHANGED]: "cancelled: the final transcript changed the question",
  [CancelReason.SPEAKER_CONTINUED]: "cancelled: the speaker went on; the next answer covers the whole question",
  [CancelReason.STOPPED]: "stopped",
  [CancelReason.DISCONNECTED]: "cancelled: nobody was connected",
  [CancelReason.ERROR]: "failed: the model returned an error",
  [CancelReason.SUPERSEDED]: "cut short: the next question came",
};

const TRIGGER_TEXT = {
  [AnswerTrigger.SPECULATIVE]: "started during the pause",
  [AnswerTrigger.INTERIM]: "started on the interim transcript",
  [AnswerTrigger.FINAL]: "started on the final transcript",
  [AnswerTrigger.MESSAGE]: "typed question",
  [AnswerTrigger.PREFETCHED]: "ready before you asked",
};

const ms = (value) => (value === null || value === undefined ? null : `${Math.round(value)} ms`);

/** "412 ms" headline and its parts, from a turn.latency event's data. */
export function latencyParts(data) {
  const parts = [
    ["endpoint", data.endpoint_delay_ms],
    ["STT", data.stt_final_ms],
    ["LLM first token", data.llm_ttft_ms],
    ["head start", data.lead_ms],
    ["prepared", data.prepared_ago_ms === null || data.prepared_ago_ms === undefined ? null : `${ms(data.prepared_ago_ms)} before`],
  ]
    .filter(([, value]) => value !== null && value !== undefined)
    .map(([name, value]) => `${name} ${typeof value === "string" ? value : ms(value)}`);
  return { headline: ms(data.e2e_first_word_ms), parts };
}

const RETRACT_TEXT = {
  [RetractReason.UNSUPPORTED]: "not in your profile",
  [RetractReason.ECHO]: "repeats the instructions",
  [RetractReason.SELF_REFERENCE]: "the model spoke about itself",
  [RetractReason.DEGENERATE]: "garbled",
};

/** Renders a session's events: what was heard, and one answer card per question. */
export class SessionView {
  constructor({ transcript, interim, answers, pinned, status }) {
    this.transcriptEl = transcript;
    this.interimEl = interim;
    this.answersEl = answers;
    this.pinnedEl = pinned;
    this.statusEl = status;
    this.lastSeq = 0;
    this.cards = new Map(); // answer_id → the card of its turn
    this.turnCards = new Map(); // turn → card
    this.finals = new Map(); // seq of a shown final → its element
    this.turnLines = new Map(); // turn → element holding its heard lines
    this.listeners = new Set();
    this.closed = false;
  }

  onChange(listener) {
    this.listeners.add(listener);
  }

  apply(event) {
    if (event.seq !== null && event.seq !== undefined) {
      if (event.seq <= this.lastSeq) return; // already shown: a replay after a reconnect
      this.lastSeq = event.seq;
    }
    const data = event.data ?? {};
    switch (event.type) {
      case EventType.TRANSCRIPT_INTERIM:
        this.showInterim("interviewer", data);
        break;
      case EventType.USER_TRANSCRIPT_INTERIM:
        this.showInterim("user", data);
        break;
      case EventType.TRANSCRIPT_FINAL:
        this.addFinal(event, "interviewer");
        break;
      case EventType.USER_TRANSCRIPT_FINAL:
        this.addFinal(event, "user");
        break;
      case EventType.MESSAGE:
        this.addLine(event.turn, "typed", data.text, event.seq);
        break;
      case EventType.SPEECH_STARTED:
        this.setActivity("speaking…");
        break;
      case EventType.SPEECH_ENDED:
        this.setActivity("");
        break;
      case EventType.ANSWER_STARTED:
        this.startAnswer(event);
        break;
      case EventType.ANSWER_DELTA:
        this.card(data.answer_id)?.append(data.answer_id, data.text);
        break;
      case EventType.ANSWER_DONE:
        this.card(data.answer_id)?.done(data.answer_id, data.text);
        break;
      case EventType.ANSWER_CANCELLED:
        this.card(data.answer_id)?.cancel(data.answer_id, data.reason, data.text);
        break;
      case EventType.ANSWER_RETRACTED:
        this.card(data.answer_id)?.retract(data.answer_id, data);
        break;
      case EventType.ANSWER_CORRECTED:
        this.card(data.answer_id)?.correct(data.answer_id, data);
        break;
      case EventType.TURN_LATENCY:
        this.turnCards.get(event.turn)?.latency(data);
        break;
      case EventType.SESSION_CLOSED:
        this.closed = true;
        break;
      default:
        break;
    }
    for (const listener of this.listeners) listener(event);
  }

  setActivity(text) {
    if (this.statusEl) this.statusEl.dataset.activity = text;
  }

  showInterim(speaker, data) {
    const text = `${data.stable ?? ""}${data.unstable ? " " : ""}${data.unstable ?? ""}`.trim() || data.text || "";
    this.interimEl.replaceChildren(
      el("span", { class: `who ${speaker}`, text: speaker === "user" ? "You" : "Interviewer" }),
      el("span", { class: "stable", text: data.stable ?? "" }),
      el("span", { class: "unstable", text: data.stable ? ` ${data.unstable ?? ""}` : text }),
    );
    this.interimEl.hidden = !text;
  }

  turnBlock(turn) {
    const key = turn ?? "none";
    let block = this.turnLines.get(key);
    if (!block) {
      block = el("div", { class: "heard-turn", "data-turn": key });
      this.turnLines.set(key, block);
      this.transcriptEl.append(block);
    }
    return block;
  }

  addLine(turn, speaker, text, seq) {
    const label = { interviewer: "Interviewer", user: "You", typed: "You asked" }[speaker];
    const line = el(
      "p",
      { class: `heard ${speaker}`, "data-seq": seq },
      el("span", { class: `who ${speaker}`, text: label }),
      el("span", { class: "words", text }),
    );
    this.turnBlock(turn).append(line);
    this.transcriptEl.scrollTop = this.transcriptEl.scrollHeight;
    return line;
  }

  addFinal(event, speaker) {
    const data = event.data;
    const line = this.addLine(event.turn, speaker, data.text, event.seq);
    // A final that re-transcribed earlier pieces of the turn takes their place on screen (where
    // the first of them stood: a later segment's line may already follow it).
    const first = (data.replaces ?? []).map((seq) => this.finals.get(seq)).find((old) => old?.isConnected);
    first?.before(line);
    for (const old of data.replaces ?? []) {
      this.finals.get(old)?.remove();
      this.finals.delete(old);
    }
    this.finals.set(event.seq, line);
    this.interimEl.replaceChildren();
    this.interimEl.hidden = true;
  }

  card(answerId) {
    return this.cards.get(answerId);
  }

  /** One card per question: a restart replaces the text where it stands. */
  startAnswer(event) {
    const data = event.data;
    let card = this.turnCards.get(event.turn);
    if (!card) {
      card = new AnswerCard(event.turn);
      this.turnCards.set(event.turn, card);
      this.answersEl.prepend(card.node);
    }
    card.start(data.answer_id, data.trigger, data.question, data.prepared_for, data.answered_live, data.follows);
    this.cards.set(data.answer_id, card);
  }

  latestCard() {
    return [...this.turnCards.values()].filter((c) => c.node.isConnected && c.text).at(-1);
  }

  /** Empties the screen (not the session): pinned answers stay. */
  clear() {
    for (const [turn, card] of this.turnCards) {
      if (!card.pinned) {
        card.node.remove();
        this.turnCards.delete(turn);
        for (const [id, c] of this.cards) if (c === card) this.cards.delete(id);
      }
    }
    this.transcriptEl.replaceChildren();
    this.turnLines.clear();
    this.finals.clear();
    this.interimEl.replaceChildren();
    this.interimEl.hidden = true;
  }

  togglePin(card) {
    if (!card) return;
    card.pinned = !card.pinned;
    card.node.classList.toggle("pinned", card.pinned);
    card.pinButton.textContent = card.pinned ? "Unpin" : "Pin";
    card.pinButton.setAttribute("aria-pressed", String(card.pinned));
    if (card.pinned) this.pinnedEl.prepend(card.node);
    else this.answersEl.prepend(card.node);
    this.pinnedEl.closest("section").hidden = this.pinnedEl.children.length === 0;
  }
}

/** The view over the elements both pages share (by id), with its Pin buttons wired up. */
export function pageView() {
  const view = new SessionView({
    transcript: $("transcript"),
    interim: $("interim"),
    answers: $("answers"),
    pinned: $("pinned"),
    status: $("status"),
  });
  for (const list of [view.answersEl, view.pinnedEl]) {
    list.addEventListener("click", (click) => {
      const button = click.target.closest("button.pin");
      if (button) view.togglePin(view.turnCards.get(Number(button.closest("li.answer").dataset.turn)));
    });
  }
  return view;
}

/** Pins (or unpins) the newest answer, if there is one; returns its card. */
export function pinLatest(view) {
  const card = view.latestCard();
  if (card) view.togglePin(card);
  return card;
}

/** Opens (or closes) the earlier drafts of the newest answer: one keypress away. */
export function toggleLatestDrafts(view) {
  const card = view.latestCard();
  if (card && card.draftsBox.hidden === false) {
    card.draftsBox.open = !card.draftsBox.open;
    if (card.draftsBox.open) card.draftsBox.querySelector("summary")?.focus();
  }
  return card;
}

/** One question's answer. Its current draft is shown; the drafts it replaced are one click away. */
export class AnswerCard {
  constructor(turn) {
    this.turn = turn;
    this.id = null; // the answer shown now
    this.text = "";
    this.pinned = false;
    this.drafts = []; // earlier answers to this question: {id, text, why}
    this.amendments = []; // {start, end, reason, evidence} retracted; {start, end, text} corrected
    this.questionNode = el("span", { class: "question" });
    this.triggerNode = el("span", { class: "trigger" });
    this.textNode = el("p", { class: "answer-text", "data-testid": "answer-text" });
    this.notes = el("p", { class: "notes" });
    this.timing = el("p", { class: "latency", "data-testid": "latency" });
    this.draftsList = el("ol", { class: "draft-list" });
    this.draftsSummary = el("summary", { text: "" });
    this.draftsBox = el("details", { class: "drafts", hidden: true }, this.draftsSummary, this.draftsList);
    this.pinButton = el("button", { type: "button", class: "pin", "aria-pressed": "false", text: "Pin" });
    this.node = el(
      "li",
      { class: "answer", "data-turn": turn, tabindex: "-1" },
      el("div", { class: "answer-head" }, this.questionNode, this.triggerNode, this.pinButton),
      this.textNode,
      this.notes,
      this.draftsBox,
      this.timing,
    );
  }

  start(id, trigger, question, preparedFor = null, answeredLive = null, follows = null) {
    if (this.id !== null && this.id !== id) {
      // A restart: the answer shown so far becomes an earlier draft, out of the way.
      this.keepDraft(this.lastWhy ?? "replaced by a newer answer");
    }
    this.id = id;
    this.text = "";
    this.amendments = [];
    this.lastWhy = null;
    this.node.dataset.answerId = id;
    this.node.dataset.trigger = trigger;
    this.node.className = `answer streaming${this.pinned ? " pinned" : ""}`;
    this.questionNode.textContent = question ?? "";
    // A follow-up ("How did she take that?") answered about the question before it.
    this.questionNode.title = follows ? `a follow-up to: ${follows}` : "";
    // A turn that asked several things, some predicted: the prepared part, then the rest live.
    this.triggerNode.textContent = `${TRIGGER_TEXT[trigger] ?? trigger}${answeredLive ? ", the rest live" : ""}`;
    // A prefetched answer says which predicted question it was written for.
    this.triggerNode.title = preparedFor
      ? `prepared for: ${preparedFor}${answeredLive ? `; answered live: ${answeredLive}` : ""}`
      : "";
    this.notes.replaceChildren();
    this.render();
  }

  keepDraft(why) {
    if (this.text.trim()) this.drafts.push({ id: this.id, text: this.text.trim(), why });
    this.draftsList.replaceChildren(
      ...this.drafts.map((d) =>
        el("li", { class: "draft", "data-answer-id": d.id }, el("span", { class: "draft-why", text: `${d.why}: ` }), el("s", { text: d.text })),
      ),
    );
    const n = this.drafts.length;
    this.draftsSummary.textContent = `${n} earlier draft${n === 1 ? "" : "s"}`;
    this.draftsBox.hidden = n === 0;
  }

  append(id, text) {
    if (id !== this.id) return; // a late word of a draft already replaced
    this.text += text;
    this.render();
  }

  done(id, text) {
    if (id !== this.id) return;
    if (typeof text === "string" && text.trim() !== this.text.trim()) this.text = text;
    this.node.classList.remove("streaming");
    this.node.classList.add("done");
    this.render();
  }

  cancel(id, reason, text) {
    if (id !== this.id) return;
    this.node.classList.remove("streaming");
    if (reason === CancelReason.TRANSCRIPT_CHANGED || reason === CancelReason.SPEAKER_CONTINUED) {
      // Calm: the text stays where it is, dimmed, until the revised answer replaces it.
      this.node.classList.add("revising");
      this.lastWhy =
        reason === CancelReason.SPEAKER_CONTINUED ? "the speaker went on" : "the final transcript changed the question";
      this.note(reason === CancelReason.SPEAKER_CONTINUED ? "revising: the question went on" : "revising: the question changed", "revise");
      return;
    }
    this.node.classList.add("cancelled", `cancel-${reason}`);
    this.note(CANCEL_TEXT[reason] ?? `cancelled: ${reason}`, "cancel");
  }

  retract(id, data) {
    if (id !== this.id) return;
    this.amendments.push({ kind: "retracted", ...data });
    this.node.classList.add("amended");
    this.render();
  }

  correct(id, data) {
    if (id !== this.id) return;
    this.amendments.push({ kind: "corrected", ...data });
    this.render();
  }

  note(message, kind) {
    this.notes.replaceChildren(el("span", { class: `note ${kind}`, text: message }));
  }

  /** The text, with each retracted sentence struck through where it stood, its reason beside
   * it (reachable by keyboard), and the correction after it. */
  render() {
    // Offsets count in the answer's text without its leading space (as answer.done has it).
    const text = this.text.trimStart();
    const retracted = this.amendments
      .filter((a) => a.kind === "retracted")
      .sort((a, b) => a.start - b.start);
    const corrections = this.amendments.filter((a) => a.kind === "corrected");
    const parts = [];
    let cursor = 0;
    for (const r of retracted) {
      const start = r.start;
      if (start < cursor || r.end > text.length) continue;
      parts.push(text.slice(cursor, start));
      const why = r.evidence || RETRACT_TEXT[r.reason] || r.reason;
      parts.push(el("del", { class: "retracted", tabindex: "0", title: `retracted — ${why}` }, text.slice(start, r.end)));
      parts.push(el("span", { class: "why", role: "note", text: ` (retracted: ${why}) ` }));
      const fix = corrections.find((c) => c.start === r.start && c.end === r.end);
      if (fix) parts.push(el("ins", { class: "correction", text: `${fix.text} ` }));
      cursor = r.end;
    }
    parts.push(text.slice(cursor));
    for (const c of corrections) {
      if (c.start === null || c.start === undefined) parts.push(el("ins", { class: "correction", text: ` ${c.text}` }));
    }
    this.textNode.replaceChildren(...parts);
  }

  latency(data) {
    // The whole question, once the turn is over: an answer shown at a pause that still answers
    // what the speaker went on to say stands for all of it (firstword.turns.manager, _stands).
    if (data.question && data.answer_id === this.id) this.questionNode.textContent = data.question;
    const { headline, parts } = latencyParts(data);
    if (!headline) return;
    this.timing.replaceChildren(
      el("span", { class: "e2e", title: "from the end of speech to the first word", text: `${headline} to first word` }),
      el("span", { class: "parts", text: parts.length ? ` · ${parts.join(" · ")}` : "" }),
    );
  }
}

/**
 * The session's events over its WebSocket, resumed after any drop from the last event shown
 * (``?after=``), with a ping to notice a connection that died without closing.
 */
export class SocketStream {
  constructor({ url, after, onEvent, onStatus, onFatal, onBinary }) {
    this.url = url;
    this.after = after;
    this.onEvent = onEvent;
    this.onBinary = onBinary; // binary frames down (practice mode's voice, ?voice=1); else ignored
    this.onStatus = onStatus;
    this.onFatal = onFatal;
    this.ws = null;
    this.stopped = false;
    this.backoff = 250;
    this.lastHeard = 0;
    this.pending = []; // audio frames that came while the connection was down (bounded)
    this.maxPending = 250; // 5 s of 20 ms frames
    this.timer = null;
  }

  open() {
    this.stopped = false;
    this.connect();
    this.timer = setInterval(() => this.keepAlive(), 2000);
  }

  connect() {
    const sep = this.url.includes("?") ? "&" : "?";
    const ws = new WebSocket(`${this.url}${sep}after=${this.after()}`);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    this.onStatus(this.backoff > 250 ? "reconnecting" : "connecting");
    ws.onopen = () => {
      this.backoff = 250;
      this.lastHeard = Date.now();
      this.onStatus("live");
      for (const frame of this.pending.splice(0)) ws.send(frame);
    };
    ws.onmessage = (message) => {
      this.lastHeard = Date.now();
      if (typeof message.data !== "string") {
        this.onBinary?.(message.data);
        return;
      }
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      if (event.type === ControlType.PONG) return;
      this.onEvent(event);
    };
    ws.onclose = (close) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.stopped) return;
      if (FATAL_CLOSE_CODES.has(close.code)) {
        this.stopped = true;
        clearInterval(this.timer);
        this.onStatus("ended");
        this.onFatal(close.reason || `connection refused (${close.code})`, close.code);
        return;
      }
      this.onStatus("reconnecting");
      const delay = close.code === CloseCode.TRY_AGAIN ? 0 : this.backoff;
      this.backoff = Math.min(this.backoff * 2, 4000);
      setTimeout(() => !this.stopped && this.connect(), delay);
    };
  }

  keepAlive() {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    if (Date.now() - this.lastHeard > 6000) {
      // Silent for three pings: presumed dead. A link that froze never delivers a close, so
      // the page reconnects now instead of waiting for one; the server hands the audio to the
      // new connection at its first frame (replaced) and closes this one.
      this.ws = null;
      ws.close(CloseCode.CLIENT_DROP);
      this.onStatus("reconnecting");
      this.connect();
      return;
    }
    ws.send(JSON.stringify({ type: ControlType.PING }));
  }

  /** Sends now, or keeps the frame for the reconnect (audio only; at most a few seconds). */
  sendAudio(frame) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(frame);
      return;
    }
    this.pending.push(frame);
    if (this.pending.length > this.maxPending) this.pending.shift();
  }

  sendJson(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  /** Drops the connection as a network failure would (for testing the reconnect). */
  drop() {
    this.ws?.close(CloseCode.CLIENT_DROP, "dropped by the page");
  }

  close() {
    this.stopped = true;
    clearInterval(this.timer);
    this.ws?.close(CloseCode.NORMAL, "closed by the page");
  }
}

// ----- audio capture (the overlay, the practice page) --------------------------------------------

/**
 * One captured stream (a microphone, a tab) as 20 ms frames of PCM16 at 16 kHz, handed to
 * ``onFrame`` (an ArrayBuffer each) by pcm-worklet.js.
 */
export class Capture {
  constructor(mediaStream, onFrame) {
    this.mediaStream = mediaStream;
    this.onFrame = onFrame;
    this.context = null;
  }

  async start() {
    // A 16 kHz context lets the browser resample with its own filter; browsers that cannot
    // connect a capture to a context of another rate get the default rate and the worklet
    // resamples.
    try {
      this.context = new AudioContext({ sampleRate: 16000 });
      this.source = this.context.createMediaStreamSource(this.mediaStream);
    } catch {
      await this.context?.close();
      this.context = new AudioContext();
      this.source = this.context.createMediaStreamSource(this.mediaStream);
    }
    await this.context.audioWorklet.addModule("/static/pcm-worklet.js");
    this.node = new AudioWorkletNode(this.context, "pcm-frames", { numberOfOutputs: 1, outputChannelCount: [1] });
    this.node.port.onmessage = (message) => this.onFrame(message.data);
    // Connected to the output through a muted gain so the graph is pulled; nothing is heard.
    const mute = this.context.createGain();
    mute.gain.value = 0;
    this.source.connect(this.node).connect(mute).connect(this.context.destination);
    await this.context.resume();
  }

  setEnabled(enabled) {
    for (const track of this.mediaStream.getAudioTracks()) track.enabled = enabled;
  }

  stop() {
    for (const track of this.mediaStream.getTracks()) track.stop();
    this.context?.close();
  }
}

/** The microphone, with the browser's echo cancellation (what the page plays is not heard back),
 * noise suppression and gain control. */
export async function microphone() {
  return navigator.mediaDevices.getUserMedia({
    audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
  });
}
