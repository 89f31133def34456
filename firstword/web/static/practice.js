// Practice mode (/practice): Nova, a spoken mock interviewer. She asks out loud (her voice comes
// down the session's WebSocket as binary PCM16 frames, played here with Web Audio), the
// candidate answers into the microphone (PCM16 16 kHz up the same connection, as the overlay
// sends it), and the page shows her questions as text, the candidate's live transcript, a
// feedback card per answer and the report at the end (Markdown, rendered safely by markdown.js).
//
// PracticeView renders a practice session's events; the observer page (watch.js) uses it too,
// without audio (observers never get any). VoicePlayer plays Nova and tells the server how much
// was actually heard. The page itself starts only on /practice.

import { $, api, downloadFile, Capture, el, microphone, SocketStream } from "./common.js";
import { renderMarkdown } from "./markdown.js";
import { CancelReason, CloseCode, ControlType, EventType, VoiceEndReason } from "./protocol.js";

const KIND_TEXT = {
  opener: "Opener",
  behavioural: "Behavioural",
  technical: "Technical",
  motivation: "Motivation",
  closing: "Closing",
};

const ENDED_BY_TEXT = {
  pause: "ended by a pause",
  done_key: "ended with Done answering",
  typed: "typed",
  timeout: "ended: the time for an answer ran out",
};

// Why Nova follows up (practice.question's reason: a rule of firstword.practice.followup).
const FOLLOWUP_TEXT = {
  too_short: "the answer was short",
  no_example: "no specific example yet",
  own_role: "it said \u201cwe\u201d: what was your own part?",
  missing_action: "the story had no action: what you did",
  missing_result: "the story had no result: how it ended",
  no_number: "no number or measured outcome",
  missing_context: "the story had no situation or task",
  reflection: "a complete story: what would you do differently?",
};

const STAR_PARTS = ["situation", "task", "action", "result"];
const STORY_KINDS = new Set(["behavioural", "technical"]);

const words = (value) => String(value ?? "").replace(/_/g, " ");
const seconds = (s) => (typeof s === "number" ? `${s < 10 ? s.toFixed(1) : Math.round(s)} s` : "—");
const figure = (n, digits = 0) => (typeof n === "number" && Number.isFinite(n) ? n.toFixed(digits) : "—");

/** A quote from the candidate's answer, however the feedback gives it: a string, {text}, a list
 * of either (the first one), or nothing. */
function quoteText(value) {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value || null;
  if (Array.isArray(value)) {
    for (const item of value) {
      const text = quoteText(item);
      if (text) return text;
    }
    return null;
  }
  if (typeof value === "object") return quoteText(value.text ?? value.quote ?? null);
  return null;
}

/** Where in ``text`` a reader stops after ``count`` characters, moved back to a word's start. */
function wordCut(text, count) {
  const n = Math.max(0, Math.min(text.length, Math.round(count)));
  if (n >= text.length) return text.length;
  if (n === 0) return 0;
  if (/\s/.test(text[n]) || /\s/.test(text[n - 1])) return n;
  const space = text.lastIndexOf(" ", n);
  return space < 0 ? 0 : space + 1;
}

// ----- Nova's voice -------------------------------------------------------------------------------

/**
 * Plays Nova's utterances gaplessly: each binary frame (PCM16 LE mono at the rate its
 * ``voice.started`` gave) becomes a Float32 AudioBuffer scheduled at max(now + margin, next),
 * ``next`` advancing by the buffer's length. What was heard of an utterance is measured on the
 * context's clock against the stretches actually scheduled (a late frame leaves a gap, which is
 * not counted), so it never exceeds what was scheduled.
 */
export class VoicePlayer {
  constructor({ send, onUnavailable, margin = 0.05, reportEveryMs = 250 }) {
    this.send = send; // (control message) => void
    this.onUnavailable = onUnavailable;
    this.margin = margin;
    this.reportEveryMs = reportEveryMs;
    this.ctx = null;
    this.available = null; // null: not known yet; true; false (then reason says why)
    this.reason = "";
    this.current = null; // the utterance frames go to now
    this.nextTime = 0;
    this.utterances = new Map(); // id → utterance state
    this.timer = null;
    // What a test (or a curious console) can read: the audio graph got and scheduled frames.
    this.stats = { framesReceived: 0, framesDropped: 0, samplesScheduled: 0, buffersScheduled: 0, contextState: "none", utterances: {} };
  }

  /** Must run inside a user gesture (a click): browsers start an AudioContext only then. */
  unlock() {
    if (this.ctx) {
      this.ctx.resume?.().catch(() => {});
      return;
    }
    const Context = globalThis.AudioContext ?? globalThis.webkitAudioContext;
    if (!Context) {
      this.fail("this browser has no Web Audio (AudioContext)");
      return;
    }
    try {
      this.ctx = new Context();
    } catch (error) {
      this.fail(`the audio output could not be opened (${error.message})`);
      return;
    }
    this.stats.contextState = this.ctx.state;
    this.ctx.onstatechange = () => (this.stats.contextState = this.ctx.state);
    const resumed = this.ctx.resume ? this.ctx.resume() : Promise.resolve();
    // A context that stays suspended (an autoplay policy, no output device) plays nothing.
    const check = () => {
      if (this.available !== null) return;
      if (this.ctx.state === "running") {
        this.available = true;
        this.stats.contextState = "running";
      } else this.fail(`the audio output stayed ${this.ctx.state}`);
    };
    resumed.then(() => setTimeout(check, 300), (error) => this.fail(`the audio output could not start (${error?.message ?? error})`));
    setTimeout(check, 2500);
  }

