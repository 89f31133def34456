"""Action items of a live (spoken) session, read by rules from its final transcripts as they come.

A log listener, like the critic: the log hands it every event synchronously, and it only notes
each final (``transcript.final`` as the interviewer's, ``user.transcript.final`` as the user's)
and schedules the extraction on the event loop, so it never publishes in the middle of another
publish. Each extraction reads the finals not yet read and publishes ``actions.extracted`` with
the items not published before (the same task said again is not a new item). Typed messages are not its business: the board
room reads its own conversations, and the copilot's typed questions are questions.

A final that transcribes a turn's earlier finals again (``replaces``) stands in for them, so an
item they held is not published twice; a final cut mid-speech (``forced_cut``) waits for the one
that follows it, which usually transcribes it again whole.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from firstword.actions.extract import Utterance, extract
from firstword.events import ActionItem, ActionsExtracted, Event, EventType, Payload

log = logging.getLogger("firstword.actions")

SPEAKERS = {EventType.TRANSCRIPT_FINAL.value: "Interviewer", EventType.USER_TRANSCRIPT_FINAL.value: "You"}
# Standing lines kept (a final replaces only recent ones, of its own turn).
KEEP_LINES = 64


@dataclass(frozen=True, slots=True)
class _Line:
    seq: int
    turn: int | None
    speaker: str
    text: str


class LiveActions:
    """Follows one session's final transcripts through its event log and publishes the action
    items they commit someone to."""

    def __init__(
        self,
        publish: Callable[[Payload, int | None], Event],
        *,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self._publish = publish
        self._today = today
        self._lines: list[_Line] = []
        self._unread: set[int] = set()  # seqs of standing finals not extracted yet
        self._keys: set[str] = set()
        self._scheduled = False
        self._closed = False
        self.items: list[ActionItem] = []

    def listener(self, event: Event) -> None:
        """``EventLog.add_listener`` target: notes, never waits, never raises."""
        if self._closed or event.type not in SPEAKERS:
            return
        try:
            self._take(event)
        except Exception:  # a malformed event must not take the log down with it
            log.exception("actions: could not read event %d (%s)", event.seq, event.type)

    def _take(self, event: Event) -> None:
        replaced = set(event.data.get("replaces") or ())
        if replaced:
            self._lines = [line for line in self._lines if line.seq not in replaced]
            self._unread -= replaced
        text = " ".join(str(event.data.get("text") or "").split())
        if not text:
            return
        self._lines.append(_Line(event.seq, event.turn, SPEAKERS[event.type], text))
        del self._lines[:-KEEP_LINES]
        self._unread.add(event.seq)
        if event.data.get("forced_cut"):
            return  # cut mid-speech: read with the final that follows (and usually replaces) it
        if not self._scheduled:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return  # no loop to run it on (a log fed outside one): read with the next final
            # After the publish that brought the final has reached every reader's queue.
            loop.call_soon(self._extract)
            self._scheduled = True

    def _extract(self) -> None:
        self._scheduled = False
        if self._closed:
            return
        try:
            self._publish_new(self._read())
        except RuntimeError:
            self._closed = True  # the session closed meanwhile: its log takes no more events
        except Exception:
            log.exception("actions: extraction failed")

    def _read(self) -> list[tuple[ActionItem, int | None]]:
        unread = [i for i, line in enumerate(self._lines) if line.seq in self._unread]
        self._unread.clear()
        if not unread:
            return []
        # The new lines alone: the ones before were read when they came, and their items stand
        # (read again beside the new ones, an answer "I'll send it by Friday" would merge into
        # the request it answers, already published, and its owner and date be lost).
        window = self._lines[unread[0] :]
        utterances = [
            Utterance(n, line.speaker, line.text, len(line.speaker) + 2) for n, line in enumerate(window, start=1)
        ]
        new: list[tuple[ActionItem, int | None]] = []
        for item in extract(utterances, self._today()):
            if not self._is_new(item.text):
                continue
            source = window[item.evidence.line - 1]
            new.append(
                (ActionItem(text=item.text, owner=item.owner, due=item.due, rule=item.rule, source_seq=source.seq),
                 source.turn)
            )
        return new

    def _is_new(self, text: str) -> bool:
        # As the board room: the same words are the same item (a near match may be another
        # person's task: "send you the take-home", "send the take-home back").
        key = " ".join(text.lower().split())
        if key in self._keys:
            return False
        self._keys.add(key)
        return True

    def _publish_new(self, new: list[tuple[ActionItem, int | None]]) -> None:
        # One event per turn the items were said in (almost always one).
        by_turn: dict[int | None, list[ActionItem]] = {}
        for item, turn in new:
            by_turn.setdefault(turn, []).append(item)
        for turn, items in by_turn.items():
            self._publish(ActionsExtracted(items=items), turn)
            self.items.extend(items)
