"""Stopping background tasks so that a shutdown always ends.

A cancelled task stops at its next await (``firstword.llm.base``: cancelling the task that
iterates is how an answer stops). Two things break that in practice, in loops against Redis:

- redis-py wraps its reads in ``asyncio.timeout``; a cancellation that lands as a socket read
  times out comes back as redis-py's ``TimeoutError`` (an ``OSError`` and a ``RedisError``), which
  a loop that retries on Redis errors would swallow and go round again;
- Python 3.11's ``asyncio.wait_for`` returns the inner result, dropping the cancellation, when the
  inner awaitable finishes in the same step as the cancel (fixed in 3.12).

A swallowed cancellation leaves ``await task`` waiting for ever, and with it the server's
shutdown or a test's teardown. So loops put a cancellation back when they catch an error
(``reraise_if_cancelling``), and owners stop their tasks with ``stop``, which asks again and
never waits unbounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

log = logging.getLogger(__name__)

# One cancel reaches a task at its next await, within a step of the event loop; a task that has
# not ended after this swallowed it (above) and is asked again.
STOP_RETRY_S = 1.0
# A task still running after this many asks is left cancelled and reported, never waited for: a
# shutdown that hangs loses more (every other session's final writes) than one stray task does.
STOP_ASKS = 5


def reraise_if_cancelling() -> None:
    """Call in an ``except`` of a loop that retries: if this task is being cancelled, the error
    caught was that cancellation turned into something else; raise it as what it was."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


async def stop(task: asyncio.Task[object] | None, what: str) -> bool:
    """Cancel ``task`` and wait for it to end, asking again if it swallowed the cancellation.
    Returns whether it ended; its own exception, if any, is logged, not raised."""
    if task is None or task.done():
        if task is not None and not task.cancelled() and task.exception() is not None:
            log.warning("%s had failed: %r", what, task.exception())
        return True
    for _ in range(STOP_ASKS):
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=STOP_RETRY_S)
        if done:
            if not task.cancelled():
                with contextlib.suppress(asyncio.CancelledError):
                    error = task.exception()
                    if error is not None:
                        log.warning("%s ended with an error as it stopped: %r", what, error)
            return True
    log.error("%s did not stop after %d cancellations; left behind", what, STOP_ASKS)
    return False