  fail(reason) {
    if (this.available === false) return;
    this.available = false;
    this.reason = reason;
    this.stopAll();
    this.onUnavailable?.(reason);
  }

  utterance(id) {
    return this.utterances.get(id);
  }

  /** voice.started: frames that follow belong to this utterance. */
  begin(data) {
    const id = data.utterance_id;
    if (this.utterances.has(id)) return; // a replay after a reconnect
    const utterance = {
      id,
      answerId: data.answer_id ?? null,
      rate: data.sample_rate || 22050,
      segments: [], // [start, end] on the context's clock, merged when contiguous
      sources: new Set(),
      samples: 0, // received
      marks: [], // {chars, samples}: where each sentence's text started (answer.delta)
      ended: null, // voice.ended's reason
      cut: false, // silenced by a barge-in or a stop
      finalSent: false,
      heardMs: null, // what this page measured as heard when it stopped
    };
    this.utterances.set(id, utterance);
    this.current = utterance;
    this.stats.sampleRate = utterance.rate;
    this.stats.utterances[id] = { sampleRate: utterance.rate, framesReceived: 0, samplesScheduled: 0, buffersScheduled: 0, scheduledMs: 0, playedMs: 0, reason: null };
    this.startReporting();
  }

  /** A binary frame down: the current utterance's next stretch of audio. */
  frame(buffer) {
    this.stats.framesReceived += 1;
    const utterance = this.current;
    if (!utterance || utterance.ended || utterance.cut) {
      this.stats.framesDropped += 1;
      return;
    }
    const shown = this.stats.utterances[utterance.id];
    shown.framesReceived += 1;
    const count = Math.floor(buffer.byteLength / 2);
    utterance.samples += count;
    if (!count || !this.ctx || this.available === false) return;
    const pcm = new Int16Array(buffer, 0, count);
    const audio = this.ctx.createBuffer(1, count, utterance.rate);
    const channel = audio.getChannelData(0);
    for (let i = 0; i < count; i++) channel[i] = pcm[i] / 32768;
    const source = this.ctx.createBufferSource();
    source.buffer = audio;
    source.connect(this.ctx.destination);
    const at = Math.max(this.ctx.currentTime + this.margin, this.nextTime);
    source.start(at);
    this.nextTime = at + audio.duration;
    utterance.sources.add(source);
    source.onended = () => utterance.sources.delete(source);
    const last = utterance.segments.at(-1);
    if (last && Math.abs(last[1] - at) < 1e-4) last[1] = this.nextTime;
    else utterance.segments.push([at, this.nextTime]);
    this.stats.samplesScheduled += count;
    this.stats.buffersScheduled += 1;
    shown.samplesScheduled += count;
    shown.buffersScheduled += 1;
    shown.scheduledMs = Math.round(this.scheduledMs(utterance));
  }

  /** An answer.delta of the utterance's answer: the sentence whose first frame just came. */
  markSentence(utterance, chars) {
    utterance.marks.push({ chars, samples: utterance.samples });
  }

  scheduledMs(utterance) {
    return utterance.segments.reduce((sum, [start, end]) => sum + (end - start), 0) * 1000;
  }

  /** How much of the utterance has been heard now: the scheduled stretches up to the clock. */
  playedMs(utterance) {
    if (!this.ctx) return 0;
    const now = this.ctx.currentTime;
    let heard = 0;
    for (const [start, end] of utterance.segments) heard += Math.max(0, Math.min(now, end) - start);
    return heard * 1000;
  }

  /** Silences the utterance now (what is scheduled stops; later frames are dropped) and keeps
   * what was heard of it. Her answer's cancellation (barge_in, stopped) comes a moment before
   * voice.ended: the first of the two stops her. */
  cut(id) {
    const utterance = this.utterances.get(id);
    if (!utterance || utterance.cut) return;
    utterance.cut = true;
    if (utterance.heardMs === null) utterance.heardMs = this.playedMs(utterance);
    this.silence(utterance);
    this.report(utterance, true);
  }

  /** voice.ended: a barge-in or a stop silences what is still scheduled, at once. */
  end(data) {
    const utterance = this.utterances.get(data.utterance_id);
    if (!utterance || utterance.ended) return;
    utterance.ended = data.reason ?? VoiceEndReason.DONE;
    this.stats.utterances[utterance.id].reason = utterance.ended;
    if (utterance.ended === VoiceEndReason.BARGE_IN || utterance.ended === VoiceEndReason.STOPPED) this.cut(utterance.id);
    // "done" (or "error"): the last frames still play; the timer sends the final report when they have.
  }

  silence(utterance) {
    for (const source of utterance.sources) {
      try {
        source.stop();
      } catch {
        // never started, or already stopped
      }
    }
    utterance.sources.clear();
    utterance.segments = utterance.segments.map(([start, end]) => [start, Math.min(end, Math.max(start, this.ctx?.currentTime ?? start))]);
    if (this.current === utterance && this.ctx) this.nextTime = this.ctx.currentTime;
  }

  stopAll() {
    for (const utterance of this.utterances.values()) this.silence(utterance);
  }

