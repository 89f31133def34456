"""The names on the wire: event types and the enumerations their payloads use.

These strings are the protocol. The pages get them from the generated ``web/static/protocol.js``
(``firstword protocol js``), never by retyping them.
"""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    SESSION_READY = "session.ready"
    PROFILE_UPDATED = "profile.updated"
    SPEECH_STARTED = "speech.started"
    SPEECH_ENDED = "speech.ended"
    TRANSCRIPT_INTERIM = "transcript.interim"
    TRANSCRIPT_FINAL = "transcript.final"
    # The user's own microphone (a second audio source): shown beside the questions, never
    # answered, and in no turn (see firstword.pipeline.user_voice).
    USER_TRANSCRIPT_INTERIM = "user.transcript.interim"
    USER_TRANSCRIPT_FINAL = "user.transcript.final"
    MESSAGE = "message"
    ANSWER_STARTED = "answer.started"
    ANSWER_DELTA = "answer.delta"
    ANSWER_DONE = "answer.done"
    ANSWER_CANCELLED = "answer.cancelled"
    # A sentence already shown is withdrawn in view (the critic found it unsupported), and where
    # possible a grounded replacement takes its place.
    ANSWER_RETRACTED = "answer.retracted"
    ANSWER_CORRECTED = "answer.corrected"
    TOOL_STARTED = "tool.started"
    TOOL_PROGRESS = "tool.progress"
    TOOL_DONE = "tool.done"
    TOOL_FAILED = "tool.failed"
    ACTIONS_EXTRACTED = "actions.extracted"
    # Spoken output (its audio goes only to the WebSocket that asked for it, never into the log).
    VOICE_STARTED = "voice.started"
    VOICE_ENDED = "voice.ended"
    # Practice mode (Nova, the spoken mock interviewer; firstword.pipeline.practice).
    PRACTICE_PLAN = "practice.plan"
    PRACTICE_QUESTION = "practice.question"
    PRACTICE_LISTENING = "practice.listening"
    PRACTICE_ANSWER_ENDED = "practice.answer_ended"
    PRACTICE_FEEDBACK = "practice.feedback"
    PRACTICE_PAUSED = "practice.paused"
    PRACTICE_RESUMED = "practice.resumed"
    PRACTICE_REPORT = "practice.report"
    TURN_LATENCY = "turn.latency"
    SESSION_CLOSED = "session.closed"
    ERROR = "error"


class AnswerTrigger(StrEnum):
    # Started on a transcript decoded during the pause, before the endpoint was declared; its
    # words are held back until speech.ended and then released at once.
    SPECULATIVE = "speculative"
    # Started on the last stable interim transcript after speech.ended.
    INTERIM = "interim"
    # Started on (or restarted for) the final transcript.
    FINAL = "final"
    # A typed message: the question is known exactly, there is nothing to start early.
    MESSAGE = "message"
    # Practice mode: Nova's planned question or rule-made follow-up, known in full before she
    # says it (no model writes it).
    PLANNED = "planned"
    # Prepared in idle time for a question predicted from the dossier (``firstword.prefetch``),
    # shown at once because the question asked matched that prediction.
    PREFETCHED = "prefetched"


class CancelReason(StrEnum):
    SPEAKER_CONTINUED = "speaker_continued"
    TRANSCRIPT_CHANGED = "transcript_changed"
    STOPPED = "stopped"
    DISCONNECTED = "disconnected"
    ERROR = "error"
    # The next question's answer started while this one was still streaming: what it showed
    # stands, the model moves on to the new question.
    SUPERSEDED = "superseded"
    # Practice mode: the candidate spoke over Nova; what she had not said yet is dropped.
    BARGE_IN = "barge_in"


class Speaker(StrEnum):
    INTERVIEWER = "interviewer"
    USER = "user"


class RetractReason(StrEnum):
    """Why the critic withdrew a sentence (see the answers issue: echo, unsupported claims, the
    model talking about itself, degenerate text)."""

    ECHO = "echo"
    UNSUPPORTED = "unsupported"
    SELF_REFERENCE = "self_reference"
    DEGENERATE = "degenerate"


class VoiceEndReason(StrEnum):
    DONE = "done"
    # The listener spoke over it: the rest of the reply is cancelled.
    BARGE_IN = "barge_in"
    # Stopped by the listener's stop, the end of the interview, or the connection going away.
    STOPPED = "stopped"
    # The speech engine failed: the text stands, the page shows it.
    ERROR = "error"


class AnswerEndedBy(StrEnum):
    """What ended a candidate's answer in practice mode."""

    PAUSE = "pause"  # the adaptive wait after their last words passed in silence
    DONE_KEY = "done_key"  # they said so (the page's "done" key)
    TYPED = "typed"  # a typed answer
    TIMEOUT = "timeout"  # they spoke for longer than an answer may last
