// The board room (/board): a typed conversation with one advisor or the whole board, each answer
// streaming into its own bubble (Markdown, rendered safely by markdown.js), tool calls with their
// live progress, what the critic struck, and the action items agreed so far.
//
// BoardView renders a board session's events; the observer page (watch.js) uses it too, so an
// observer of a board conversation sees the same bubbles. The page itself (the session, the
// question box, Stop, Share, Export) starts only on /board.

import { $, api, downloadFile, el, latencyParts, SocketStream } from "./common.js";
import { renderMarkdown } from "./markdown.js";
import { AnswerTrigger, CancelReason, CloseCode, EventType, RetractReason } from "./protocol.js";

/** The recipient meaning every advisor of the board, in turn (POST /sessions/{id}/board). */
export const BOARD = "board";

const CANCEL_TEXT = {
  [CancelReason.STOPPED]: "stopped",
  [CancelReason.ERROR]: "failed",
  [CancelReason.DISCONNECTED]: "stopped: nobody was connected",
  [CancelReason.SUPERSEDED]: "cut short",
  [CancelReason.SPEAKER_CONTINUED]: "cancelled",
  [CancelReason.TRANSCRIPT_CHANGED]: "cancelled",
};

const RETRACT_TEXT = {
  [RetractReason.UNSUPPORTED]: "not supported by what the advisor was given",
  [RetractReason.ECHO]: "repeats the instructions",
  [RetractReason.SELF_REFERENCE]: "the model spoke about itself",
  [RetractReason.DEGENERATE]: "garbled",
};

const shortJson = (value, limit = 120) => {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text && text.length > limit ? `${text.slice(0, limit - 1)}…` : text ?? "";
};

/** A colour of each advisor's own: far-apart hues in the order the server lists the personas
 * (the same on every page); an unknown persona gets one from its id. */
const HUES = [205, 28, 145, 280, 350, 55, 180, 310];
const hueOf = (id) => [...String(id ?? "")].reduce((h, ch) => (h * 31 + ch.codePointAt(0)) % 360, 7);