  startReporting() {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.reportEveryMs);
  }

  tick() {
    if (!this.ctx || this.available === false) {
      clearInterval(this.timer);
      this.timer = null;
      return;
    }
    let open = false;
    for (const utterance of this.utterances.values()) {
      if (utterance.finalSent) continue;
      const scheduled = this.scheduledMs(utterance);
      const played = this.playedMs(utterance);
      const over = utterance.ended && (scheduled - played < 1 || utterance.sources.size === 0);
      this.report(utterance, Boolean(over));
      if (!over) open = true;
    }
    if (!open) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  report(utterance, final) {
    if (utterance.finalSent || !this.ctx || this.available === false) return;
    const played = utterance.heardMs ?? this.playedMs(utterance);
    this.stats.utterances[utterance.id].playedMs = Math.round(played);
    if (!utterance.segments.length && !final) return; // nothing is playing yet
    this.send({ type: ControlType.VOICE_PLAYED, utterance_id: utterance.id, played_ms: Math.round(played * 10) / 10 });
    if (final) {
      utterance.finalSent = true;
      if (utterance.heardMs === null) utterance.heardMs = played;
    }
  }

  /** How many characters of ``text`` (the utterance's words) were heard: within the sentence
   * being said (its first sample is marked when its text arrives), by its share of the audio
   * between its mark and the next, or for the last one at the speaking rate so far; null when
   * this page did not play the utterance. */
  heardChars(utterance, text) {
    if (!utterance || utterance.heardMs === null) return null;
    const heard = (utterance.heardMs / 1000) * utterance.rate;
    const marks = utterance.marks.length ? utterance.marks : [{ chars: 0, samples: 0 }];
    let i = marks.length - 1;
    while (i > 0 && marks[i].samples > heard) i--;
    const mark = marks[i];
    const next = marks[i + 1];
    if (next) {
      const share = next.samples > mark.samples ? (heard - mark.samples) / (next.samples - mark.samples) : 1;
      return mark.chars + Math.min(1, Math.max(0, share)) * (next.chars - mark.chars);
    }
    // Samples a character, from the sentences before the last mark (else a typical voice's ~14 a second).
    const last = marks.at(-1);
    const perChar = last.chars > 0 && last.samples > 0 ? last.samples / last.chars : utterance.rate / 14;
    return Math.min(text.length, mark.chars + Math.max(0, heard - mark.samples) / perChar);
  }
}

// ----- the view -----------------------------------------------------------------------------------

/** Nova's turn: what she says (one answer in the log), sentence by sentence as she says it. */
class NovaTurn {
  constructor(answerId, question) {
    this.answerId = answerId;
    this.text = "";
    this.fullText = ""; // the utterance's whole text (voice.started), when she speaks
    this.status = "speaking";
    this.textNode = el("p", { class: "nova-text", "data-testid": "nova-text" });
    this.stateNode = el("span", { class: "msg-state", text: "speaking…" });
    this.label = el("span", { class: "nova-label" });
    this.node = el(
      "li",
      { class: "msg nova speaking", "data-answer-id": answerId, tabindex: "-1", "aria-busy": "true" },
      el(
        "div",
        { class: "msg-head" },
        el("span", { class: "avatar", "aria-hidden": "true", text: "N" }),
        el("strong", { class: "advisor-name", text: "Nova" }),
        this.label,
        this.stateNode,
      ),
      this.textNode,
    );
    if (question) this.setQuestion(question);
    this.render();
  }

  setQuestion(question) {
    const kind = KIND_TEXT[question.kind] ?? words(question.kind);
    this.label.textContent = question.followup ? "follow-up" : kind ? `${kind.toLowerCase()} question` : "";
    if (question.followup && question.reason) this.label.title = FOLLOWUP_TEXT[question.reason] ?? words(question.reason);
  }

  append(text) {
    if (this.status === "cut") return;
    this.text += text;
    this.render();
  }

  done(text) {
    if (typeof text === "string" && text.trim() && this.status !== "cut") this.text = text;
    this.setStatus("done", "");
    this.render();
  }

  cancel(reason, text) {
    if (typeof text === "string" && text.length > this.text.trimStart().length) this.text = text;
    if (this.status !== "cut") this.setStatus("cancelled", reason === CancelReason.BARGE_IN ? "cut off" : "stopped");
    this.render();
  }

  setStatus(status, label) {
    this.status = status;
    this.node.classList.remove("speaking");
    this.node.classList.add(status);
    this.node.setAttribute("aria-busy", "false");
    this.stateNode.textContent = label;
  }

  /** She was cut off after ``heard`` characters of ``whole``: the heard part as said, the rest
   * struck through and dimmed, and a marker where she stopped. */
  cutOff(whole, heard, reason, heardMs) {
    this.status = "cut";
    this.node.classList.remove("speaking", "cancelled");
    this.node.classList.add("cut-off");
    this.node.setAttribute("aria-busy", "false");
    this.node.dataset.heardMs = heardMs === null || heardMs === undefined ? "" : String(Math.round(heardMs));
    this.stateNode.textContent = reason === VoiceEndReason.BARGE_IN ? "cut off: you spoke" : "stopped";
    const text = whole || this.text.trimStart();
    const cut = heard === null ? text.length : wordCut(text, heard);
    const said = text.slice(0, cut).trimEnd();
    const unsaid = text.slice(cut).trim();
    this.textNode.replaceChildren(
      el("span", { class: "heard-part", text: said }),
      said && unsaid ? " " : "",
      unsaid ? el("s", { class: "unheard", title: "not heard: Nova was cut off here" }, el("span", { class: "visually-hidden", text: "not heard: " }), unsaid) : "",
      el("span", { class: "cutoff-mark", "data-testid": "cutoff-mark", text: reason === VoiceEndReason.BARGE_IN ? " — cut off" : " — stopped" }),
    );
  }

