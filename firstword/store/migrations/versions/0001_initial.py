"""Initial schema: sessions, profiles, turns, transcripts, answers, events.

Revision ID: 0001
Revises:
Create Date: 2025-01-01 00:00:00

Written out by hand rather than from ``schema.metadata``: a migration must keep creating the
schema it was written for after ``schema.py`` moves on.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


def _session_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["session_id"], ["sessions.id"], name=f"fk_{table}_session_id_sessions", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("node_id", sa.String(255), nullable=False),
        sa.Column("persona", sa.String(64), nullable=False),
        sa.Column("owner_token_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("closed_at", sa.Double(), nullable=True),
        sa.Column("last_seq", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("id", name="pk_sessions"),
        sa.CheckConstraint("status IN ('active', 'closed', 'interrupted')", name="ck_sessions_status"),
    )
    op.create_index("ix_sessions_created_at", "sessions", ["created_at"])
    op.create_index("ix_sessions_node_id_status", "sessions", ["node_id", "status"])

    op.create_table(
        "profiles",
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("profile", _json(), nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("session_id", "version", name="pk_profiles"),
        _session_fk("profiles"),
    )

    op.create_table(
        "turns",
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("turn_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=True),
        sa.Column("started_at", sa.Double(), nullable=True),
        sa.Column("timings", _json(), nullable=True),
        sa.PrimaryKeyConstraint("session_id", "turn_id", name="pk_turns"),
        _session_fk("turns"),
    )

    op.create_table(
        "transcripts",
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("turn_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("audio_start_ms", sa.Double(), nullable=True),
        sa.Column("audio_end_ms", sa.Double(), nullable=True),
        sa.Column("replaced_by", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("session_id", "seq", name="pk_transcripts"),
        _session_fk("transcripts"),
    )
    op.create_index("ix_transcripts_session_id_turn_id", "transcripts", ["session_id", "turn_id"])

    op.create_table(
        "answers",
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("turn_id", sa.Integer(), nullable=True),
        sa.Column("trigger", sa.String(16), nullable=True),
        sa.Column("text", sa.Text(), nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("cancel_reason", sa.String(32), nullable=True),
        sa.Column("early", sa.Boolean(), nullable=True),
        sa.Column("retracted", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.PrimaryKeyConstraint("session_id", "answer_id", name="pk_answers"),
        sa.CheckConstraint("status IN ('streaming', 'done', 'cancelled')", name="ck_answers_status"),
        _session_fk("answers"),
    )
    op.create_index("ix_answers_session_id_turn_id", "answers", ["session_id", "turn_id"])

    op.create_table(
        "events",
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("turn", sa.Integer(), nullable=True),
        sa.Column("ts", sa.Double(), nullable=False),
        sa.Column("data", _json(), nullable=False),
        sa.PrimaryKeyConstraint("session_id", "seq", name="pk_events"),
        _session_fk("events"),
    )


def downgrade() -> None:
    for table in ("events", "answers", "transcripts", "turns", "profiles", "sessions"):
        op.drop_table(table)
