"""Amendments: sentences the critic retracted from a shown answer, and the corrections.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "amendments",
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("start_offset", sa.Integer(), nullable=True),
        sa.Column("end_offset", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('retracted', 'corrected')", name="ck_amendments_kind"),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name="fk_amendments_session_id_sessions", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("session_id", "seq", name="pk_amendments"),
    )
    op.create_index("ix_amendments_session_id_answer_id", "amendments", ["session_id", "answer_id"])


def downgrade() -> None:
    op.drop_index("ix_amendments_session_id_answer_id", table_name="amendments")
    op.drop_table("amendments")
