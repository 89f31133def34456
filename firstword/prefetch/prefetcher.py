"""Answers written before the question: one session's predictions, answered in idle time at
background priority, and handed over at once when a question asks one of them.

The prefetcher follows the session's event log (it is a log listener), so the copilot and the
board room feed it alike:

- ``speech.started`` (until ``speech.ended``), ``message``, ``answer.started``: the session is busy. Background work stops
  now (its generation task is cancelled, the model and the cores are the live answer's), and
  the idle clock restarts.
- ``answer.done``: the question and its answer join the history; the predictions are made again
  from it (``predict.predict_questions``), every answer prepared for the previous context is
  dropped (the conversation moved on), and, once the session has been idle ``idle_after_s``,
  the best ``prepared_per_pause`` predictions are answered one by one.

Pre-generation never delays a live answer:

- each generation runs at ``Priority.BACKGROUND`` on the model scheduler (paused while a live or
  critic lease exists, its slot revoked when a live answer needs one);
- it starts only after ``idle_after_s`` of quiet, and any activity cancels it;
- the whole server's background generations pass through one ``BackgroundGate``: one at a time,
  each followed by a rest in proportion, so that they take at most ``global_share`` of wall
  time however many sessions are idle;
- a session stops prefetching once it has used ``session_cpu_s`` of generation time.

``lookup(question, persona)`` is the hand-over: a hit needs the matcher to pick exactly one
prediction (``match.decide``: ambiguous and near questions are misses), an answer prepared for
that prediction in the current context (same history, same profile), and the same persona. A
miss costs nothing but the budget already spent: with the server's lookup process
(``prefetch.worker``), each pause's predictions are sent to it, and a turn is decided there while
the loop does the live answer's reading of it (``meanwhile``); without it, or when it is not
up, the same decision is made here. ``invalidate`` (the profile changed) drops
every prediction and prepared answer; nothing written from the old profile is ever shown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field, replace

from firstword.config import PrefetchConfig
from firstword.critic.sentences import split as sentences_of
from firstword.events import AnswerDone, AnswerStarted, Event, EventType
from firstword.prefetch.match import Choice, choose, confirmed, normalise
from firstword.prefetch.predict import Prediction
from firstword.prefetch.worker import MatchWorker

log = logging.getLogger("firstword.prefetch")

# Writes the answer to a predicted question for a persona ("board:<id>" or the session's), with
# the history so far, at background priority; raises NotPreparable when it must not be written
# ahead (it would run a tool), or LlmError.
Generate = Callable[[Prediction, str, Sequence[tuple[str, str]]], AsyncIterator[str]]
# The predictions for a persona from the history so far ((role, text) pairs).
Predict = Callable[[str, Sequence[tuple[str, str]]], list[Prediction]]


def with_topic(prediction: Prediction, history: Sequence[tuple[str, str]]) -> str:
    """The question to write a follow-up's answer to: a pattern's follow-up ("What was your role
    in that?") read alone has lost what "that" is, and the grounded answerer then finds nothing
    of the profile's to say; with the question it follows ("Tell me about a time you cut
    latency. What was your role in that?") it retrieves the story it is about. The copilot's
    live path answers the words asked, which carry their topic ("your role on that team").
    A follow-up that asks something of its own (``patterns.STANDALONE_FOLLOW_UPS``) is written
    as asked."""
    if prediction.standalone:
        return prediction.text
    asked = [text for role, text in history if role == "user"]
    return f"{asked[-1].strip()} {prediction.text}" if asked else prediction.text


async def prepared_text(text: str) -> AsyncIterator[str]:
    """An answer known before it is shown (written ahead, or a note), as the stream a generation
    gives: all of it at once."""
    yield text


def _sentence_key(sentence: str) -> str:
    return " ".join(sentence.lower().split()).rstrip(".!? ")


async def then_live(prepared: AsyncIterator[str], live: AsyncIterator[str], *, said: str = "") -> AsyncIterator[str]:
    """A prepared answer, then the live answer to the asks of the turn it does not answer
    (``Prepared.live``), one space between; closing it closes whichever is streaming.

    ``said``: prepared text already shown (the caller showed it before this stream began). A
    sentence of the live answer's grounded opening (its first piece, whole) that the prepared
    answer already said is left out: the two parts are grounded separately, and the same note
    can answer both ("…did you try AQE? … when will AQE not help you?" said its AQE note twice
    in set j)."""
    heard = {_sentence_key(x.text) for x in sentences_of(said, final=True)}
    async with contextlib.aclosing(prepared) as first:
        async for delta in first:
            heard.update(_sentence_key(x.text) for x in sentences_of(delta, final=True))
            yield delta
    started = False
    async with contextlib.aclosing(live) as rest:
        async for delta in rest:
            if not started:
                # Only whole sentences: a model's first token ("Yes") is not the sentence "Yes."
                delta = " ".join(x.text for x in sentences_of(delta, final=True)
                                 if not (x.text.endswith((".", "!", "?")) and _sentence_key(x.text) in heard))
                if not delta:
                    continue
                delta, started = " " + delta, True
            yield delta


def joined_answers(texts: Sequence[str]) -> str:
    """The answers to the asks of one turn, in order, each sentence once: "What are you on now,
    and what are you after?" is often answered by one note for both ("Currently $118k base …,
    and looking for $130k–$145k"), which said twice reads as a stutter (set b)."""
    heard: set[str] = set()
    out: list[str] = []
    for text in texts:
        kept = [x.text for x in sentences_of(text, final=True) if _sentence_key(x.text) not in heard]
        heard.update(_sentence_key(x) for x in kept)
        if kept:
            out.append(" ".join(kept))
    return " ".join(out)


class NotPreparable(Exception):
    """The answer to this prediction cannot be written ahead (it would call a tool)."""


class BackgroundGate:
    """The server's one door for background generation (shared by every session): one at a time,
    each followed by a rest of ``used * (1 - share) / share``, so background work never takes
    more than ``share`` of wall time (``busy_s`` / elapsed says what it took)."""

    def __init__(self, share: float, clock: Callable[[], float] = time.monotonic) -> None:
        if not 0.0 < share <= 1.0:
            raise ValueError(f"share must be in (0, 1], got {share}")
        self.share = share
        self._clock = clock
        self._lock: asyncio.Lock | None = None
        self._open_at = 0.0
        self._running_since: float | None = None
        self.busy_s = 0.0
        self.passes = 0

    def busy_total(self) -> float:
        """Seconds spent in slots so far, the one running now included (for the CPU meter)."""
        running = self._clock() - self._running_since if self._running_since is not None else 0.0
        return self.busy_s + running

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            rest = self._open_at - self._clock()
            if rest > 0:
                await asyncio.sleep(rest)
            started = self._clock()
            self._running_since = started
            try:
                yield
            finally:
                self._running_since = None
                used = self._clock() - started
                self.busy_s += used
                self.passes += 1
                self._open_at = self._clock() + used * (1.0 - self.share) / self.share


@dataclass(frozen=True, slots=True)
class Prepared:
    """An answer written ahead for ``prediction``, in context ``context`` of the session."""

    prediction: Prediction
    persona: str
    text: str
    ready_at: float
    context: int
    compute_s: float
    # A turn that asked two or three predicted questions at once is answered by their answers
    # in order (``match.decide_each``): these, and ``text`` is theirs joined.
    parts: tuple[Prepared, ...] = ()
    # The predictions it was matched among (set by ``lookup``): a later transcript of the same
    # turn is judged against the same field (``asks_same``), whatever was shown or predicted since.
    among: tuple[Prediction, ...] = ()
    # The asks of the turn no prediction answers, to be answered live after ``text``
    # (``match.decide_partly``); "" when ``text`` answers the whole turn.
    live: str = ""


@dataclass(slots=True)
class PrefetchStats:
    predicted: int = 0
    prepared: int = 0
    hits: int = 0
    partial_hits: int = 0  # of the hits, those answered partly live (``Prepared.live``)
    ambiguous: int = 0
    cancelled: int = 0  # generations stopped by activity
    dropped: int = 0  # prepared answers never used (the conversation moved on, or the profile changed)
    compute_s: float = 0.0
    not_preparable: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    lookups: int = 0  # turns decided (a colleague's turn is not)
    beside: int = 0  # of them, decided by the lookup worker (``prefetch.worker``), not on the loop


class Prefetcher:
    def __init__(
        self,
        *,
        persona: str,
        start_as: str | None = None,
        generate: Generate,
        predict: Predict,
        gate: BackgroundGate,
        config: PrefetchConfig,
        clock: Callable[[], float] = time.monotonic,
        handed_over: Callable[[str], str | None] | None = None,
        for_the_person: Callable[[str], str] | None = None,
        matcher: MatchWorker | None = None,
    ) -> None:
        # Whose answers: the session's own persona for questions typed to the session (the turn
        # manager's), "board:<id>" for an advisor's in the board room (its events name it).
        self._persona = persona
        self._start_as = start_as or persona  # whose questions open the session
        self._generate = generate
        self._predict = predict
        self._gate = gate
        self._config = config
        self._clock = clock
        # The colleague a turn hands the floor to ("Faith, do you have your questions?"), whose
        # words are never the person's to answer: no prediction is shown for it.
        self._handed_over = handed_over
        # What of the asks left to answer live beside a prepared answer is asked of the person,
        # not of a colleague by name (``Grounding.for_the_person``).
        self._for_the_person = for_the_person
        # The server's lookup process (``prefetch.worker``), which decides a turn beside the
        # live path; ``_installed``: the very list of predictions it holds for this session, and
        # their generation there (a lookup among any other list is made here).
        self._matcher = matcher
        self._key = matcher.register() if matcher is not None else 0
        self._installed: tuple[list[Prediction], int] | None = None
        self.history: list[tuple[str, str]] = []
        self.predictions: list[Prediction] = []
        self._for_persona = persona  # whose follow-ups the predictions are
        self._prepared: dict[str, Prepared] = {}
        self._context = 0
        self._worker: asyncio.Task[None] | None = None
        self._busy_at = clock()
        self._questions: dict[int, tuple[str, str | None]] = {}  # answer id -> (question, persona)
        self._closed = False
        self._suspended = False
        self._stale = False  # the context moved on and the predictions are still to be made
        self._stopping: asyncio.Task[None] | None = None
        self._speaking = False  # between speech.started and speech.ended
        self.stats = PrefetchStats()

    # ----- what the session tells it -------------------------------------------------------

    def start(self) -> None:
        """The session is ready: predict its openers and prepare them once idle."""
        if self._matcher is not None:
            self._matcher.start()  # once per server, ~0.3 s before it answers: up by the first pause
        self._moved_on(self._start_as)
        self._schedule()

    def listener(self, event: Event) -> None:
        """Event log listener (must be fast and never raise)."""
        try:
            kind = event.type
            if kind in (EventType.SPEECH_STARTED, EventType.MESSAGE):
                self._speaking = self._speaking or kind == EventType.SPEECH_STARTED
                self.busy()
            elif kind == EventType.SPEECH_ENDED:
                # Idle counts from the end of speech: a long question is not a pause.
                self._speaking = False
                self._busy_at = self._clock()
            elif kind == EventType.ANSWER_STARTED:
                started = event.payload(AnswerStarted)
                self._questions[started.answer_id] = (started.question, started.persona)
                self.busy()
            elif kind == EventType.ANSWER_DONE:
                done = event.payload(AnswerDone)
                asked = self._questions.pop(done.answer_id, None)
                if asked is not None:
                    self.answered(asked[0], done.text, f"board:{asked[1]}" if asked[1] else self._persona)
            elif kind == EventType.ANSWER_CANCELLED:
                self._schedule()
        except Exception:  # a listener must never raise into the log
            log.exception("prefetch: could not read event %d", event.seq)

    def busy(self) -> None:
        """Activity: stop background work now and restart the idle clock."""
        self._busy_at = self._clock()
        if self._worker is not None and not self._worker.done():
            self._worker.cancel()
            self._stopping = self._worker
            self.stats.cancelled += 1
        self._worker = None

    async def quiet(self, timeout_s: float = 0.5) -> None:
        """Wait (briefly) until a generation stopped by ``busy`` has let go of the model: a live
        answer that started at once would take a cold context while the background job still
        held the one warm with this session's prompt (the bench saw +2-4 s first words)."""
        stopping, self._stopping = self._stopping, None
        if stopping is not None and not stopping.done():
            await asyncio.wait({stopping}, timeout=timeout_s)

    def answered(self, question: str, answer: str, persona: str) -> None:
        """A question was answered: the context moved on; predict from it and prepare when idle."""
        self.history += [("user", question), ("assistant", answer)]
        if self._suspended:
            return
        self._moved_on(persona)
        self._schedule()

    def suspend(self) -> None:
        """The profile is changing: stop, and forget every prediction and prepared answer."""
        self.busy()
        self._context += 1
        self.stats.dropped += len(self._prepared)
        self._prepared.clear()
        self.predictions = []
        self._suspended = True

    def invalidate(self) -> None:
        """The profile changed: predict again from the new one (nothing prepared from the old
        one is kept, or shown)."""
        self._suspended = False
        self.busy()
        self._moved_on(self._for_persona)
        self._schedule()

    def lookup(
        self, question: str, persona: str | None = None, *, partly: bool = False,
        meanwhile: Callable[[], object] | None = None, agrees: Callable[[str], bool] | None = None,
    ) -> Prepared | None:
        """The answer prepared for ``question`` (asked of ``persona``), or None (module doc).
        ``partly``: a turn that asks several things, some predicted, is a hit too, its other
        asks in ``Prepared.live`` for the caller to answer live after the prepared text (the
        copilot's turn manager does; an advisor, whose every word is the model's, does not).
        ``meanwhile``: the live answer's own reading of the turn, run while the lookup worker
        decides (``prefetch.worker``); not run when the lookup is made here. ``agrees``: whether
        the live answer to ``question`` would be this text (``Choice.confirm``); without it, a
        choice that needs it is a miss."""
        persona = persona or self._persona
        if not self._config.enabled or not self.predictions:
            return None
        predictions = self.predictions
        request = None
        if self._matcher is not None and self._installed is not None and self._installed[0] is predictions:
            request = self._matcher.ask(self._key, self._installed[1], question, partly=partly)
        if self._handed_over is not None and not persona.startswith("board:") and self._handed_over(question) is not None:
            self.stats.reasons["handed_over"] = self.stats.reasons.get("handed_over", 0) + 1
            return None  # (the worker's reply, if any, is dropped when the next one is read)
        choice: Choice | None = None
        if request is not None and self._matcher is not None:
            if meanwhile is not None:
                try:
                    meanwhile()
                except Exception:  # the live answer meets it again, and reports it
                    log.exception("prefetch: reading ahead failed")
            choice = self._matcher.reply(request)
        self.stats.lookups += 1
        self.stats.beside += choice is not None
        chosen, live, choice = self._choose(question, predictions, count=True, partly=partly, choice=choice)
        if chosen and choice.confirm:
            chosen = self._confirmed([*chosen, *(predictions[i] for i in choice.alternatives)], choice.kind, persona,
                                     agrees)
        if not chosen:
            return None
        each = [self._usable(p.text, persona) for p in chosen]
        if any(p is None for p in each):
            return None
        among = tuple(predictions)
        if len(each) == 1:
            return replace(each[0], among=among, live=live)  # type: ignore[arg-type]
        parts = tuple(p for p in each if p is not None)
        first = parts[0].prediction
        joined = Prediction(
            text=" ".join(p.prediction.text for p in parts), source="asked together", kind=first.kind,
            score=min(p.prediction.score for p in parts),
        )
        return Prepared(
            prediction=joined, persona=persona, text=joined_answers([p.text for p in parts]),
            ready_at=max(p.ready_at for p in parts), context=self._context,
            compute_s=sum(p.compute_s for p in parts), parts=parts, among=among, live=live,
        )

    def asks_same(self, question: str, prepared: Prepared) -> bool:
        """Whether ``question`` (a later transcript of the turn ``prepared`` was shown for) asks
        the same prediction(s), and leaves the same asks to answer live, judged among the
        predictions of the first match. Not whether the answer is still on hand: it was taken
        when shown, and once it has streamed the context moves on; a final that says the
        interim's words again must not redo it."""
        # (Read as partly answered whatever ``prepared.live`` is: a colleague's ask left over
        # leaves it empty, ``_choose``.)
        chosen, live, choice = self._choose(question, prepared.among, count=False, partly=True)
        if not chosen or normalise(live) != normalise(prepared.live):
            return False
        wanted = [p.prediction.text for p in prepared.parts] or [prepared.prediction.text]
        if choice.confirm:  # the story shown is the row's or one of the person's (``_confirmed``)
            return wanted[0] in {p.text for p in (*chosen, *(prepared.among[i] for i in choice.alternatives))}
        return [p.text for p in chosen] == wanted

    def _choose(
        self, question: str, predictions: Sequence[Prediction], *, count: bool, partly: bool = False,
        choice: Choice | None = None,
    ) -> tuple[list[Prediction], str, Choice]:
        """The prediction ``question`` asks, or the two or three it asks together, what of it is
        left to answer live (``partly`` only), and the choice they came from (whether the prepared
        answer must be the live one, ``_confirmed``); ([], "", …) on a miss or when two
        predictions are close (a false hit is worse than none). ``choice``: the worker's (``match.choose`` over
        ``predictions``), else it is made here."""
        if choice is None:
            choice = choose(question, predictions, partly=partly)
        if count:
            self.stats.reasons[choice.reason] = self.stats.reasons.get(choice.reason, 0) + 1
            if choice.ambiguous:
                self.stats.ambiguous += 1
        chosen = [predictions[i] for i in choice.chosen]
        if choice.live and self._for_the_person is not None:
            # "…Sunita, did you have anything else? No? Okay. Hannah, what questions do you have
            # for us?": an ask left over that is the colleague's is no one's to answer here.
            return chosen, self._for_the_person(choice.live), choice
        return chosen, choice.live, choice

    def _confirmed(self, options: Sequence[Prediction], kind: str, persona: str,
                   agrees: Callable[[str], bool] | None) -> list[Prediction]:
        """Of ``options`` (a story's row, then the person's stories, or a common question's row
        read in doubt: ``Choice.confirm``), the first whose prepared answer tells a story of
        ``kind`` (a story row's) and is the live answer to the turn; [] when none is."""
        def prepared(option: Prediction) -> str | None:
            usable = self._usable(option.text, persona)
            return usable.text if usable is not None else None

        if agrees is not None and (option := confirmed(options, kind, prepared, agrees)) is not None:
            return [option]
        self.stats.reasons["not_the_live_answer"] = self.stats.reasons.get("not_the_live_answer", 0) + 1
        return []

    def _usable(self, prediction_text: str, persona: str) -> Prepared | None:
        prepared = self._prepared.get(prediction_text)
        if prepared is None or prepared.context != self._context or prepared.persona != persona:
            return None
        if self._clock() - prepared.ready_at > self._config.keep_s:
            return None
        return prepared

    def took(self, prepared: Prepared) -> None:
        """``prepared`` was shown."""
        self.stats.hits += 1
        self.stats.partial_hits += bool(prepared.live)
        for shown in prepared.parts or (prepared,):
            self._prepared.pop(shown.prediction.text, None)

    def prepared(self) -> list[Prepared]:
        return list(self._prepared.values())

    async def aclose(self) -> None:
        self._closed = True
        if self._matcher is not None and self._installed is not None:
            self._matcher.forget(self._key)
            self._installed = None
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await worker

    # ----- the work -------------------------------------------------------------------------

    def _moved_on(self, persona: str) -> None:
        """The context changed: what was prepared is dropped now; the new predictions are made
        by the worker once the session is idle, not here (this runs inside the publish of the
        answer that moved it on, and ~3 ms of prediction there delayed that answer's delivery)."""
        self._context += 1
        self.stats.dropped += len(self._prepared)
        self._prepared.clear()
        self._for_persona = persona
        self.predictions = []
        self._stale = True

    def _repredict(self) -> None:
        self._stale = False
        persona = self._for_persona
        try:
            # The limits are the predictor's (``predictions``, ``own_work``): it is given them.
            self.predictions = self._predict(persona, self.history)
        except Exception:
            log.exception("prefetch: prediction failed")
            self.predictions = []
        self.stats.predicted += len(self.predictions)
        if self._matcher is not None and self.predictions:
            generation = self._matcher.install(self._key, self.predictions)
            self._installed = (self.predictions, generation) if generation is not None else None

    def _schedule(self) -> None:
        if self._closed or self._suspended or not self._config.enabled or self._config.prepared_per_pause <= 0:
            return
        if self._worker is not None and not self._worker.done():
            return
        with contextlib.suppress(RuntimeError):  # no running loop: nothing to schedule on
            self._worker = asyncio.get_running_loop().create_task(self._prepare_when_idle())

    async def _prepare_when_idle(self) -> None:
        c = self._config
        while True:
            quiet = self._clock() - self._busy_at
            if quiet >= c.idle_after_s and not self._speaking:
                break
            await asyncio.sleep(max(c.idle_after_s - quiet, 0.05))
        if self._stale:
            self._repredict()
        context = self._context
        todo = [p for p in self.predictions[: c.prepared_per_pause] if p.text not in self._prepared]
        for prediction in todo:
            if self.stats.compute_s >= c.session_cpu_s or context != self._context:
                return
            async with self._gate.slot():
                if context != self._context:
                    return
                started = self._clock()
                try:
                    text = await self._write(prediction, self._for_persona)
                except NotPreparable:
                    self.stats.not_preparable += 1
                    continue
                except asyncio.CancelledError:
                    self.stats.compute_s += self._clock() - started
                    raise
                except Exception as exc:  # an engine error: the live path will meet it too
                    log.info("prefetch: could not prepare %r: %s", prediction.text, exc)
                    self.stats.compute_s += self._clock() - started
                    continue
                used = self._clock() - started
                self.stats.compute_s += used
            if context != self._context or not text.strip():
                continue
            self._prepared[prediction.text] = Prepared(
                prediction=prediction, persona=self._for_persona, text=text.strip(), ready_at=self._clock(),
                context=context, compute_s=used,
            )
            self.stats.prepared += 1

    async def _write(self, prediction: Prediction, persona: str) -> str:
        parts: list[str] = []
        async with contextlib.aclosing(self._generate(prediction, persona, self.history)) as stream:
            async for delta in stream:
                parts.append(delta)
        return "".join(parts)
