// What both pages share: the session's event view, the resumable event streams, small helpers.
//
// Every event has a gap-free sequence number. The view applies each number once (a replay after
// a reconnect repeats nothing on screen) and remembers the last one, which is where a
// reconnecting stream resumes.

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
  transcript_changed: "cancelled: the final transcript changed the question; restarted below",
  speaker_continued: "cancelled: the speaker went on; the next answer covers the whole question",
  stopped: "stopped",
  disconnected: "cancelled: nobody was connected",
  error: "failed: the model returned an error",
  superseded: "cut short: the next question came",
};

const TRIGGER_TEXT = {
  speculative: "started during the pause",
  interim: "started on the interim transcript",
  final: "started on the final transcript",
  message: "typed question",
};

const ms = (value) => (value === null || value === undefined ? null : `${Math.round(value)} ms`);

/** "412 ms" headline and its parts, from a turn.latency event's data. */
export function latencyParts(data) {
  const parts = [
    ["endpoint", data.endpoint_delay_ms],
    ["STT", data.stt_final_ms],
    ["LLM first token", data.llm_ttft_ms],
    ["head start", data.lead_ms],
  ]
    .filter(([, value]) => value !== null && value !== undefined)
    .map(([name, value]) => `${name} ${ms(value)}`);
  return { headline: ms(data.e2e_first_word_ms), parts };
}

