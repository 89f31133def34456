"""Structured interviews' tables: anchored rating scales per campaign competency, one interview
transcript per candidate, and the human raters' ratings.

Declared on ``firstword.store.schema.metadata`` like ``tables.py`` (revision 0004 creates them).
Every row carries its ``org_id`` and every query filters on it. An interview hangs off its
candidate with ``ON DELETE CASCADE`` and its ratings off the interview, so deleting a candidate
(by a member, by the candidate, by retention) deletes the transcript and the ratings with them.
Suggested ratings are computed when asked, never stored: only the human's rating is kept.
"""

from __future__ import annotations

import sqlalchemy as sa

from firstword.hiring.store.tables import EMAIL, ID, NAME
from firstword.store.schema import json_type, metadata


def _cascade(column: str) -> sa.ForeignKey:
    return sa.ForeignKey(column, ondelete="CASCADE")


interview_scales = sa.Table(
    "hiring_interview_scales",
    metadata,
    sa.Column("campaign_id", sa.String(ID), _cascade("hiring_campaigns.id"), primary_key=True),
    # The competency's name as the campaign's interview plan spells it.
    sa.Column("competency", sa.String(NAME), primary_key=True),
    sa.Column("org_id", sa.String(ID), _cascade("hiring_orgs.id"), nullable=False),
    # {"1": text, "2": text?, "3": text, "4": text?, "5": text}: behavioural anchors, edited by a
    # recruiter; a competency without a row here uses the default anchors.
    sa.Column("anchors", json_type(), nullable=False),
    sa.Column("updated_by", sa.String(ID), sa.ForeignKey("hiring_users.id", ondelete="SET NULL"), nullable=True),
    sa.Column("updated_at", sa.Double(), nullable=False),
    sa.Index(None, "org_id"),
)

interviews = sa.Table(
    "hiring_interviews",
    metadata,
    sa.Column("id", sa.String(ID), primary_key=True),
    sa.Column("org_id", sa.String(ID), _cascade("hiring_orgs.id"), nullable=False),
    sa.Column("campaign_id", sa.String(ID), _cascade("hiring_campaigns.id"), nullable=False),
    # One interview per candidate: a new upload replaces it (and its ratings).
    sa.Column("candidate_id", sa.String(ID), _cascade("hiring_candidates.id"), nullable=False, unique=True),
    # [{"seq", "speaker": "interviewer" | "candidate", "text", "confidence"?}], seq increasing.
    sa.Column("utterances", json_type(), nullable=False),
    # "json" or "text": how it was uploaded.
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("uploaded_by", sa.String(ID), sa.ForeignKey("hiring_users.id", ondelete="SET NULL"), nullable=True),
    sa.Column("uploaded_at", sa.Double(), nullable=False),
    sa.Index(None, "campaign_id"),
    sa.Index(None, "org_id"),
)

interview_ratings = sa.Table(
    "hiring_interview_ratings",
    metadata,
    sa.Column("interview_id", sa.String(ID), _cascade("hiring_interviews.id"), primary_key=True),
    sa.Column("competency", sa.String(NAME), primary_key=True),
    # Cascade: the rating is the rater's own judgement; without the account it cannot be asked
    # about, and the agreement statistics must not count an anonymous rater.
    sa.Column("rater_user_id", sa.String(ID), _cascade("hiring_users.id"), primary_key=True),
    sa.Column("org_id", sa.String(ID), _cascade("hiring_orgs.id"), nullable=False),
    sa.Column("rater_email", sa.String(EMAIL), nullable=False),
    sa.Column("rating", sa.SmallInteger(), nullable=False),
    sa.Column("note", sa.Text(), nullable=False, server_default=""),
    sa.Column("rated_at", sa.Double(), nullable=False),
    sa.CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),
    sa.Index(None, "org_id"),
)

TABLES = (interview_scales, interviews, interview_ratings)
"""The interview tables, kept in the store's database and migrated by the store's Alembic chain."""