  render() {
    if (this.status === "cut") return;
    const text = this.text.trimStart();
    this.textNode.textContent = text || (this.status === "speaking" ? "…" : "");
  }
}

/** The candidate's answer to one question: their final transcripts, as they come. */
class CandidateTurn {
  constructor() {
    this.lines = el("div", { class: "candidate-lines" });
    this.meta = el("span", { class: "msg-state" });
    this.node = el(
      "li",
      { class: "msg user candidate", tabindex: "-1" },
      el("div", { class: "msg-head" }, el("strong", { class: "who", text: "You" }), this.meta),
      this.lines,
    );
    this.finals = new Map(); // seq → line
  }

  add(seq, text, typed = false) {
    const line = el("p", { class: `user-text${typed ? " typed" : ""}`, "data-seq": seq, "data-testid": typed ? "user-typed" : "user-final", text });
    if (typed && !this.meta.textContent) this.meta.textContent = "typed";
    this.finals.set(seq, line);
    this.lines.append(line);
  }
}

/** A feedback card: the figures, the STAR parts heard (with the words that showed them), a
 * number or outcome, relevance and the one suggestion; how each was computed, one click away. */
function feedbackCard(data, question) {
  const f = data.feedback ?? {};
  const questionText = f.question ?? question?.text ?? "";
  const relevance = typeof f.relevance === "number" ? f.relevance : f.relevance?.score;
  const stats = [
    ["Spoke for", seconds(f.duration_s)],
    ["Pace", typeof f.words_per_minute === "number" ? `${figure(f.words_per_minute)} wpm` : "—"],
    ["Fillers", typeof f.fillers_per_minute === "number" ? `${figure(f.fillers_per_minute, 1)}/min` : Array.isArray(f.fillers) ? `${f.fillers.length}` : "—"],
    // Not scored for every kind of question (null then): left out rather than shown as a blank.
    typeof relevance === "number" ? ["Relevance", `${Math.round(relevance * 100)}%`] : null,
  ].filter(Boolean);
  const kind = f.kind ?? question?.kind;
  // STAR and a number are what a story answer needs; for an opener or a motivation question a
  // row of red crosses would be advice to do the wrong thing.
  const story = kind === undefined || kind === null || STORY_KINDS.has(kind);
  const star = f.star ?? {};
  const starItems = STAR_PARTS.map((part) => {
    const quote = quoteText(star[part]);
    return el(
      "li",
      { class: `star-part ${quote ? "present" : "missing"}`, "data-part": part },
      el("span", { class: "star-mark", "aria-hidden": "true", text: quote ? "✓" : "✗" }),
      el("strong", { text: part[0].toUpperCase() + part.slice(1) }),
      quote ? el("q", { class: "quote", text: quote }) : el("span", { class: "missing-text", text: " not heard" }),
    );
  });
  const number = quoteText(f.number ?? f.specifics ?? null);
  const suggestion = typeof f.suggestion === "string" ? f.suggestion : f.suggestion?.text;
  const explanations = Object.entries(f.explanations ?? {}).filter(([, text]) => typeof text === "string" && text);
  const missingWords = Array.isArray(f.relevance?.missing) && f.relevance.missing.length ? f.relevance.missing.slice(0, 6).join(", ") : null;
  return el(
    "li",
    { class: "feedback-card", "data-question-id": data.question_id ?? "", "data-testid": "feedback-card", tabindex: "-1" },
    el("p", { class: "feedback-question" }, el("span", { class: "kind", text: KIND_TEXT[kind] ?? words(kind) }), ` ${questionText}`),
    el(
      "dl",
      { class: "feedback-stats" },
      ...stats.map(([name, value]) => el("div", {}, el("dt", { text: name }), el("dd", { text: value }))),
    ),
    story || starItems.some((item) => item.classList.contains("present"))
      ? el("ul", { class: "star", "aria-label": "STAR: situation, task, action, result" }, ...starItems)
      : el("p", { class: "star-note", text: "STAR is not scored for this kind of question." }),
    story || number
      ? el(
          "p",
          { class: `feedback-number ${number ? "present" : "missing"}` },
          el("strong", { text: "Number or outcome: " }),
          number ? el("q", { class: "quote", text: number }) : el("span", { class: "missing-text", text: "none heard" }),
        )
      : null,
    missingWords ? el("p", { class: "feedback-missing", text: `The question asked about: ${missingWords}` }) : null,
    suggestion ? el("p", { class: "suggestion" }, el("strong", { text: "Try: " }), suggestion) : null,
    explanations.length
      ? el(
          "details",
          { class: "explanations" },
          el("summary", { text: "How these were worked out" }),
          el("ul", {}, ...explanations.map(([name, text]) => el("li", {}, el("strong", { text: `${words(name)}: ` }), text))),
        )
      : null,
  );
}

/**
 * Renders a practice session's events into the parts of ``root`` marked ``data-part``: the
 * notices, the plan, the question being asked, the conversation (Nova's words, the candidate's),
 * the live transcript, the feedback cards and the report. ``audio``: the owner's VoicePlayer.
 */
