"""The store's tables (SQLAlchemy Core), shared by the writer, the reader and the benchmark.

The migrations in ``migrations/versions`` create exactly these tables; a test compares the two,
so a change here without a migration fails loudly. Times are seconds since the epoch (floats,
like ``Event.ts``), so one column type serves SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# Named constraints, so a later Alembic migration can refer to them on either database.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING)


def json_type() -> sa.types.TypeEngine[object]:
    # JSONB on PostgreSQL (indexable, compact); JSON text elsewhere. SQL NULL for None, so
    # COALESCE can tell "not reported in this batch" from a value.
    return sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


def _session_fk() -> sa.ForeignKey:
    return sa.ForeignKey("sessions.id", ondelete="CASCADE")


sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("node_id", sa.String(255), nullable=False),
    sa.Column("persona", sa.String(64), nullable=False),
    sa.Column("owner_token_hash", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", sa.Double(), nullable=False),
    sa.Column("closed_at", sa.Double(), nullable=True),
    sa.Column("last_seq", sa.Integer(), nullable=False, server_default="0"),
    sa.CheckConstraint("status IN ('active', 'closed', 'interrupted')", name="status"),
    sa.Index(None, "created_at"),
    sa.Index(None, "node_id", "status"),
)

profiles = sa.Table(
    "profiles",
    metadata,
    sa.Column("session_id", sa.String(64), _session_fk(), primary_key=True),
    sa.Column("version", sa.Integer(), primary_key=True),
    sa.Column("profile", json_type(), nullable=False),
    sa.Column("at", sa.Double(), nullable=False),
)

turns = sa.Table(
    "turns",
    metadata,
    sa.Column("session_id", sa.String(64), _session_fk(), primary_key=True),
    sa.Column("turn_id", sa.Integer(), primary_key=True),
    # The question answered (from answer.started / turn.latency); history prefers the standing
    # final transcripts joined, this is the fallback and the list's title.
    sa.Column("question", sa.Text(), nullable=True),
    sa.Column("started_at", sa.Double(), nullable=True),
    sa.Column("timings", json_type(), nullable=True),
)

transcripts = sa.Table(
    "transcripts",
    metadata,
    sa.Column("session_id", sa.String(64), _session_fk(), primary_key=True),
    # The transcript.final event's sequence number: what later finals' ``replaces`` refer to.
    sa.Column("seq", sa.Integer(), primary_key=True),
    sa.Column("turn_id", sa.Integer(), nullable=True),
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("audio_start_ms", sa.Double(), nullable=True),
    sa.Column("audio_end_ms", sa.Double(), nullable=True),
    sa.Column("replaced_by", sa.Integer(), nullable=True),
    sa.Index(None, "session_id", "turn_id"),
)

answers = sa.Table(
    "answers",
    metadata,
    sa.Column("session_id", sa.String(64), _session_fk(), primary_key=True),
    sa.Column("answer_id", sa.Integer(), primary_key=True),
    sa.Column("turn_id", sa.Integer(), nullable=True),
    sa.Column("trigger", sa.String(16), nullable=True),
    sa.Column("text", sa.Text(), nullable=False, server_default=""),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("cancel_reason", sa.String(32), nullable=True),
    sa.Column("early", sa.Boolean(), nullable=True),
    sa.Column("retracted", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.CheckConstraint("status IN ('streaming', 'done', 'cancelled')", name="status"),
    sa.Index(None, "session_id", "turn_id"),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("session_id", sa.String(64), _session_fk(), primary_key=True),
    sa.Column("seq", sa.Integer(), primary_key=True),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("turn", sa.Integer(), nullable=True),
    sa.Column("ts", sa.Double(), nullable=False),
    sa.Column("data", json_type(), nullable=False),
)

# What happened to an answer after it was shown: a sentence retracted by the critic, a grounded
# correction put in its place. One row per answer.retracted / answer.corrected event.
amendments = sa.Table(
    "amendments",
    metadata,
    sa.Column("session_id", sa.String(64), _session_fk(), primary_key=True),
    # The event's sequence number.
    sa.Column("seq", sa.Integer(), primary_key=True),
    sa.Column("answer_id", sa.Integer(), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    # Character offsets in the answer's text of the sentence retracted (or replaced).
    sa.Column("start_offset", sa.Integer(), nullable=True),
    sa.Column("end_offset", sa.Integer(), nullable=True),
    sa.Column("reason", sa.String(32), nullable=True),
    sa.Column("evidence", sa.Text(), nullable=True),
    # The correction's text.
    sa.Column("text", sa.Text(), nullable=True),
    sa.CheckConstraint("kind IN ('retracted', 'corrected')", name="kind"),
    sa.Index(None, "session_id", "answer_id"),
)
