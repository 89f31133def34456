"""What a candidate is told before consenting, and everything held about them, as they download it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from firstword.hiring.instruments import get_instrument
from firstword.hiring.service.accounts import count_members
from firstword.hiring.service.candidates import answers_of, context, status_of
from firstword.hiring.service.results import score_dict


def consent_statement(org: Any, campaign: Any, members: int) -> dict[str, Any]:
    """The consent page's facts; the page words them, the export repeats them."""
    instrument = get_instrument(campaign.instrument)
    return {
        "organisation": org.name,
        "role": campaign.role,
        "collected": [
            "Your name, and your email address if the organisation entered one.",
            f"Your answers to the {len(instrument.items)} statements of the questionnaire ({instrument.title}).",
            "How long you spent on each statement (measured in your browser).",
            "When you opened the invitation, agreed to this statement, started and finished.",
            "The transcript of a structured interview, if the organisation holds one with you.",
        ],
        "purpose": (
            f"To help {org.name} assess candidates for the role of {campaign.role}: your answers give scores on "
            "five broad personality traits, compared with a large public sample of people who answered the same "
            "questionnaire, and flags where answers look rushed or inconsistent. The scores are one input for the "
            "people deciding; nothing is decided automatically."
        ),
        "retention_days": int(org.retention_days),
        "retention": (
            f"{org.retention_days} days after you finish the questionnaire (or after your invitation, if you never "
            "finish), then deleted automatically. You can delete it yourself at any time before that."
        ),
        "who_sees": (
            f"The members of {org.name}'s hiring team on this service "
            f"({members} {'person' if members == 1 else 'people'}: owners, recruiters and viewers). No other "
            "organisation sees it. Every time a member views, exports or deletes your data, it is written in an "
            "audit log that the organisation's owners read."
        ),
        "rights": "You can download everything held about you as a file, and delete it, from this page.",
    }


async def export(conn: AsyncConnection, candidate: Any) -> dict[str, Any]:
    campaign, org = await context(conn, candidate)
    instrument = get_instrument(campaign.instrument)
    answered = await answers_of(conn, candidate.id)
    texts = {item.id: item.text for item in instrument.items}
    members = await count_members(conn, org.id)
    return {
        "format": "firstword.hiring.candidate-data/1",
        "candidate": {
            "candidate_id": candidate.id,
            "name": candidate.name,
            "email": candidate.email,
            "status": status_of(candidate),
            "invited_at": candidate.invited_at,
            "invitation_opened_at": candidate.redeemed_at,
            "consented_at": candidate.consented_at,
            "started_at": candidate.started_at,
            "completed_at": candidate.completed_at,
        },
        "organisation": org.name,
        "campaign": {"name": campaign.name, "role": campaign.role},
        "consent_statement": consent_statement(org, campaign, members),
        "questionnaire": instrument.name,
        "answers": [
            {
                "item_id": item_id,
                "statement": texts.get(item_id),
                "answer": value,
                "answer_label": instrument.response_labels.get(value) if value is not None else None,
                "time_ms": answered.times_ms.get(item_id),
            }
            for item_id in (item.id for item in instrument.items)
            if item_id in answered.values
            for value in (answered.values[item_id],)
        ],
        "scores": score_dict(instrument, answered) if candidate.completed_at is not None else None,
        # Interviews are not held by this version (campaigns store only the plan of questions).
        "interview_transcripts": [],
    }
