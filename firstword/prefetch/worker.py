"""The lookup beside the live path: a child process that decides which prediction a turn asks
(``match.choose``) while the event loop reads the same turn for its live answer.

Every question is looked up before its answer starts, and a miss (most turns) then answers
live: run on the loop, the lookup's ~0.5 ms (1.2 ms p50 in the server after a pause, whose
caches are cold) came before every live first word, ~18 % of the embedded engine's ~6 ms
(``firstword bench prefetch``'s ``live_ttft_ratio``). Here the loop sends the question (a few
hundred bytes), reads the turn for its live answer meanwhile (``Grounding.ground``, cached for
the answer that follows), and then takes the worker's choice, which is ready by then: a miss
costs the live answer ~0.1 ms (the messages, and what is left of the child's work), measured on
the server's clock; a hit is shown once the live reading is done.

One worker serves the whole server: each session's predictions are sent once per pause
(``install``, ~20 KB pickled, in idle time), a question is a request and a reply of a few
positions (``Wire``). The child is ``python -m firstword.prefetch.worker`` with two pipes (the
way ``answerer.pdf_worker`` runs its child: no ``multiprocessing`` start method to re-import the
server's ``__main__``). It imports only the matcher, and exits when the server closes its pipe.

If the worker is not up yet, has died, or does not answer within ``wait_s``, the caller decides
in-process: the worker only ever moves the lookup off the loop, it never changes a decision.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

from firstword.prefetch import intents
from firstword.prefetch.match import Choice, Predicted, choose, decide

log = logging.getLogger("firstword.prefetch")

MODULE = "firstword.prefetch.worker"
# A question of no script, decided once after each install so that the predictions' own readings
# (``match.read_form``, their anchors' keys) are made in the pause, not on the first question.
_WARM_UP = "So what would you change about the onboarding there?"
# A child this many replies behind in a row is stuck (or starved for good): it is stopped before
# its pipe could fill (between two lookups a session sends one pause's ~20 KB of predictions), so
# the loop never blocks writing to it.
LATE_IN_A_ROW = 2
# The pipe to the child holds this much (Linux's default is 64 KB, three sessions' predictions):
# a hundred sessions whose answers end together send ~2 MB, and the loop would otherwise wait for
# the child to read each in turn.
PIPE_BYTES = 1 << 20


class Wire:
    """Length-prefixed pickles over a pipe's two ends (one may be None). By hand rather than
    ``multiprocessing.connection.Connection`` because it is on the way to every live first word:
    Connection's ``poll`` builds a selector on each call (~30 µs) and its ``recv`` reads a header
    and then a body (~30 µs); ``select`` and one read of what is there take ~10 µs."""

    _HEADER = struct.Struct("!I")

    def __init__(self, read_fd: int | None, write_fd: int | None) -> None:
        self._read_fd = read_fd
        self._write_fd = write_fd
        self._buffer = bytearray()

    def send(self, message: object) -> None:
        body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        data = memoryview(self._HEADER.pack(len(body)) + body)
        assert self._write_fd is not None
        while data:
            data = data[os.write(self._write_fd, data):]

    def recv(self, timeout: float | None = None) -> tuple[bool, Any]:
        """(True, the next message), or (False, None) when none is whole within ``timeout``
        seconds (None: wait for it). Raises EOFError once the other end has closed."""
        assert self._read_fd is not None
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if len(self._buffer) >= self._HEADER.size:
                (size,) = self._HEADER.unpack_from(self._buffer)
                end = self._HEADER.size + size
                if len(self._buffer) >= end:
                    message = pickle.loads(self._buffer[self._HEADER.size:end])
                    del self._buffer[:end]
                    return True, message
            if deadline is not None:
                readable, _, _ = select.select([self._read_fd], [], [], max(deadline - time.monotonic(), 0.0))
                if not readable:
                    return False, None
            chunk = os.read(self._read_fd, 1 << 16)
            if not chunk:
                raise EOFError("the other end closed the pipe")
            self._buffer += chunk

    def recv_pending(self) -> bool:
        """Whether more of a message is there to read (without reading it)."""
        if self._buffer:
            return True
        return self._read_fd is not None and bool(select.select([self._read_fd], [], [], 0)[0])

    def close(self) -> None:
        for fd in (self._read_fd, self._write_fd):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._read_fd = self._write_fd = None


class MatchWorker:
    """The server's one lookup process (see the module's docstring). Used from one thread (the
    event loop's); every method returns at once except ``reply``, which waits at most ``wait_s``."""

    def __init__(self, *, wait_s: float) -> None:
        self.wait_s = wait_s
        self._process: subprocess.Popen[bytes] | None = None
        self._wire: Wire | None = None
        self._ready = False
        self._broken = False
        self._keys = 0
        self._requests = 0
        self._generations = 0
        # Replies given up on (late past ``wait_s``): read and dropped when they come.
        self.late = 0
        # Lookups it was asked and did not decide (late, other predictions, failed): decided on
        # the loop instead.
        self.fallbacks = 0
        self._late_in_a_row = 0

    # ----- life ----------------------------------------------------------------------------

    def start(self) -> None:
        """Start the child (it is ready ~0.3 s later; until then ``ask`` says no)."""
        if self._process is not None or self._broken:
            return
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        with contextlib.suppress(AttributeError, OSError):  # not Linux, or above pipe-max-size
            fcntl.fcntl(to_child_w, fcntl.F_SETPIPE_SZ, PIPE_BYTES)  # type: ignore[attr-defined]
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", MODULE, str(to_child_r), str(from_child_w)],
                pass_fds=(to_child_r, from_child_w), stdin=subprocess.DEVNULL, close_fds=True,
            )
        except OSError as exc:
            log.warning("prefetch: no lookup worker (%s); looking up in-process", exc)
            self._broken = True
            for fd in (to_child_r, to_child_w, from_child_r, from_child_w):
                os.close(fd)
            return
        finally:
            if self._process is not None:
                os.close(to_child_r)
                os.close(from_child_w)
        self._wire = Wire(from_child_r, to_child_w)

    @property
    def ready(self) -> bool:
        """Whether the child is up (it says so once its imports are done)."""
        if self._ready or self._broken or self._wire is None:
            return self._ready
        try:
            came, message = self._wire.recv(0)
            self._ready = came and message == ("ready",)
        except (OSError, EOFError, pickle.UnpicklingError) as exc:
            self._fail(exc)
        return self._ready

    def close(self, *, kill: bool = False) -> None:
        """Stop the child: it exits when its pipe closes (at most 1 s is waited for that, at the
        server's shutdown); ``kill``: now, without waiting (it failed, on the live path)."""
        self._ready = False
        self._broken = True
        if self._wire is not None:
            self._wire.close()
        self._wire = None
        process, self._process = self._process, None
        if process is None:
            return
        if not kill:
            try:
                process.wait(timeout=1)
                return
            except subprocess.TimeoutExpired:
                pass
        process.kill()
        process.wait()

    def _fail(self, reason: object) -> None:
        log.warning("prefetch: the lookup worker failed (%s); looking up in-process from now on", reason)
        self.close(kill=True)

    def _post(self, message: tuple[Any, ...]) -> bool:
        if not self.ready or self._wire is None:
            return False
        try:
            self._wire.send(message)
        except (OSError, ValueError, pickle.PicklingError) as exc:
            self._fail(exc)
            return False
        return True

    # ----- what sessions ask of it -------------------------------------------------------------

    def register(self) -> int:
        """A key for one session's predictions."""
        self._keys += 1
        return self._keys

    def install(self, key: int, predictions: Sequence[Predicted]) -> int | None:
        """``predictions`` are ``key``'s now; the generation to ``ask`` with, or None (not up:
        look up in-process)."""
        self._generations += 1
        generation = self._generations
        return generation if self._post(("install", key, generation, list(predictions))) else None

    def forget(self, key: int) -> None:
        self._post(("forget", key))

    def ask(self, key: int, generation: int, question: str, *, partly: bool) -> int | None:
        """Send ``question`` to be decided among ``key``'s predictions of ``generation``; the
        request's id for ``reply``, or None (look up in-process)."""
        self._requests += 1
        request = self._requests
        return request if self._post(("choose", request, key, generation, question, partly)) else None

    def reply(self, request: int) -> Choice | None:
        """The choice for ``request``, or None when it did not come within ``wait_s`` (or the
        predictions were not the ones asked about): the caller then decides in-process."""
        deadline = time.monotonic() + self.wait_s
        while self._wire is not None:
            try:
                came, message = self._wire.recv(max(deadline - time.monotonic(), 0.0))
                if not came:
                    self.late += 1
                    self.fallbacks += 1
                    self._late_in_a_row += 1
                    if self._late_in_a_row >= LATE_IN_A_ROW:
                        self._fail(f"{LATE_IN_A_ROW} replies in a row later than {self.wait_s * 1000:g} ms")
                    return None
                answered, choice = message
            except (OSError, EOFError, ValueError, pickle.UnpicklingError) as exc:
                self._fail(exc)
                break
            if answered == request:
                self._late_in_a_row = 0
                if choice is None:
                    self.fallbacks += 1
                return choice
            # A reply given up on earlier: dropped.
        self.fallbacks += 1
        return None