export class PracticeView {
  constructor(root, { audio = null } = {}) {
    const part = (name) => root.querySelector(`[data-part="${name}"]`);
    this.root = root;
    this.noticesEl = part("notices");
    this.planEl = part("plan");
    this.questionEl = part("question");
    this.questionMetaEl = part("question-meta");
    this.phaseEl = part("phase");
    this.conversationEl = part("conversation");
    this.interimEl = part("interim");
    this.feedbackEl = part("feedback");
    this.reportSection = part("report-section");
    this.reportEl = part("report");
    this.audio = audio;
    this.lastSeq = 0;
    this.phase = "starting";
    this.questions = new Map(); // question_id → practice.question data
    this.byAnswer = new Map(); // answer_id → the question asked in it
    this.nova = new Map(); // answer_id → NovaTurn
    this.voices = new Map(); // utterance_id → {answerId, text}
    this.candidate = null; // the answer being given
    this.lastNova = null;
    this.report = null;
    this.closed = false;
    this.listeners = new Set();
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
      case EventType.PRACTICE_PLAN:
        this.showPlan(data);
        break;
      case EventType.PRACTICE_QUESTION:
        this.showQuestion(data);
        break;
      case EventType.ANSWER_STARTED:
        this.startNova(data);
        break;
      case EventType.ANSWER_DELTA:
        this.novaDelta(data);
        break;
      case EventType.ANSWER_DONE:
        this.nova.get(data.answer_id)?.done(data.text);
        break;
      case EventType.ANSWER_CANCELLED:
        if (data.reason === CancelReason.BARGE_IN || data.reason === CancelReason.STOPPED) {
          for (const voice of this.voices.values()) if (voice.answerId === data.answer_id) this.audio?.cut(voice.id);
        }
        this.nova.get(data.answer_id)?.cancel(data.reason, data.text);
        break;
      case EventType.VOICE_STARTED:
        this.voiceStarted(data);
        break;
      case EventType.VOICE_ENDED:
        this.voiceEnded(data);
        break;
      case EventType.PRACTICE_LISTENING:
        this.setPhase("listening");
        break;
      case EventType.USER_TRANSCRIPT_INTERIM:
        this.showInterim(data);
        break;
      case EventType.USER_TRANSCRIPT_FINAL:
        this.addFinal(event);
        break;
      case EventType.MESSAGE:
        this.addFinal(event, true); // a typed answer
        break;
      case EventType.PRACTICE_ANSWER_ENDED:
        this.answerEnded(data);
        break;
      case EventType.PRACTICE_FEEDBACK:
        this.addFeedback(data);
        break;
      case EventType.PRACTICE_PAUSED:
        this.setPhase("paused", data.reason);
        break;
      case EventType.PRACTICE_RESUMED:
        this.setPhase("listening");
        break;
      case EventType.PRACTICE_REPORT:
        this.showReport(data);
        break;
      case EventType.ERROR:
        this.notice(data.message ?? data.code ?? "error", "error");
        break;
      case EventType.SESSION_CLOSED:
        this.closed = true;
        this.setPhase("ended");
        break;
      default:
        break;
    }
    for (const listener of this.listeners) listener(event);
  }

  // -- the plan and the question ------------------------------------------------------------

  showPlan(data) {
    this.noticesEl.replaceChildren(...(data.notices ?? []).map((text) => el("p", { class: "plan-notice", text })));
    this.noticesEl.hidden = !(data.notices ?? []).length;
    this.planEl.replaceChildren(
      ...(data.questions ?? []).map((q) =>
        el(
          "li",
          { class: "plan-item", "data-question-id": q.id },
          el("span", { class: "kind", text: KIND_TEXT[q.kind] ?? words(q.kind) }),
          q.competency ? el("span", { class: "competency", text: words(q.competency) }) : null,
          el("span", { class: "plan-text", text: q.text }),
          q.source ? el("span", { class: "plan-source", text: `From the job description: “${q.source}”` }) : null,
        ),
      ),
    );
  }

  showQuestion(data) {
    this.questions.set(data.question_id, data);
    if (data.answer_id !== null && data.answer_id !== undefined) {
      this.byAnswer.set(data.answer_id, data);
      this.nova.get(data.answer_id)?.setQuestion(data);
    }
    this.questionEl.textContent = data.text ?? "";
    const meta = [];
    if (data.followup) meta.push(el("span", { class: "kind followup", text: "Follow-up" }));
    else if (data.kind) meta.push(el("span", { class: "kind", text: KIND_TEXT[data.kind] ?? words(data.kind) }));
    if (data.competency) meta.push(el("span", { class: "competency", text: words(data.competency) }));
    if (data.followup && data.reason) {
      const why = FOLLOWUP_TEXT[data.reason] ?? words(data.reason);
      meta.push(el("span", { class: "followup-reason", text: data.quote ? `Why: ${why} (you said \u201c${data.quote}\u201d)` : `Why: ${why}` }));
    }
    this.questionMetaEl.replaceChildren(...meta);
    // The planned question it belongs to (a follow-up's id starts with its question's).
    for (const item of this.planEl.children) {
      const id = item.dataset.questionId;
      const current = id === data.question_id || String(data.question_id ?? "").startsWith(`${id}.`) || String(data.question_id ?? "").startsWith(`${id}-`);
      if (current) {
        item.classList.add("current");
        item.setAttribute("aria-current", "step");
        for (const earlier of this.planEl.children) {
          if (earlier === item) break;
          earlier.classList.remove("current");
          earlier.removeAttribute("aria-current");
          earlier.classList.add("asked");
        }
      }
    }
    this.setPhase("asking");
  }

  setPhase(phase, detail = "") {
    if (this.closed && phase !== "ended") return;
    if (this.report && phase !== "ended" && phase !== "asking") phase = "over";
    this.phase = phase;
    this.root.dataset.practicePhase = phase;
    const text = {
      starting: "Starting…",
      asking: "Nova is asking…",
      listening: "Listening: answer out loud, then press Done answering (or pause).",
      paused: `Paused. ${detail}`.trim(),
      over: "The interview is over: your report is below.",
      ended: "This session has ended.",
    }[phase];
    this.phaseEl.textContent = text ?? "";
    this.phaseEl.dataset.phase = phase;
  }

  // -- Nova's words -------------------------------------------------------------------------

  startNova(data) {
    if (this.nova.has(data.answer_id)) return;
    const turn = new NovaTurn(data.answer_id, this.byAnswer.get(data.answer_id));
    this.nova.set(data.answer_id, turn);
    this.lastNova = turn;
    this.candidate = null; // what the candidate says next answers this
    this.conversationEl.append(turn.node);
    this.follow(turn.node);
    if (this.phase !== "over") this.setPhase("asking");
  }

  novaDelta(data) {
    const turn = this.nova.get(data.answer_id);
    if (!turn) return;
    // Each delta is a sentence whose first audio just went out: where that sentence starts in
    // the utterance's audio (what the cut-off marker measures against).
    const voice = [...this.voices.values()].findLast((v) => v.answerId === data.answer_id);
    const utterance = voice ? this.audio?.utterance(voice.id) : null;
    if (utterance && !utterance.ended) this.audio.markSentence(utterance, turn.text.trimStart().length + (turn.text.trim() ? 1 : 0));
    turn.append(data.text ?? "");
    this.follow(turn.node);
  }

  voiceStarted(data) {
    const answerId = data.answer_id ?? this.lastNova?.answerId ?? null;
    this.voices.set(data.utterance_id, { id: data.utterance_id, answerId, text: data.text ?? "" });
    const turn = this.nova.get(answerId);
    if (turn && data.answer_id !== null && data.answer_id !== undefined) turn.fullText = data.text ?? "";
    this.audio?.begin(data);
  }

  voiceEnded(data) {
    this.audio?.end(data);
    const reason = data.reason;
    if (reason !== VoiceEndReason.BARGE_IN && reason !== VoiceEndReason.STOPPED) return;
    const voice = this.voices.get(data.utterance_id);
    const turn = voice ? this.nova.get(voice.answerId) : null;
    if (!turn || turn.status === "cut") return;
    const whole = voice.text || turn.fullText || turn.text.trimStart();
    const utterance = this.audio?.utterance(data.utterance_id);
    // This page's own measure of what was heard when it has one; else the server's heard_ms
    // over the audio it sent, as a share of her words.
    let heard = utterance ? this.audio.heardChars(utterance, whole) : null;
    let heardMs = utterance?.heardMs ?? null;
    if (heard === null) {
      heardMs = data.heard_ms ?? null;
      const sent = data.audio_ms;
      const shown = turn.text.trimStart().length;
      if (heardMs !== null && sent) heard = Math.min(1, heardMs / sent) * (shown || whole.length);
      else heard = shown;
    }
    turn.cutOff(whole, heard, reason, heardMs);
  }

  // -- the candidate ------------------------------------------------------------------------

  candidateTurn() {
    if (!this.candidate) {
      this.candidate = new CandidateTurn();
      this.conversationEl.append(this.candidate.node);
    }
    return this.candidate;
  }

  showInterim(data) {
    const stable = data.stable ?? "";
    const unstable = data.unstable ?? "";
    const text = `${stable}${unstable ? " " : ""}${unstable}`.trim() || data.text || "";
    this.interimEl.replaceChildren(
      el("span", { class: "who user", text: "You" }),
      el("span", { class: "stable", text: stable || (unstable ? "" : text) }),
      el("span", { class: "unstable", text: unstable ? ` ${unstable}` : "" }),
    );
    this.interimEl.hidden = !text;
  }

  addFinal(event, typed = false) {
    const turn = this.candidateTurn();
    turn.add(event.seq, event.data?.text ?? "", typed);
    this.interimEl.replaceChildren();
    this.interimEl.hidden = true;
    this.follow(turn.node);
  }

  answerEnded(data) {
    const turn = this.candidate;
    if (turn) {
      const waited = typeof data.wait_ms === "number" && data.by === "pause" ? ` after ${(data.wait_ms / 1000).toFixed(1)} s of silence` : "";
      turn.meta.textContent = `${ENDED_BY_TEXT[data.by] ?? words(data.by)}${waited}`;
      turn.node.dataset.endedBy = data.by ?? "";
    }
    this.candidate = null;
  }

  addFeedback(data) {
    const card = feedbackCard(data, this.questions.get(data.question_id));
    this.feedbackEl.prepend(card);
    this.feedbackEl.closest("section")?.removeAttribute("hidden");
  }

  // -- the end ------------------------------------------------------------------------------

  showReport(data) {
    this.report = data;
    this.reportEl.replaceChildren(renderMarkdown(data.markdown ?? ""));
    this.reportSection.hidden = false;
    this.setPhase("over");
  }

  notice(message, kind = "error") {
    const node = el("li", { class: `notice ${kind}`, role: kind === "error" ? "alert" : "status" }, el("p", { text: message }));
    this.conversationEl.append(node);
    this.follow(node);
    return node;
  }

  /** The conversation follows what is said unless the reader scrolled up. */
  follow(node) {
    const list = this.conversationEl;
    if (list.scrollHeight - list.scrollTop - list.clientHeight < 120) list.scrollTop = list.scrollHeight;
    void node;
  }
}