/** Renders a session's events: what was heard, and each answer as it streams. */
export class SessionView {
  constructor({ transcript, interim, answers, pinned, status }) {
    this.transcriptEl = transcript;
    this.interimEl = interim;
    this.answersEl = answers;
    this.pinnedEl = pinned;
    this.statusEl = status;
    this.lastSeq = 0;
    this.cards = new Map(); // answer_id → card
    this.finals = new Map(); // seq of a shown final → its element
    this.turnLines = new Map(); // turn → element holding its heard lines
    this.cancelledInTurn = new Map(); // turn → the reason of its last cancelled answer
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
      case "transcript.interim":
        this.showInterim("interviewer", data);
        break;
      case "user.transcript.interim":
        this.showInterim("user", data);
        break;
      case "transcript.final":
        this.addFinal(event, "interviewer");
        break;
      case "user.transcript.final":
        this.addFinal(event, "user");
        break;
      case "message":
        this.addLine(event.turn, "typed", data.text, event.seq);
        break;
      case "speech.started":
        this.setActivity("speaking…");
        break;
      case "speech.ended":
        this.setActivity("");
        break;
      case "answer.started":
        this.startAnswer(event);
        break;
      case "answer.delta":
        this.card(data.answer_id)?.append(data.text);
        break;
      case "answer.done":
        this.card(data.answer_id)?.done(data.text);
        break;
      case "answer.cancelled":
        this.cancelAnswer(event);
        break;
      case "turn.latency":
        this.showLatency(event);
        break;
      case "session.closed":
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
    // A final that re-transcribed earlier pieces of the turn takes their place on screen.
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

  startAnswer(event) {
    const data = event.data;
    const card = new AnswerCard(data.answer_id, event.turn, data.trigger, data.question);
    const previous = this.cancelledInTurn.get(event.turn);
    if (previous) {
      card.note(
        previous.reason === "speaker_continued"
          ? `restarted: the question went on (answer ${previous.id} was cancelled)`
          : `restarted: the question changed (answer ${previous.id} was cancelled)`,
        "restart",
      );
      this.cancelledInTurn.delete(event.turn);
    }
    this.cards.set(data.answer_id, card);
    this.answersEl.prepend(card.node);
  }

  cancelAnswer(event) {
    const data = event.data;
    const card = this.card(data.answer_id);
    if (!card) return;
    card.cancel(data.reason, CANCEL_TEXT[data.reason] ?? `cancelled: ${data.reason}`);
    if (data.reason === "transcript_changed" || data.reason === "speaker_continued") {
      this.cancelledInTurn.set(event.turn, { id: data.answer_id, reason: data.reason });
    }
  }

  showLatency(event) {
    // The turn's answer that was shown last carries the turn's timings.
    const cards = [...this.cards.values()].filter((c) => c.turn === event.turn && !c.cancelled);
    const card = cards.at(-1) ?? [...this.cards.values()].filter((c) => c.turn === event.turn).at(-1);
    card?.latency(event.data);
  }

  latestCard() {
    return [...this.cards.values()].filter((c) => !c.cancelled || c.text).at(-1);
  }

  /** Empties the screen (not the session): pinned answers stay. */
  clear() {
    for (const [id, card] of this.cards) {
      if (!card.pinned) {
        card.node.remove();
        this.cards.delete(id);
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
      if (button) view.togglePin(view.card(Number(button.closest("li.answer").dataset.answerId)));
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

export class AnswerCard {
  constructor(id, turn, trigger, question) {
    this.id = id;
    this.turn = turn;
    this.text = "";
    this.cancelled = false;
    this.pinned = false;
    this.textNode = el("p", { class: "answer-text", "data-testid": "answer-text" });
    this.notes = el("p", { class: "notes" });
    this.timing = el("p", { class: "latency", "data-testid": "latency" });
    this.pinButton = el("button", { type: "button", class: "pin", "aria-pressed": "false", text: "Pin" });
    this.node = el(
      "li",
      { class: "answer streaming", "data-answer-id": id, "data-turn": turn, "data-trigger": trigger, tabindex: "-1" },
      el(
        "div",
        { class: "answer-head" },
        el("span", { class: "question", text: question ?? "" }),
        el("span", { class: "trigger", text: TRIGGER_TEXT[trigger] ?? trigger }),
        this.pinButton,
      ),
      this.textNode,
      this.notes,
      this.timing,
    );
  }

  append(text) {
    this.text += text;
    this.textNode.textContent = this.text.trimStart();
  }

  done(text) {
    if (typeof text === "string" && text.trim() !== this.text.trim()) {
      this.text = text;
      this.textNode.textContent = text.trim();
    }
    this.node.classList.remove("streaming");
    this.node.classList.add("done");
  }

  cancel(reason, message) {
    this.cancelled = true;
    this.node.classList.remove("streaming");
    this.node.classList.add("cancelled", `cancel-${reason}`);
    this.note(message, "cancel");
  }

  note(message, kind) {
    this.notes.append(el("span", { class: `note ${kind}`, text: message }));
  }

  latency(data) {
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
  constructor({ url, after, onEvent, onStatus, onFatal }) {
    this.url = url;
    this.after = after;
    this.onEvent = onEvent;
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
    this.timer = setInterval(() => this.keepAlive(), 5000);
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
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      if (event.type === "pong") return;
      this.onEvent(event);
    };
    ws.onclose = (close) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.stopped) return;
      const fatal = { 4401: 1, 4403: 1, 4404: 1, 4410: 1, 4415: 1, 4400: 1, 1009: 1 }[close.code];
      if (fatal) {
        this.stopped = true;
        clearInterval(this.timer);
        this.onStatus("ended");
        this.onFatal(close.reason || `connection refused (${close.code})`, close.code);
        return;
      }
      this.onStatus("reconnecting");
      const delay = close.code === 1013 ? 0 : this.backoff;
      this.backoff = Math.min(this.backoff * 2, 4000);
      setTimeout(() => !this.stopped && this.connect(), delay);
    };
  }

  keepAlive() {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    if (Date.now() - this.lastHeard > 15000) {
      ws.close(); // silent for too long: presumed dead; onclose reconnects
      return;
    }
    ws.send(JSON.stringify({ type: "ping" }));
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
    this.ws?.close(4000, "dropped by the page");
  }

  close() {
    this.stopped = true;
    clearInterval(this.timer);
    this.ws?.close(1000, "closed by the page");
  }
}
