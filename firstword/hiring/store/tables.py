"""Hiring's tables (SQLAlchemy Core), in the same database and metadata as the store's.

They are declared on ``firstword.store.schema.metadata`` so that the one Alembic chain
(``store/migrations``; revision 0003 creates them) and the test that compares that chain with
the metadata cover them too; ``store/migrations/env.py`` imports this module for that reason.

Times are seconds since the epoch (floats), as in the store. Every row that belongs to an
organisation carries its ``org_id`` and every query filters on it (``service.access``).
Candidate data hangs off ``hiring_candidates`` with ``ON DELETE CASCADE``: deleting a candidate
deletes their answers and sessions in the same statement, on SQLite (``PRAGMA foreign_keys=ON``,
set by ``store.database``) and PostgreSQL alike. The audit log keeps candidate ids as plain text
(no foreign key), so that what was viewed and deleted stays on record after the deletion, and
holds no name, email or answer.
"""

from __future__ import annotations

import sqlalchemy as sa

from firstword.store.schema import json_type, metadata

ROLES = ("owner", "recruiter", "viewer")
ID = 32  # secrets.token_hex(16)
HASH = 64  # sha256 hex of a token
EMAIL = 320  # RFC 3696's longest address (64 + 1 + 255)
NAME = 200


def _cascade(column: str) -> sa.ForeignKey:
    return sa.ForeignKey(column, ondelete="CASCADE")


def _set_null(column: str) -> sa.ForeignKey:
    return sa.ForeignKey(column, ondelete="SET NULL")


orgs = sa.Table(
    "hiring_orgs",
    metadata,
    sa.Column("id", sa.String(ID), primary_key=True),
    sa.Column("name", sa.String(NAME), nullable=False),
    # How long a candidate's data is kept after they complete (or, never completing, after the
    # invitation); the consent page states it. Purged by ``service.retention``.
    sa.Column("retention_days", sa.Integer(), nullable=False),
    sa.Column("created_at", sa.Double(), nullable=False),
)

users = sa.Table(
    "hiring_users",
    metadata,
    sa.Column("id", sa.String(ID), primary_key=True),
    # Lower-cased, so that one address is one account whatever its capitals.
    sa.Column("email", sa.String(EMAIL), nullable=False, unique=True),
    # argon2id, PHC string format (argon2-cffi).
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("created_at", sa.Double(), nullable=False),
)

