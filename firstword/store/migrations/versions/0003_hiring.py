"""Hiring: organisations, members, campaigns, candidates, their answers, sessions, the audit log.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 00:00:00

Written out by hand (as 0001) so that it keeps creating what it was written for after
``firstword/hiring/store/tables.py`` moves on.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE_CHECK = "role IN ('owner', 'recruiter', 'viewer')"


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}", ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "hiring_orgs",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_hiring_orgs"),
    )
    op.create_table(
        "hiring_users",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_hiring_users"),
        sa.UniqueConstraint("email", name="uq_hiring_users_email"),
    )
    op.create_table(
        "hiring_members",
        sa.Column("org_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "user_id", name="pk_hiring_members"),
        sa.CheckConstraint(ROLE_CHECK, name="ck_hiring_members_role"),
        _fk("hiring_members", "org_id", "hiring_orgs", "CASCADE"),
        _fk("hiring_members", "user_id", "hiring_users", "CASCADE"),
    )
    op.create_index("ix_hiring_members_user_id", "hiring_members", ["user_id"])
    op.create_table(
        "hiring_member_invites",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("org_id", sa.String(32), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("invited_by", sa.String(32), nullable=True),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("expires_at", sa.Double(), nullable=False),
        sa.Column("accepted_at", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_hiring_member_invites"),
        sa.UniqueConstraint("token_hash", name="uq_hiring_member_invites_token_hash"),
        sa.CheckConstraint(ROLE_CHECK, name="ck_hiring_member_invites_role"),
        _fk("hiring_member_invites", "org_id", "hiring_orgs", "CASCADE"),
        _fk("hiring_member_invites", "invited_by", "hiring_users", "SET NULL"),
    )
    op.create_index("ix_hiring_member_invites_org_id", "hiring_member_invites", ["org_id"])
    op.create_table(
        "hiring_campaigns",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("org_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(200), nullable=False),
        sa.Column("job_description", sa.Text(), nullable=False, server_default=""),
        sa.Column("competencies", _json(), nullable=False),
        sa.Column("instrument", sa.String(32), nullable=False),
        sa.Column("interview_plan", _json(), nullable=False),
        sa.Column("created_by", sa.String(32), nullable=True),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_hiring_campaigns"),
        _fk("hiring_campaigns", "org_id", "hiring_orgs", "CASCADE"),
        _fk("hiring_campaigns", "created_by", "hiring_users", "SET NULL"),
    )
    op.create_index("ix_hiring_campaigns_org_id", "hiring_campaigns", ["org_id"])
    op.create_table(
        "hiring_candidates",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("org_id", sa.String(32), nullable=False),
        sa.Column("campaign_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("invite_token_hash", sa.String(64), nullable=False),
        sa.Column("invite_expires_at", sa.Double(), nullable=False),
        sa.Column("invited_by", sa.String(32), nullable=True),
        sa.Column("invited_at", sa.Double(), nullable=False),
        sa.Column("redeemed_at", sa.Double(), nullable=True),
        sa.Column("consented_at", sa.Double(), nullable=True),
        sa.Column("started_at", sa.Double(), nullable=True),
        sa.Column("completed_at", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_hiring_candidates"),
        sa.UniqueConstraint("invite_token_hash", name="uq_hiring_candidates_invite_token_hash"),
        _fk("hiring_candidates", "org_id", "hiring_orgs", "CASCADE"),
        _fk("hiring_candidates", "campaign_id", "hiring_campaigns", "CASCADE"),
        _fk("hiring_candidates", "invited_by", "hiring_users", "SET NULL"),
    )
    op.create_index("ix_hiring_candidates_campaign_id", "hiring_candidates", ["campaign_id"])
    op.create_index("ix_hiring_candidates_org_id", "hiring_candidates", ["org_id"])
    op.create_table(
        "hiring_answers",
        sa.Column("candidate_id", sa.String(32), nullable=False),
        sa.Column("item_id", sa.String(32), nullable=False),
        sa.Column("value", sa.SmallInteger(), nullable=True),
        sa.Column("time_ms", sa.Integer(), nullable=True),
        sa.Column("page", sa.SmallInteger(), nullable=False),
        sa.Column("saved_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("candidate_id", "item_id", name="pk_hiring_answers"),
        _fk("hiring_answers", "candidate_id", "hiring_candidates", "CASCADE"),
    )
    op.create_table(
        "hiring_web_sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=True),
        sa.Column("candidate_id", sa.String(32), nullable=True),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("expires_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name="pk_hiring_web_sessions"),
        sa.CheckConstraint(
            "(kind = 'member' AND user_id IS NOT NULL AND candidate_id IS NULL) OR "
            "(kind = 'candidate' AND candidate_id IS NOT NULL AND user_id IS NULL)",
            name="ck_hiring_web_sessions_kind",
        ),
        _fk("hiring_web_sessions", "user_id", "hiring_users", "CASCADE"),
        _fk("hiring_web_sessions", "candidate_id", "hiring_candidates", "CASCADE"),
    )
    op.create_index("ix_hiring_web_sessions_expires_at", "hiring_web_sessions", ["expires_at"])
    op.create_index("ix_hiring_web_sessions_user_id", "hiring_web_sessions", ["user_id"])
    op.create_index("ix_hiring_web_sessions_candidate_id", "hiring_web_sessions", ["candidate_id"])
    op.create_table(
        "hiring_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_id", sa.String(32), nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        sa.Column("actor_kind", sa.String(16), nullable=False),
        sa.Column("actor_user_id", sa.String(32), nullable=True),
        sa.Column("actor_label", sa.String(320), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target_type", sa.String(32), nullable=False),
        sa.Column("target_id", sa.String(64), nullable=True),
        sa.Column("detail", _json(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_hiring_audit"),
        _fk("hiring_audit", "org_id", "hiring_orgs", "CASCADE"),
        _fk("hiring_audit", "actor_user_id", "hiring_users", "SET NULL"),
    )
    op.create_index("ix_hiring_audit_org_id_at", "hiring_audit", ["org_id", "at"])


def downgrade() -> None:
    for table, indexes in (
        ("hiring_audit", ("ix_hiring_audit_org_id_at",)),
        ("hiring_web_sessions", ("ix_hiring_web_sessions_candidate_id", "ix_hiring_web_sessions_user_id",
                                 "ix_hiring_web_sessions_expires_at")),
        ("hiring_answers", ()),
        ("hiring_candidates", ("ix_hiring_candidates_org_id", "ix_hiring_candidates_campaign_id")),
        ("hiring_campaigns", ("ix_hiring_campaigns_org_id",)),
        ("hiring_member_invites", ("ix_hiring_member_invites_org_id",)),
        ("hiring_members", ("ix_hiring_members_user_id",)),
        ("hiring_users", ()),
        ("hiring_orgs", ()),
    ):
        for index in indexes:
            op.drop_index(index, table_name=table)
        op.drop_table(table)
