"""One typed model per event type: what an event's ``data`` holds.

Producers build these and publish them (``EventLog.publish(payload, turn)``); readers get them
back with ``Event.payload()``, validated, instead of reading keys out of a dict. docs/PROTOCOL.md
lists the same fields, and a test holds the two together.

The wire protocol only ever grows: a new field gets a default, so an old event still reads. A
field whose absence means something (``coalesced``) is left out of the JSON when it is None.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, Strict

from firstword.events.kinds import (
    AnswerTrigger,
    CancelReason,
    EventType,
    AnswerEndedBy,
    RetractReason,
    Speaker,
    VoiceEndReason,
)

_P = TypeVar("_P", bound="Payload")

# An id or sequence number: a JSON integer, never a bool or a string that looks like one.
Id = Annotated[int, Strict()]


class Payload(BaseModel):
    """The data of one event type. ``event_type`` names it on the wire."""

    # Readers take events from newer servers too: unknown fields are ignored, not refused.
    model_config = ConfigDict(frozen=True, extra="ignore", use_enum_values=False)
    event_type: ClassVar[EventType]

    def to_data(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


PAYLOADS: dict[str, type[Payload]] = {}


def _event(kind: EventType):  # type: ignore[no-untyped-def]
    def register(cls: type[_P]) -> type[_P]:
        if kind in PAYLOADS:
            raise TypeError(f"two payload models for {kind}")
        cls.event_type = kind
        PAYLOADS[kind.value] = cls
        return cls

    return register


def _omit_if_none(value: object) -> bool:
    return value is None


# ----- the session ------------------------------------------------------------------------------


@_event(EventType.SESSION_READY)
class SessionReady(Payload):
    session_id: str
    engines: dict[str, str]
    persona: str
    node: str
    warm_ms: float
    warm_error: str | None = None


@_event(EventType.PROFILE_UPDATED)
class ProfileUpdated(Payload):
    warm_ms: float
    empty: bool


@_event(EventType.SESSION_CLOSED)
class SessionClosed(Payload):
    session_id: str
    # "closed": by its owner; "idle": nobody used or watched it for `limits.idle_timeout_s`;
    # "shutdown": the server stopped.
    reason: Literal["closed", "idle", "shutdown"] = "closed"


# ----- what was heard ---------------------------------------------------------------------------


@_event(EventType.SPEECH_STARTED)
class SpeechStarted(Payload):
    audio_ms: float
    continued: bool = False


@_event(EventType.SPEECH_ENDED)
class SpeechEnded(Payload):
    audio_ms: float
    speech_end_audio_ms: float
    # The silence the pause had to last to end the segment, and the end-of-turn model's
    # probability behind it (None: no prediction was made, e.g. the transcript came too late).
    required_silence_ms: int | None = None
    end_probability: float | None = None


class _Transcript(Payload):
    text: str
    speaker: Speaker
    audio_start_ms: float
    audio_end_ms: float
    compute_ms: float


class _Interim(_Transcript):
    stable: str = ""
    unstable: str = ""


@_event(EventType.TRANSCRIPT_INTERIM)
class TranscriptInterim(_Interim):
    speaker: Speaker = Speaker.INTERVIEWER
    # The whole question so far: the turn's earlier finals and this interim.
    turn_text: str = ""


@_event(EventType.TRANSCRIPT_FINAL)
class TranscriptFinal(_Transcript):
    speaker: Speaker = Speaker.INTERVIEWER
    forced_cut: bool = False
    # Sequence numbers of earlier finals of the turn that this one transcribed again.
    replaces: list[Id] = Field(default_factory=list)


@_event(EventType.USER_TRANSCRIPT_INTERIM)
class UserTranscriptInterim(_Interim):
    speaker: Speaker = Speaker.USER


@_event(EventType.USER_TRANSCRIPT_FINAL)
class UserTranscriptFinal(_Transcript):
    speaker: Speaker = Speaker.USER
    forced_cut: bool = False


@_event(EventType.MESSAGE)
class Message(Payload):
    text: str
    # In a board room: the personas asked, in the order they answer (absent otherwise).
    to: list[str] | None = Field(default=None, exclude_if=_omit_if_none)


# ----- answers ----------------------------------------------------------------------------------


@_event(EventType.ANSWER_STARTED)
class AnswerStarted(Payload):
    answer_id: Id
    trigger: AnswerTrigger
    question: str
    # The persona writing it, in a board room where several answer (None: the session's own).
    persona: str | None = Field(default=None, exclude_if=_omit_if_none)
    # How long the model had been running before the answer was shown.
    lead_ms: float = 0.0
    # A prefetched answer: the predicted question it was written for, and how long ago it was
    # ready.
    prepared_for: str | None = Field(default=None, exclude_if=_omit_if_none)
    prepared_ago_ms: float | None = Field(default=None, exclude_if=_omit_if_none)
    # A turn that asked several things, only some of them predicted: the asks answered live,
    # after the prepared answer (None: the prepared answer answers the whole turn).
    answered_live: str | None = Field(default=None, exclude_if=_omit_if_none)
    # A follow-up that points back ("How did she take that?"), answered as about the question of
    # the turn before, which this is (None: the question was answered as asked).
    follows: str | None = Field(default=None, exclude_if=_omit_if_none)


@_event(EventType.ANSWER_DELTA)
class AnswerDelta(Payload):
    answer_id: Id
    text: str
    # Set by the hub on a lagging reader's merged deltas: [first seq, last seq].
    coalesced: list[int] | None = Field(default=None, exclude_if=_omit_if_none)


@_event(EventType.ANSWER_DONE)
class AnswerDone(Payload):
    answer_id: Id
    text: str
    trigger: AnswerTrigger


@_event(EventType.ANSWER_CANCELLED)
class AnswerCancelled(Payload):
    answer_id: Id
    reason: CancelReason
    # What had been shown.
    text: str = ""


@_event(EventType.ANSWER_RETRACTED)
class AnswerRetracted(Payload):
    answer_id: Id
    # Character offsets of the withdrawn sentence in the answer's text.
    start: int
    end: int
    reason: RetractReason
    # What was looked for and not found, in words a person can check.
    evidence: str = ""


@_event(EventType.ANSWER_CORRECTED)
class AnswerCorrected(Payload):
    answer_id: Id
    # The grounded replacement for the retracted span [start, end).
    text: str
    start: int | None = None
    end: int | None = None


# ----- tools ------------------------------------------------------------------------------------


@_event(EventType.TOOL_STARTED)
class ToolStarted(Payload):
    call_id: str
    tool: str
    # The arguments as the model gave them (shown to the user: what is being looked at).
    arguments: dict[str, Any] = Field(default_factory=dict)
    answer_id: Id | None = None


@_event(EventType.TOOL_PROGRESS)
class ToolProgress(Payload):
    call_id: str
    # As the tool reported them (MCP notifications/progress): ``progress`` only increases;
    # ``total`` is None for open-ended work.
    progress: float = 0.0
    total: float | None = None
    # What the tool is doing, in words a person reads ("Found 47 components").
    message: str = ""


@_event(EventType.TOOL_DONE)
class ToolDone(Payload):
    call_id: str
    # A short account of the result, as shown; the full result goes to the model.
    summary: str = ""
    duration_ms: float | None = None


@_event(EventType.TOOL_FAILED)
class ToolFailed(Payload):
    call_id: str
    # Why, in words a person can act on ("timed out after 60 s", "server 'git' is not installed").
    error: str
    duration_ms: float | None = None


# ----- actions, voice, timing, errors -----------------------------------------------------------


class ActionItem(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    text: str
    owner: str | None = None
    due: str | None = None
    # The rule that matched, so an extraction can be audited.
    rule: str
    # The event the item was read from.
    source_seq: int | None = None


@_event(EventType.ACTIONS_EXTRACTED)
class ActionsExtracted(Payload):
    items: list[ActionItem]


@_event(EventType.VOICE_STARTED)
class VoiceStarted(Payload):
    utterance_id: Id
    # The answer whose words are spoken (Nova's question or follow-up), and the text spoken.
    answer_id: Id | None = None
    text: str = ""
    # Of the binary frames that follow: PCM16 little-endian mono at this rate.
    sample_rate: int = 22_050


@_event(EventType.VOICE_ENDED)
class VoiceEnded(Payload):
    utterance_id: Id
    reason: VoiceEndReason = VoiceEndReason.DONE
    # Audio sent, and audio the page reported as played (null when it reported nothing).
    audio_ms: float | None = None
    heard_ms: float | None = None


class PlannedQuestionData(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    text: str
    kind: str
    competency: str
    # The job description's line it came from, quoted (null: a general question).
    source: str | None = None


@_event(EventType.PRACTICE_PLAN)
class PracticePlan(Payload):
    questions: list[PlannedQuestionData]
    # What the candidate should know about the plan ("the job description is empty: …").
    notices: list[str] = Field(default_factory=list)


@_event(EventType.PRACTICE_QUESTION)
class PracticeQuestion(Payload):
    question_id: str
    text: str
    kind: str
    competency: str
    followup: bool = False
    # Why a follow-up is asked ("no result in the answer"), quoting the answer where it can.
    reason: str | None = None
    quote: str | None = None
    answer_id: Id | None = None


@_event(EventType.PRACTICE_LISTENING)
class PracticeListening(Payload):
    question_id: str


@_event(EventType.PRACTICE_ANSWER_ENDED)
class PracticeAnswerEnded(Payload):
    question_id: str
    by: AnswerEndedBy
    # The silence waited after the last words before deciding (null: not ended by a pause).
    wait_ms: float | None = None
    text: str = ""
    # The candidate's finals it is made of (their seq numbers).
    source_seqs: list[int] = Field(default_factory=list)


@_event(EventType.PRACTICE_FEEDBACK)
class PracticeFeedback(Payload):
    question_id: str
    feedback: dict[str, Any]


@_event(EventType.PRACTICE_PAUSED)
class PracticePaused(Payload):
    reason: str


@_event(EventType.PRACTICE_RESUMED)
class PracticeResumed(Payload):
    reason: str = "speech"


@_event(EventType.PRACTICE_REPORT)
class PracticeReport(Payload):
    report: dict[str, Any]
    markdown: str


@_event(EventType.TURN_LATENCY)
class TurnLatency(Payload):
    question: str
    segments: int
    answers_cancelled: int
    endpoint_delay_ms: float | None = None
    stt_final_ms: float | None = None
    answer_id: Id | None = None
    trigger: AnswerTrigger | None = None
    # From the answer's request (before the prefetch lookup, which is on its way) to its first text.
    llm_ttft_ms: float | None = None
    vad_to_first_word_ms: float | None = None
    e2e_first_word_ms: float | None = None
    lead_ms: float | None = None
    # A prefetched answer (trigger ``prefetched``): how long before the question it was ready.
    prepared_ago_ms: float | None = Field(default=None, exclude_if=_omit_if_none)
    # In a board room: the persona whose answer this times.
    persona: str | None = Field(default=None, exclude_if=_omit_if_none)


@_event(EventType.ERROR)
class ErrorPayload(Payload):
    code: str
    message: str
    answer_id: Id | None = Field(default=None, exclude_if=_omit_if_none)
    retryable: bool | None = Field(default=None, exclude_if=_omit_if_none)
    # subscriber_dropped: the last event delivered; resume with ?after= it.
    resume_after: int | None = Field(default=None, exclude_if=_omit_if_none)


class UnknownEventType(KeyError):
    pass


def payload_model(event_type: str) -> type[Payload]:
    try:
        return PAYLOADS[event_type]
    except KeyError:
        raise UnknownEventType(event_type) from None
