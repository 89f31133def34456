"""Structured interviews: anchored scales per campaign competency, transcripts, human ratings.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 14:30:00

Written out by hand (as 0001 and 0003) so that it keeps creating what it was written for after
``firstword/hiring/store/interview_tables.py`` moves on.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}", ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "hiring_interview_scales",
        sa.Column("campaign_id", sa.String(32), nullable=False),
        sa.Column("competency", sa.String(200), nullable=False),
        sa.Column("org_id", sa.String(32), nullable=False),
        sa.Column("anchors", _json(), nullable=False),
        sa.Column("updated_by", sa.String(32), nullable=True),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", "competency", name="pk_hiring_interview_scales"),
        _fk("hiring_interview_scales", "campaign_id", "hiring_campaigns", "CASCADE"),
        _fk("hiring_interview_scales", "org_id", "hiring_orgs", "CASCADE"),
        _fk("hiring_interview_scales", "updated_by", "hiring_users", "SET NULL"),
    )
    op.create_index("ix_hiring_interview_scales_org_id", "hiring_interview_scales", ["org_id"])
    op.create_table(
        "hiring_interviews",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("org_id", sa.String(32), nullable=False),
        sa.Column("campaign_id", sa.String(32), nullable=False),
        sa.Column("candidate_id", sa.String(32), nullable=False),
        sa.Column("utterances", _json(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("uploaded_by", sa.String(32), nullable=True),
        sa.Column("uploaded_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_hiring_interviews"),
        sa.UniqueConstraint("candidate_id", name="uq_hiring_interviews_candidate_id"),
        _fk("hiring_interviews", "org_id", "hiring_orgs", "CASCADE"),
        _fk("hiring_interviews", "campaign_id", "hiring_campaigns", "CASCADE"),
        _fk("hiring_interviews", "candidate_id", "hiring_candidates", "CASCADE"),
        _fk("hiring_interviews", "uploaded_by", "hiring_users", "SET NULL"),
    )
    op.create_index("ix_hiring_interviews_campaign_id", "hiring_interviews", ["campaign_id"])
    op.create_index("ix_hiring_interviews_org_id", "hiring_interviews", ["org_id"])
    op.create_table(
        "hiring_interview_ratings",
        sa.Column("interview_id", sa.String(32), nullable=False),
        sa.Column("competency", sa.String(200), nullable=False),
        sa.Column("rater_user_id", sa.String(32), nullable=False),
        sa.Column("org_id", sa.String(32), nullable=False),
        sa.Column("rater_email", sa.String(320), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("rated_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("interview_id", "competency", "rater_user_id", name="pk_hiring_interview_ratings"),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="ck_hiring_interview_ratings_rating"),
        _fk("hiring_interview_ratings", "interview_id", "hiring_interviews", "CASCADE"),
        _fk("hiring_interview_ratings", "rater_user_id", "hiring_users", "CASCADE"),
        _fk("hiring_interview_ratings", "org_id", "hiring_orgs", "CASCADE"),
    )
    op.create_index("ix_hiring_interview_ratings_org_id", "hiring_interview_ratings", ["org_id"])


def downgrade() -> None:
    for table, indexes in (
        ("hiring_interview_ratings", ("ix_hiring_interview_ratings_org_id",)),
        ("hiring_interviews", ("ix_hiring_interviews_org_id", "ix_hiring_interviews_campaign_id")),
        ("hiring_interview_scales", ("ix_hiring_interview_scales_org_id",)),
    ):
        for index in indexes:
            op.drop_index(index, table_name=table)
        op.drop_table(table)