members = sa.Table(
    "hiring_members",
    metadata,
    sa.Column("org_id", sa.String(ID), _cascade("hiring_orgs.id"), primary_key=True),
    sa.Column("user_id", sa.String(ID), _cascade("hiring_users.id"), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("created_at", sa.Double(), nullable=False),
    sa.CheckConstraint("role IN ('owner', 'recruiter', 'viewer')", name="role"),
    sa.Index(None, "user_id"),
)

member_invites = sa.Table(
    "hiring_member_invites",
    metadata,
    sa.Column("id", sa.String(ID), primary_key=True),
    sa.Column("org_id", sa.String(ID), _cascade("hiring_orgs.id"), nullable=False),
    sa.Column("email", sa.String(EMAIL), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("token_hash", sa.String(HASH), nullable=False, unique=True),
    sa.Column("invited_by", sa.String(ID), _set_null("hiring_users.id"), nullable=True),
    sa.Column("created_at", sa.Double(), nullable=False),
    sa.Column("expires_at", sa.Double(), nullable=False),
    sa.Column("accepted_at", sa.Double(), nullable=True),
    sa.CheckConstraint("role IN ('owner', 'recruiter', 'viewer')", name="role"),
    sa.Index(None, "org_id"),
)

campaigns = sa.Table(
    "hiring_campaigns",
    metadata,
    sa.Column("id", sa.String(ID), primary_key=True),
    sa.Column("org_id", sa.String(ID), _cascade("hiring_orgs.id"), nullable=False),
    sa.Column("name", sa.String(NAME), nullable=False),
    # The role hired for, as candidates see it ("Support engineer").
    sa.Column("role", sa.String(NAME), nullable=False),
    sa.Column("job_description", sa.Text(), nullable=False, server_default=""),
    # [{"name", "source": "suggested" | "added", "evidence": [terms found]}]
    sa.Column("competencies", json_type(), nullable=False),
    sa.Column("instrument", sa.String(32), nullable=False),
    # The structured interview plan: [{"competency", "question"}]; stored, not run here.
    sa.Column("interview_plan", json_type(), nullable=False),
    sa.Column("created_by", sa.String(ID), _set_null("hiring_users.id"), nullable=True),
    sa.Column("created_at", sa.Double(), nullable=False),
    sa.Column("updated_at", sa.Double(), nullable=False),
    sa.Index(None, "org_id"),
)

candidates = sa.Table(
    "hiring_candidates",
    metadata,
    sa.Column("id", sa.String(ID), primary_key=True),
    sa.Column("org_id", sa.String(ID), _cascade("hiring_orgs.id"), nullable=False),
    sa.Column("campaign_id", sa.String(ID), _cascade("hiring_campaigns.id"), nullable=False),
    sa.Column("name", sa.String(NAME), nullable=False),
    sa.Column("email", sa.String(EMAIL), nullable=True),
    # The invitation link's token, hashed; replaced when the link is issued again.
    sa.Column("invite_token_hash", sa.String(HASH), nullable=False, unique=True),
    sa.Column("invite_expires_at", sa.Double(), nullable=False),
    sa.Column("invited_by", sa.String(ID), _set_null("hiring_users.id"), nullable=True),
    sa.Column("invited_at", sa.Double(), nullable=False),
    # The link was opened (and so used up): the browser that opened it holds the session.
    sa.Column("redeemed_at", sa.Double(), nullable=True),
    sa.Column("consented_at", sa.Double(), nullable=True),
    sa.Column("started_at", sa.Double(), nullable=True),
    sa.Column("completed_at", sa.Double(), nullable=True),
    sa.Index(None, "campaign_id"),
    sa.Index(None, "org_id"),
)

answers = sa.Table(
    "hiring_answers",
    metadata,
    sa.Column("candidate_id", sa.String(ID), _cascade("hiring_candidates.id"), primary_key=True),
    sa.Column("item_id", sa.String(32), primary_key=True),
    # 1..5, or NULL: the item was on a saved page and left blank.
    sa.Column("value", sa.SmallInteger(), nullable=True),
    # Milliseconds the candidate spent on the item (client-measured, summed over visits, clamped).
    sa.Column("time_ms", sa.Integer(), nullable=True),
    sa.Column("page", sa.SmallInteger(), nullable=False),
    sa.Column("saved_at", sa.Double(), nullable=False),
)

web_sessions = sa.Table(
    "hiring_web_sessions",
    metadata,
    # sha256 of the cookie's value: a stolen database holds no usable session.
    sa.Column("token_hash", sa.String(HASH), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("user_id", sa.String(ID), _cascade("hiring_users.id"), nullable=True),
    sa.Column("candidate_id", sa.String(ID), _cascade("hiring_candidates.id"), nullable=True),
    # The synchronizer token every state-changing request of this session must carry.
    sa.Column("csrf_token", sa.String(HASH), nullable=False),
    sa.Column("created_at", sa.Double(), nullable=False),
    sa.Column("expires_at", sa.Double(), nullable=False),
    sa.CheckConstraint(
        "(kind = 'member' AND user_id IS NOT NULL AND candidate_id IS NULL) OR "
        "(kind = 'candidate' AND candidate_id IS NOT NULL AND user_id IS NULL)",
        name="kind",
    ),
    sa.Index(None, "expires_at"),
    sa.Index(None, "user_id"),
    sa.Index(None, "candidate_id"),
)

audit = sa.Table(
    "hiring_audit",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("org_id", sa.String(ID), _cascade("hiring_orgs.id"), nullable=False),
    sa.Column("at", sa.Double(), nullable=False),
    # "member", "candidate" (their own data) or "system" (retention).
    sa.Column("actor_kind", sa.String(16), nullable=False),
    sa.Column("actor_user_id", sa.String(ID), _set_null("hiring_users.id"), nullable=True),
    # The member's email when it was done (kept if the account goes), "candidate" or "retention".
    sa.Column("actor_label", sa.String(EMAIL), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("target_type", sa.String(32), nullable=False),
    sa.Column("target_id", sa.String(64), nullable=True),
    # Ids and counts only: never a candidate's name, email or answers.
    sa.Column("detail", json_type(), nullable=True),
    sa.Index(None, "org_id", "at"),
)

TABLES = (orgs, users, members, member_invites, campaigns, candidates, answers, web_sessions, audit)