// ----- the page -----------------------------------------------------------------------------------

const STORAGE_KEY = "firstword.practice";

function practicePage() {
  const state = {
    session: null, // {session_id, owner_token, ws_url}
    stream: null,
    capture: null,
    started: false,
    sample: null, // the sample profile, once loaded
  };
  const player = new VoicePlayer({
    send: (message) => state.stream?.sendJson(message),
    onUnavailable: (reason) => audioUnavailable(reason),
  });
  const view = new PracticeView($("practice"), { audio: player });
  window.firstword = { view, state, player };
  window.practiceAudio = player.stats;

  const describe = (error) => `${error.message}${error.status ? ` (HTTP ${error.status})` : ""}`;

  function setStatus(text) {
    $("status").textContent = text;
    $("status").dataset.state = text;
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

  function audioUnavailable(reason) {
    const box = $("audio-warning");
    box.textContent = "Audio can't play in this browser: Nova's questions are shown as text.";
    box.title = reason;
    box.hidden = false;
    window.practiceAudio.unavailable = reason;
    if (state.stream) {
      // The server stops sending her audio here (a connection opening now says so when it is
      // live); a reconnect asks for none.
      state.stream.url = state.stream.url.replace(/&voice=1/, "");
      if (state.stream.ws?.readyState === WebSocket.OPEN) state.stream.sendJson({ type: ControlType.VOICE_UNAVAILABLE, reason });
    }
  }

  // Control messages wait for the connection (it opens a moment after Start).
  const outbox = [];
  function sendWhenOpen(message) {
    if (state.stream?.ws?.readyState === WebSocket.OPEN) state.stream.sendJson(message);
    else outbox.push(message);
  }
  function flush() {
    while (outbox.length && state.stream?.ws?.readyState === WebSocket.OPEN) state.stream.sendJson(outbox.shift());
  }

  view.onChange((event) => {
    if (event.type === EventType.SESSION_CLOSED) {
      setStatus("ended");
      stopMicrophone();
      forget();
    }
    if (event.type === EventType.PRACTICE_REPORT) {
      $("finish").disabled = true;
      $("report-section").scrollIntoView({ block: "start", behavior: "smooth" });
    }
    if (event.type === EventType.PRACTICE_LISTENING && document.activeElement === document.body) $("done").focus({ preventScroll: true });
    updateButtons();
  });

  function updateButtons() {
    const live = Boolean(state.session) && !view.closed;
    $("done").disabled = !live || view.phase === "over";
    $("stop-nova").disabled = !live || view.phase !== "asking";
    document.body.dataset.practicePhase = view.phase;
  }

  // ----- the profile ------------------------------------------------------------------------------

  $("use-sample").addEventListener("change", async (change) => {
    const on = change.target.checked;
    $("job").readOnly = on;
    $("resume").readOnly = on;
    if (!on) return;
    try {
      state.sample ??= await api("/profile/sample");
      $("job").value = state.sample.job_description ?? "";
      $("resume").value = state.sample.resume ?? "";
    } catch (error) {
      toast(`Could not load the sample profile: ${describe(error)}`);
    }
  });

  function sessionBody() {
    if ($("use-sample").checked) return { persona: "nova", use_sample_profile: true };
    return {
      persona: "nova",
      use_sample_profile: false,
      profile: { job_description: $("job").value.trim(), resume: $("resume").value.trim() },
    };
  }

  // ----- starting -----------------------------------------------------------------------------------

  $("setup").addEventListener("submit", async (submit) => {
    submit.preventDefault();
    // Inside the click: the one moment a browser lets a page start its audio.
    player.unlock();
    $("start").disabled = true;
    try {
      if (!state.session) {
        const created = await api("/sessions", { method: "POST", body: sessionBody() });
        state.session = { session_id: created.session_id, owner_token: created.owner_token, ws_url: created.ws_url };
        sessionStorage.setItem(STORAGE_KEY, JSON.stringify(state.session));
      }
      connect();
      document.body.dataset.phase = "live";
      $("done").focus({ preventScroll: true });
      // Nova begins while the microphone opens (a permission prompt may take the candidate a
      // moment): her greeting needs no answer, and a refused microphone still leaves typing.
      sendWhenOpen({ type: ControlType.PRACTICE_START });
      state.started = true;
      await startMicrophone();
    } catch (error) {
      toast(`Could not start: ${describe(error)}`);
    } finally {
      $("start").disabled = false;
      updateButtons();
    }
  });

  function connect() {
    if (state.stream) return;
    const { ws_url, owner_token } = state.session;
    const voice = player.available === false ? "" : "&voice=1";
    state.stream = new SocketStream({
      url: `${ws_url}?token=${encodeURIComponent(owner_token)}${voice}`,
      after: () => view.lastSeq,
      onEvent: (event) => view.apply(event),
      onBinary: (buffer) => player.frame(buffer),
      onStatus: (status) => {
        setStatus(view.closed ? "ended" : status);
        if (status === "live") {
          if (player.available === false) sendWhenOpen({ type: ControlType.VOICE_UNAVAILABLE, reason: player.reason });
          flush();
        }
      },
      onFatal: (reason, code) => {
        toast(
          code === CloseCode.REPLACED
            ? "This interview is now open in another window or tab; this one has stopped."
            : `The session ended: ${reason}`,
        );
        if (code === CloseCode.FORBIDDEN || code === CloseCode.NOT_FOUND) forget();
        stopMicrophone();
        updateButtons();
      },
    });
    window.firstword.stream = state.stream;
    state.stream.open();
  }

  async function startMicrophone() {
    if (state.capture) return;
    const stream = state.stream;
    try {
      state.capture = new Capture(await microphone(), (frame) => stream.sendAudio(frame));
      await state.capture.start();
      $("mic-state").textContent = "Microphone on";
      $("mic-state").dataset.state = "on";
    } catch (error) {
      state.capture?.stop();
      state.capture = null;
      $("mic-state").textContent = "Microphone off";
      $("mic-state").dataset.state = "off";
      toast(`No microphone (${error.message}): type your answers below.`);
    }
  }

  function stopMicrophone() {
    state.capture?.stop();
    state.capture = null;
    $("mic-state").textContent = "Microphone off";
    $("mic-state").dataset.state = "off";
  }

  function forget() {
    sessionStorage.removeItem(STORAGE_KEY);
  }

  /** A reload: the same interview, replayed from its start; Start (a click) turns the audio and
   * the microphone back on. */
  async function resumeStored() {
    const stored = sessionStorage.getItem(STORAGE_KEY);
    if (!stored) return;
    try {
      const session = JSON.parse(stored);
      const info = await api(`/sessions/${encodeURIComponent(session.session_id)}`, { token: session.owner_token });
      if (info.status === "closed" || info.served_here === false) throw new Error("ended");
      state.session = session;
      $("start").textContent = "Resume the interview";
      $("setup-intro").textContent = "Your interview is still open. Resume it to turn the microphone and Nova's voice back on.";
      $("profile-fields").hidden = true;
    } catch {
      forget();
    }
  }

  // ----- during the interview ---------------------------------------------------------------

  function done() {
    if (!state.session || view.phase === "over") return;
    sendWhenOpen({ type: ControlType.PRACTICE_DONE });
    $("done").classList.add("pressed");
    setTimeout(() => $("done").classList.remove("pressed"), 400);
  }

  function stopNova() {
    if (state.session) sendWhenOpen({ type: ControlType.STOP });
  }

  $("done").addEventListener("click", done);
  $("stop-nova").addEventListener("click", stopNova);
  $("finish").addEventListener("click", () => {
    if (!state.session) return;
    sendWhenOpen({ type: ControlType.PRACTICE_FINISH });
    toast("Finishing: your report is on its way", "info");
  });

  $("type-answer").addEventListener("submit", (submit) => {
    submit.preventDefault();
    const text = $("answer-text").value.trim();
    if (!text || !state.session) return;
    if (state.stream?.ws?.readyState !== WebSocket.OPEN) {
      toast("Not connected: your answer is kept here; send it again in a moment.");
      return;
    }
    state.stream.sendJson({ type: ControlType.MESSAGE, text });
    $("answer-text").value = "";
  });

  $("answer-text").addEventListener("keydown", (key) => {
    if (key.key === "Enter" && !key.shiftKey && !key.isComposing) {
      key.preventDefault();
      $("type-answer").requestSubmit();
    }
  });

  // Enter (when not typing or on a control) or Alt+D: done answering. Escape: stop Nova.
  document.addEventListener("keydown", (key) => {
    if (document.body.dataset.phase !== "live" || key.ctrlKey || key.metaKey) return;
    const typing = key.target.closest?.("input, textarea, select, button, a, summary, [contenteditable]");
    if ((key.key === "Enter" && !typing && !key.altKey && !key.shiftKey) || (key.altKey && key.code === "KeyD")) {
      key.preventDefault();
      done();
    } else if (key.key === "Escape" && !key.target.closest?.("input, textarea")) {
      stopNova();
    }
  });

  // ----- share and the report -----------------------------------------------------------------

  $("share").addEventListener("click", async () => {
    if (!state.session) return;
    try {
      const grant = await api(`/sessions/${encodeURIComponent(state.session.session_id)}/observers`, {
        method: "POST",
        token: state.session.owner_token,
        body: { label: "shared from practice" },
      });
      $("watch-url").value = grant.watch_url;
      $("share-panel").hidden = false;
      $("watch-url").focus();
      $("watch-url").select();
    } catch (error) {
      toast(`Could not create a link: ${describe(error)}`);
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
        `/sessions/${encodeURIComponent(session_id)}/practice/report?format=${format}`,
        owner_token,
        `firstword-practice-${session_id}.${format === "json" ? "json" : "md"}`,
      );
    } catch (error) {
      toast(`Could not download the report: ${describe(error)}`);
    }
  }

  $("report-md").addEventListener("click", () => download("markdown"));
  $("report-json").addEventListener("click", () => download("json"));

  updateButtons();
  resumeStored();
}

if (document.body?.dataset.page === "practice") practicePage();