const seconds = (ms) => (ms === null || ms === undefined ? "" : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

/** One tool call under an advisor's bubble: a line per progress message, then its outcome. */
class ToolBlock {
  constructor(callId, tool, args) {
    this.callId = callId;
    this.state = el("span", { class: "tool-state", text: "running…" });
    this.bar = el("progress", { class: "tool-bar", "aria-label": `${tool || "tool"} progress` });
    this.lines = el("ol", { class: "tool-progress", "data-testid": "tool-progress" });
    this.outcome = el("p", { class: "tool-outcome", hidden: true });
    const shown = args && typeof args === "object" && typeof args.path === "string" ? args.path : shortJson(args ?? {});
    this.node = el(
      "div",
      { class: "tool", "data-call-id": callId, "data-state": "running", "data-testid": "tool" },
      el(
        "p",
        { class: "tool-head" },
        el("span", { class: "tool-name", text: tool || "tool" }),
        shown && shown !== "{}" ? el("code", { class: "tool-args", text: shown }) : null,
        this.state,
      ),
      this.bar,
      this.lines,
      this.outcome,
    );
  }

  progress(data) {
    if (typeof data.total === "number" && data.total > 0) {
      this.bar.max = data.total;
      this.bar.value = Math.min(data.progress ?? 0, data.total);
    }
    const message = (data.message ?? "").trim();
    if (!message || this.lines.lastElementChild?.textContent === message) return;
    this.lines.lastElementChild?.classList.remove("current");
    this.lines.append(el("li", { class: "current", text: message }));
  }

  done(data) {
    this.node.dataset.state = "done";
    this.state.textContent = data.duration_ms !== undefined ? `done in ${seconds(data.duration_ms)}` : "done";
    this.lines.lastElementChild?.classList.remove("current");
    // A tool's last progress line is often its summary: shown once, as the outcome.
    if (this.lines.lastElementChild?.textContent === (data.summary ?? "").trim()) this.lines.lastElementChild.remove();
    if (this.bar.max) this.bar.value = this.bar.max;
    this.bar.hidden = true;
    this.outcome.className = "tool-outcome tool-summary";
    this.outcome.textContent = data.summary || "done";
    this.outcome.hidden = false;
  }

  failed(data) {
    this.node.dataset.state = "failed";
    this.state.textContent = "failed";
    this.lines.lastElementChild?.classList.remove("current");
    this.bar.hidden = true;
    this.outcome.className = "tool-outcome tool-error";
    this.outcome.setAttribute("role", "alert");
    this.outcome.textContent = `The tool failed: ${data.error || "no reason given"}`;
    this.outcome.hidden = false;
  }
}

/** One advisor's answer: its name and title, its tool calls, its text (Markdown) as it streams. */
class AnswerBubble {
  constructor(answerId, turn, seq, persona, personaId, hue, preparedFor = null) {
    this.id = answerId;
    this.turn = turn;
    this.text = "";
    this.status = "streaming";
    this.amendments = [];
    this.tools = new Map();
    this.stateNode = el("span", { class: "msg-state", text: "writing…" });
    this.toolsNode = el("div", { class: "tools", hidden: true });
    this.body = el("div", { class: "answer-md", "data-testid": "answer-text" });
    this.errorNode = el("p", { class: "msg-error", role: "alert", hidden: true });
    this.timing = el("p", { class: "latency", "data-testid": "latency" });
    const name = persona?.name ?? personaId ?? "Advisor";
    this.name = name;
    this.node = el(
      "li",
      {
        class: "msg answer streaming",
        "data-answer-id": answerId,
        "data-persona": personaId ?? "",
        "data-turn": turn,
        "data-seq": seq,
        tabindex: "-1",
        "aria-label": `${name}${persona?.title ? `, ${persona.title}` : ""}`,
        // Read out once written, not word by word.
        "aria-busy": "true",
      },
      el(
        "div",
        { class: "msg-head" },
        el("span", { class: "avatar", "aria-hidden": "true", text: name.slice(0, 1).toUpperCase() }),
        el("strong", { class: "advisor-name", text: name }),
        persona?.title ? el("span", { class: "advisor-title", text: persona.title }) : null,
        // Written in idle time for a predicted follow-up, and shown at once when it was asked.
        preparedFor
          ? el("span", {
              class: "note prefetched",
              "data-testid": "prefetched",
              title: `prepared for: ${preparedFor}`,
              text: "ready before you asked",
            })
          : null,
        this.stateNode,
      ),
      this.toolsNode,
      this.body,
      this.errorNode,
      this.timing,
    );
    this.node.style.setProperty("--hue", String(hue ?? hueOf(personaId))); // CSSOM: allowed by the page's CSP
    this.render();
  }

  addTool(block) {
    this.tools.set(block.callId, block);
    this.toolsNode.append(block.node);
    this.toolsNode.hidden = false;
    this.stateNode.textContent = "using a tool…";
  }

  append(text) {
    if (this.status !== "streaming") return;
    this.text += text;
    this.stateNode.textContent = "writing…";
    this.render();
  }

  done(text) {
    if (typeof text === "string" && text.trim() !== this.text.trim()) this.text = text;
    this.finish("done", "");
  }

  cancel(reason, text) {
    if (typeof text === "string" && text.length > this.text.length) this.text = text;
    this.finish(reason === CancelReason.ERROR ? "failed" : "cancelled", CANCEL_TEXT[reason] ?? `cancelled: ${reason}`);
    this.node.classList.add(`cancel-${reason}`);
  }

  finish(status, label) {
    this.status = status;
    this.node.setAttribute("aria-busy", "false");
    this.node.classList.remove("streaming");
    this.node.classList.add(status);
    this.stateNode.textContent = label;
    for (const tool of this.tools.values()) {
      if (tool.node.dataset.state === "running") {
        tool.node.dataset.state = "cancelled";
        tool.state.textContent = "stopped";
      }
    }
    this.render();
  }

  error(message) {
    this.errorNode.textContent = message;
    this.errorNode.hidden = false;
  }

  retract(data) {
    this.amendments.push({ kind: "retracted", ...data });
    this.node.classList.add("amended");
    this.render();
  }

  correct(data) {
    this.amendments.push({ kind: "corrected", ...data });
    this.render();
  }

  /** The Markdown, each retracted sentence struck through where it stood (its reason in its
   * title and beside it), the correction after it. */
  render() {
    // Offsets count in the answer's text without its leading whitespace (as the critic reads it).
    const text = this.text.trimStart();
    const corrections = this.amendments.filter((a) => a.kind === "corrected");
    const spans = this.amendments
      .filter((a) => a.kind === "retracted")
      .map((r) => {
        const why = r.evidence || RETRACT_TEXT[r.reason] || r.reason;
        let first = true;
        return {
          start: r.start,
          end: r.end,
          wrap: (node) => {
            const struck = el("del", { class: "retracted", title: `retracted — ${why}` }, node);
            if (first) struck.tabIndex = 0; // the reason is reachable by keyboard, once per sentence
            first = false;
            return struck;
          },
          after: () => {
            const fix = corrections.find((c) => c.start === r.start && c.end === r.end);
            const note = document.createDocumentFragment();
            note.append(el("span", { class: "why", role: "note", text: ` (retracted: ${why}) ` }));
            if (fix) note.append(el("ins", { class: "correction", text: `${fix.text} ` }));
            return note;
          },
        };
      });
    const parts = [renderMarkdown(text, { spans })];
    for (const c of corrections) {
      if (c.start === null || c.start === undefined) parts.push(el("p", {}, el("ins", { class: "correction", text: c.text })));
    }
    if (!text && !corrections.length && this.status !== "failed") {
      parts.push(el("p", { class: "placeholder", text: this.status === "streaming" ? "…" : "(no answer written)" }));
    }
    this.body.replaceChildren(...parts);
  }

  latency(data) {
    const { headline, parts } = latencyParts(data);
    if (!headline) return;
    this.timing.replaceChildren(
      el("span", { class: "e2e", title: "from the question to the first word", text: `${headline} to first word` }),
      el("span", { class: "parts", text: parts.length ? ` · ${parts.join(" · ")}` : "" }),
    );
  }
}

/** Renders a board session's events: the user's questions, the advisors' answers in their own
 * bubbles, tool progress, retractions, errors and the action items. */
export class BoardView {
  constructor({ transcript, actions, personas = [] }) {
    this.transcriptEl = transcript;
    this.actionsEl = actions;
    this.personas = new Map();
    this.setPersonas(personas);
    this.lastSeq = 0;
    this.answers = new Map(); // answer_id → AnswerBubble
    this.calls = new Map(); // call_id → ToolBlock
    this.questions = new Map(); // turn → the user's message element
    this.recipients = new Map(); // turn → persona ids (known to the page that asked)
    this.bySeq = new Map(); // event seq → the transcript element it made (action items' sources)
    this.items = [];
    this.listeners = new Set();
    this.closed = false;
  }

  setPersonas(personas) {
    for (const persona of personas) this.personas.set(persona.id, persona);
    this.hues = new Map([...this.personas.keys()].map((id, i) => [id, HUES[i % HUES.length]]));
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
    const follow = this.atEnd();
    switch (event.type) {
      case EventType.MESSAGE:
        this.addQuestion(event);
        break;
      case EventType.ANSWER_STARTED:
        this.startAnswer(event);
        break;
      case EventType.ANSWER_DELTA:
        this.answers.get(data.answer_id)?.append(data.text ?? "");
        break;
      case EventType.ANSWER_DONE:
        this.answers.get(data.answer_id)?.done(data.text);
        break;
      case EventType.ANSWER_CANCELLED:
        this.answers.get(data.answer_id)?.cancel(data.reason, data.text);
        break;
      case EventType.ANSWER_RETRACTED:
        this.answers.get(data.answer_id)?.retract(data);
        break;
      case EventType.ANSWER_CORRECTED:
        this.answers.get(data.answer_id)?.correct(data);
        break;
      case EventType.TOOL_STARTED:
        this.startTool(event);
        break;
      case EventType.TOOL_PROGRESS:
        this.calls.get(data.call_id)?.progress(data);
        break;
      case EventType.TOOL_DONE:
        this.calls.get(data.call_id)?.done(data);
        break;
      case EventType.TOOL_FAILED:
        (this.calls.get(data.call_id) ?? this.startTool({ turn: event.turn, data: { call_id: data.call_id, tool: "" } }))?.failed(data);
        break;
      case EventType.TURN_LATENCY:
        this.answers.get(data.answer_id)?.latency(data);
        break;
      case EventType.ACTIONS_EXTRACTED:
        this.addItems(data.items ?? []);
        break;
      case EventType.ERROR:
        if (data.answer_id !== undefined && data.answer_id !== null && this.answers.has(data.answer_id)) {
          this.answers.get(data.answer_id).error(`The model failed: ${data.message ?? data.code}`);
        } else {
          this.notice(data.message ?? data.code ?? "error", "error");
        }
        break;
      case EventType.SESSION_CLOSED:
        this.closed = true;
        this.notice(`This conversation has ended (${data.reason ?? "closed"}).`, "info");
        break;
      default:
        break;
    }
    if (follow) this.follow();
    for (const listener of this.listeners) listener(event);
  }

  /** Whether the reader is at the end of the page: then it follows the conversation as it grows;
   * a reader who scrolled up to read stays where they are. */
  atEnd() {
    const page = document.scrollingElement;
    return !page || page.scrollHeight - page.scrollTop - page.clientHeight < 96;
  }

  follow() {
    const page = document.scrollingElement;
    if (page) page.scrollTop = page.scrollHeight;
  }

  addQuestion(event) {
    const to = el("span", { class: "msg-to" });
    const node = el(
      "li",
      { class: "msg user", "data-turn": event.turn, "data-seq": event.seq, tabindex: "-1" },
      el("div", { class: "msg-head" }, el("strong", { class: "who", text: "You" }), to),
      el("p", { class: "user-text", text: event.data?.text ?? "" }),
    );
    this.questions.set(event.turn, { node, to });
    this.bySeq.set(event.seq, node);
    this.transcriptEl.append(node);
    // The server says whom it was asked of (observers and reloads learn it from the event).
    if (Array.isArray(event.data?.to)) this.recipients.set(event.turn, event.data.to);
    this.showRecipients(event.turn);
  }

  /** Who a question went to, when this page knows (it asked). */
  setRecipients(turn, personaIds) {
    this.recipients.set(turn, personaIds);
    this.showRecipients(turn);
  }

  showRecipients(turn) {
    const question = this.questions.get(turn);
    const ids = this.recipients.get(turn);
    if (!question || !ids) return;
    const names = ids.map((id) => this.personas.get(id)?.name ?? id);
    question.to.textContent = names.length > 1 ? `to the board: ${names.join(", ")}` : `to ${names[0] ?? ""}`;
  }

  startAnswer(event) {
    const data = event.data;
    const bubble = new AnswerBubble(
      data.answer_id, event.turn, event.seq, this.personas.get(data.persona), data.persona, this.hues.get(data.persona),
      data.trigger === AnswerTrigger.PREFETCHED ? data.prepared_for ?? "" : null,
    );
    this.answers.set(data.answer_id, bubble);
    this.bySeq.set(event.seq, bubble.node);
    this.transcriptEl.append(bubble.node);
  }

  startTool(event) {
    const data = event.data;
    const block = new ToolBlock(data.call_id, data.tool, data.arguments);
    this.calls.set(data.call_id, block);
    const bubble =
      this.answers.get(data.answer_id) ??
      [...this.answers.values()].filter((b) => b.turn === event.turn).at(-1);
    if (bubble) bubble.addTool(block);
    else this.transcriptEl.append(el("li", { class: "msg tool-only" }, block.node));
    return block;
  }

  addItems(items) {
    for (const item of items) {
      this.items.push(item);
      const source = this.bySeq.get(item.source_seq);
      const who = source?.classList.contains("user") ? "You" : source ? this.answers.get(Number(source.dataset.answerId))?.name : null;
      const meta = [
        item.owner ? el("span", { class: "owner", text: `owner: ${item.owner}` }) : null,
        item.due ? el("span", { class: "due", text: `due: ${item.due}` }) : null,
        who
          ? el("button", {
              type: "button",
              class: "link source",
              title: "Show where it was said",
              text: `said by ${who}`,
              onclick: () => {
                source.scrollIntoView({ block: "center" });
                source.focus({ preventScroll: true });
              },
            })
          : null,
      ].filter(Boolean);
      this.actionsEl.append(
        el(
          "li",
          { class: "action-item", "data-source-seq": item.source_seq },
          el("p", { class: "action-text", text: item.text }),
          meta.length ? el("p", { class: "action-meta" }, ...meta) : null,
        ),
      );
    }
  }

  /** A line in the conversation that is not anyone's answer: an error, the end. Kept: it is
   * never cleared by what comes after it. */
  notice(message, kind = "error") {
    const node = el("li", { class: `notice ${kind}`, role: kind === "error" ? "alert" : "status" }, el("p", { text: message }));
    const follow = this.atEnd();
    this.transcriptEl.append(node);
    if (follow) this.follow();
    return node;
  }

  streaming() {
    return [...this.answers.values()].filter((b) => b.status === "streaming");
  }

  finished(turn) {
    return [...this.answers.values()].filter((b) => b.turn === turn && b.status !== "streaming").length;
  }
}

// ----- the page ----------------------------------------------------------------------------------

const STORAGE_KEY = "firstword.board";

function boardPage() {
  const view = new BoardView({ transcript: $("board-transcript"), actions: $("board-actions") });
  const state = {
    session: null, // {session_id, owner_token}
    stream: null,
    personas: [],
    board: [],
    to: BOARD,
    expected: new Map(), // turn → answers asked for (from POST .../board)
    inflight: 0,
    creating: null,
  };
  window.firstword = { view, state };

  const describe = (error) => `${error.message}${error.status ? ` (HTTP ${error.status})` : ""}`;
  const nameOf = (id) => (id === BOARD ? "the board" : state.personas.find((p) => p.id === id)?.name ?? id);

  function setStatus(text) {
    $("status").textContent = text;
    $("status").dataset.state = text;
  }

  // ----- who answers ---------------------------------------------------------------------------

  function renderCards() {
    const members = state.board.map((id) => state.personas.find((p) => p.id === id)).filter(Boolean);
    const card = (value, name, title, description) =>
      el(
        "label",
        { class: "advisor-card", "data-persona": value },
        el("input", { type: "radio", name: "to", value, checked: value === state.to }),
        el("span", { class: "advisor-name", text: name }),
        el("span", { class: "advisor-title", text: title }),
        el("span", { class: "advisor-desc", text: description }),
      );
    $("advisor-cards").replaceChildren(
      card(BOARD, "The board", "Everyone, in turn", `${members.map((p) => p.name).join(", ")} answer one after another.`),
      ...members.map((p) => card(p.id, p.name, p.title, p.description)),
    );
    choose(state.to);
  }

  function choose(to) {
    state.to = to;
    sessionStorage.setItem(`${STORAGE_KEY}.to`, to);
    for (const card of document.querySelectorAll(".advisor-card")) card.classList.toggle("selected", card.dataset.persona === to);
    const persona = state.personas.find((p) => p.id === to);
    $("compose-label").textContent = `Ask ${nameOf(to)}`;
    $("greeting").replaceChildren(
      persona
        ? el("span", {}, el("strong", { text: `${persona.name}: ` }), persona.greeting || persona.description)
        : el("span", { text: "Each advisor answers in turn, in their own bubble. Pick one advisor above to ask only them." }),
    );
  }

  $("advisor-cards").addEventListener("change", (change) => {
    if (change.target.name === "to") choose(change.target.value);
  });

  // ----- the session ---------------------------------------------------------------------------

  function forget() {
    sessionStorage.removeItem(STORAGE_KEY);
  }

  async function createSession() {
    const persona = state.to !== BOARD ? state.to : state.board[0];
    const created = await api("/sessions", { method: "POST", body: persona ? { persona } : {} });
    state.session = { session_id: created.session_id, owner_token: created.owner_token };
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(state.session));
    connect();
  }

  async function resumeSession() {
    const stored = sessionStorage.getItem(STORAGE_KEY);
    if (!stored) return false;
    try {
      const session = JSON.parse(stored);
      const info = await api(`/sessions/${encodeURIComponent(session.session_id)}`, { token: session.owner_token });
      if (info.status === "closed" || info.served_here === false) throw new Error("ended");
      state.session = session;
      connect();
      return true;
    } catch {
      forget();
      return false;
    }
  }

  /** The session, created now if the first try failed; false (the error shown) if it cannot be. */
  async function ensureSession() {
    if (state.session) return true;
    state.creating ??= createSession().finally(() => (state.creating = null));
    try {
      await state.creating;
      return true;
    } catch (error) {
      view.notice(`Could not start a conversation: ${describe(error)}`, "error");
      setStatus("ended");
      return false;
    }
  }

  function connect() {
    const { session_id, owner_token } = state.session;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    state.stream?.close();
    state.stream = new SocketStream({
      url: `${scheme}://${location.host}/sessions/${encodeURIComponent(session_id)}/ws?token=${encodeURIComponent(owner_token)}`,
      after: () => view.lastSeq,
      onEvent: (event) => view.apply(event),
      onStatus: (status) => setStatus(view.closed ? "ended" : status),
      onFatal: (reason, code) => {
        view.notice(
          code === CloseCode.REPLACED
            ? "This conversation is open in another tab; this one has stopped following it."
            : `The connection ended: ${reason}. Press New to start another conversation.`,
          "error",
        );
        if (code === CloseCode.FORBIDDEN || code === CloseCode.NOT_FOUND) forget();
        update();
      },
    });
    state.stream.open();
    update();
  }

  // ----- answering state: Stop, the activity line ----------------------------------------------

  function answering() {
    if (view.closed) return false;
    if (state.inflight > 0 || view.streaming().length) return true;
    for (const [turn, count] of state.expected) if (view.finished(turn) < count) return true;
    return false;
  }

  function update() {
    const busy = answering();
    document.body.dataset.answering = String(busy);
    $("stop").hidden = !busy;
    const live = view.streaming().at(-1);
    let activity = "";
    if (live) {
      const tool = [...live.tools.values()].find((t) => t.node.dataset.state === "running");
      activity = tool ? `${live.name} is using ${tool.node.querySelector(".tool-name").textContent}…` : `${live.name} is answering…`;
    } else if (busy) activity = "Waiting for the answer…";
    $("activity").textContent = activity;
    const ended = view.closed || !state.stream || state.stream.stopped;
    $("board-input").disabled = ended && state.session !== null;
    $("send").disabled = ended && state.session !== null;
    for (const id of ["share", "export-md", "export-json"]) $(id).disabled = !state.session;
  }

  view.onChange((event) => {
    if (event.type === EventType.ANSWER_CANCELLED && event.data?.reason === CancelReason.STOPPED) {
      state.expected.clear(); // a stop cancels the answers still waiting too: they never start
    }
    if (event.type === EventType.SESSION_CLOSED) {
      state.expected.clear();
      state.stream?.close();
      setStatus("ended");
      forget();
    }
    update();
  });

  // ----- asking --------------------------------------------------------------------------------

  async function send() {
    const input = $("board-input");
    const text = input.value.trim();
    if (!text) return;
    const to = state.to;
    input.value = "";
    state.inflight += 1;
    update();
    try {
      if (!(await ensureSession())) {
        if (!input.value) input.value = text;
        return;
      }
      const asked = await api(`/sessions/${encodeURIComponent(state.session.session_id)}/board`, {
        method: "POST",
        token: state.session.owner_token,
        body: { text, to },
      });
      state.expected.set(asked.turn, asked.personas.length);
      view.setRecipients(asked.turn, asked.personas);
    } catch (error) {
      view.notice(`Could not ask ${nameOf(to)}: ${describe(error)}`, "error");
      if (!input.value) input.value = text; // nothing typed is lost
    } finally {
      state.inflight -= 1;
      update();
    }
  }

  $("compose").addEventListener("submit", (submit) => {
    submit.preventDefault();
    send();
  });

  $("board-input").addEventListener("keydown", (key) => {
    if (key.key === "Enter" && !key.shiftKey && !key.isComposing) {
      key.preventDefault();
      $("compose").requestSubmit();
    }
  });

  document.addEventListener("keydown", (key) => {
    if (key.key === "Escape" && !$("stop").hidden) $("stop").click();
  });

  $("stop").addEventListener("click", async () => {
    if (!state.session) return;
    try {
      await api(`/sessions/${encodeURIComponent(state.session.session_id)}/stop`, { method: "POST", token: state.session.owner_token });
      state.expected.clear();
    } catch (error) {
      view.notice(`Could not stop: ${describe(error)}`, "error");
    }
    update();
  });

  // ----- share, export, new ----------------------------------------------------------------------

  $("share").addEventListener("click", async () => {
    if (!state.session) return;
    try {
      const grant = await api(`/sessions/${encodeURIComponent(state.session.session_id)}/observers`, {
        method: "POST",
        token: state.session.owner_token,
        body: { label: "shared from the board room" },
      });
      $("watch-url").value = grant.watch_url;
      $("share-panel").hidden = false;
      $("watch-url").focus();
      $("watch-url").select();
    } catch (error) {
      view.notice(`Could not create a link: ${describe(error)}`, "error");
    }
  });

  $("copy-watch").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText($("watch-url").value);
      $("copy-watch").textContent = "Copied";
      setTimeout(() => ($("copy-watch").textContent = "Copy"), 2000);
    } catch {
      $("watch-url").select(); // no clipboard (not a secure context): the link is selected instead
    }
  });

  async function download(format) {
    if (!state.session) return;
    const { session_id, owner_token } = state.session;
    try {
      await downloadFile(
        `/sessions/${encodeURIComponent(session_id)}/board/export?format=${format}`,
        owner_token,
        `firstword-board-${session_id}.${format === "json" ? "json" : "md"}`,
      );
    } catch (error) {
      view.notice(`Could not export: ${describe(error)}`, "error");
    }
  }

  $("export-md").addEventListener("click", () => download("markdown"));
  $("export-json").addEventListener("click", () => download("json"));

  $("new-conversation").addEventListener("click", async () => {
    const session = state.session;
    forget();
    state.stream?.close();
    if (session) {
      try {
        await api(`/sessions/${encodeURIComponent(session.session_id)}`, { method: "DELETE", token: session.owner_token });
      } catch {
        // Closed already, or the server is gone: a new conversation starts either way.
      }
    }
    location.reload();
  });

  // ----- start ---------------------------------------------------------------------------------

  async function start() {
    update();
    try {
      const listed = await api("/personas");
      state.personas = listed.personas ?? [];
      state.board = listed.board ?? [];
      for (const problem of listed.errors ?? []) view.notice(`A persona file could not be read: ${problem}`, "error");
    } catch (error) {
      view.notice(`Could not load the advisors: ${describe(error)}`, "error");
    }
    view.setPersonas(state.personas);
    const wanted = new URLSearchParams(location.search).get("to") ?? sessionStorage.getItem(`${STORAGE_KEY}.to`);
    if (wanted && (wanted === BOARD || state.board.includes(wanted))) state.to = wanted;
    renderCards();
    if (!(await resumeSession())) await ensureSession();
    update();
    $("board-input").focus();
  }

  start();
}

if (document.body?.dataset.page === "board") boardPage();