# ----- the child -------------------------------------------------------------------------------


def serve(wire: Wire) -> None:
    """Decide questions among each key's predictions until the server closes the pipe (or is
    gone: a reply that cannot be written ends it too)."""
    try:
        _serve(wire)
    except (EOFError, OSError):
        return


def _serve(wire: Wire) -> None:
    installed: dict[int, tuple[int, list[Predicted]]] = {}
    intents.shipped()  # the classifier ``choose`` falls back on, loaded before the first question
    wire.send(("ready",))
    while True:
        _, message = wire.recv()
        kind = message[0]
        if kind == "choose":
            _, request, key, generation, question, partly = message
            have = installed.get(key)
            choice: Choice | None = None
            if have is not None and have[0] == generation:
                try:
                    choice = choose(question, have[1], partly=partly)
                except Exception:  # the server decides it in-process, where it is logged
                    choice = None
            wire.send((request, choice))
        elif kind == "install":
            _, key, generation, predictions = message
            installed[key] = (generation, predictions)
            if not wire.recv_pending():  # a backlog (many sessions' pauses at once) is read first
                with contextlib.suppress(Exception):  # a question that fails fails in-process too
                    decide(_WARM_UP, predictions)
        elif kind == "forget":
            installed.pop(message[1], None)


def main(argv: Sequence[str]) -> None:
    # Ctrl-C at the server's terminal reaches its whole process group: the server stops, closes
    # the pipe, and this child ends then, without a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    behind_the_loop()
    serve(Wire(int(argv[0]), int(argv[1])))


def behind_the_loop() -> None:
    """Scheduled so that a question sent here never stops the server's loop: Linux lets a task
    just woken take the CPU from the task that woke it, and this child, woken by the loop's
    write, then decided the whole turn on the loop's core while the loop waited in its write. In
    the server (``firstword bench prefetch`` over three held-out scripts, 44 lookups) that write
    took 0.06 ms at the median but 2.9 ms at p90 and 4.1 at most, the decision's own length;
    as a batch task (``SCHED_BATCH``, which is never run ahead of the task that woke it) 0.04 ms,
    0.07 and 0.11. It runs on the other core, or when the loop next waits. Elsewhere than Linux
    the default stands."""
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))


if __name__ == "__main__":
    main(sys.argv[1:])
