"""Interviews in the database: a campaign's anchored scales, a candidate's transcript, the
raters' ratings, and what is computed from them when asked (quality, suggestions, final scores,
agreement). Every query names the organisation; access is checked by the router's dependency.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from firstword.hiring.interviews import agreement, quality, scales, suggest
from firstword.hiring.interviews.transcript import Utterance, from_stored
from firstword.hiring.service import audit as audit_log
from firstword.hiring.service.accounts import check_text
from firstword.hiring.service.errors import HiringError, invalid
from firstword.hiring.service.runtime import Hiring
from firstword.hiring.service.tokens import new_id
from firstword.hiring.store.interview_tables import interview_ratings, interview_scales, interviews
from firstword.hiring.store.tables import candidates

MAX_NOTE_CHARS = 4_000


def plan_of(campaign: sa.Row) -> list[dict[str, str]]:
    """The interview plan, each question named by its competency (or, without one, its text)."""
    return [
        {"competency": entry.get("competency") or entry["question"][:200], "question": entry["question"]}
        for entry in campaign.interview_plan or []
    ]


async def scales_of(conn: AsyncConnection, org_id: str, campaign: sa.Row) -> list[dict[str, Any]]:
    rows = await conn.execute(sa.select(interview_scales).where(
        interview_scales.c.campaign_id == campaign.id, interview_scales.c.org_id == org_id))
    edited = {row.competency: row.anchors for row in rows}
    return [
        {**entry, "anchors": edited.get(entry["competency"]) or scales.default_anchors(entry["competency"]),
         "source": "edited" if entry["competency"] in edited else "default"}
        for entry in plan_of(campaign)
    ]


async def set_scales(hiring: Hiring, conn: AsyncConnection, org_id: str, campaign: sa.Row,
                     entries: list[dict[str, Any]], actor: audit_log.Actor) -> None:
    """Replaces the anchors of the competencies given (each must be in the plan); ``anchors``
    null returns a competency to its default."""
    known = {entry["competency"] for entry in plan_of(campaign)}
    now = hiring.now()
    for entry in entries:
        name = entry["competency"]
        if name not in known:
            raise invalid(f"'{name[:80]}' is not a competency of this campaign's interview plan")
        await conn.execute(interview_scales.delete().where(
            interview_scales.c.campaign_id == campaign.id, interview_scales.c.competency == name))
        if entry.get("anchors") is not None:
            await conn.execute(interview_scales.insert().values(
                campaign_id=campaign.id, competency=name, org_id=org_id,
                anchors=scales.clean_anchors(entry["anchors"]), updated_by=actor.user_id, updated_at=now))
    await audit_log.record(conn, org_id, actor, "campaign.interview_scales_updated", "campaign", campaign.id, now,
                           {"competencies": len(entries)})


async def upload(hiring: Hiring, conn: AsyncConnection, candidate: sa.Row, utterances: list[Utterance],
                 source: str, actor: audit_log.Actor) -> tuple[str, bool]:
    """Stores the candidate's transcript; (interview id, whether one was replaced). A replaced
    interview's ratings go with it: they rated a different text."""
    gone = await conn.execute(interviews.delete().where(
        interviews.c.candidate_id == candidate.id, interviews.c.org_id == candidate.org_id))
    interview_id, now = new_id(), hiring.now()
    await conn.execute(interviews.insert().values(
        id=interview_id, org_id=candidate.org_id, campaign_id=candidate.campaign_id, candidate_id=candidate.id,
        utterances=[u.as_dict() for u in utterances], source=source, uploaded_by=actor.user_id, uploaded_at=now))
    await audit_log.record(conn, candidate.org_id, actor, "candidate.interview_uploaded", "candidate", candidate.id,
                           now, {"utterances": len(utterances), "replaced": bool(gone.rowcount)})
    return interview_id, bool(gone.rowcount)


NO_INTERVIEW = "no interview transcript has been uploaded for this candidate yet"


async def interview_of(conn: AsyncConnection, org_id: str, candidate_id: str) -> sa.Row | None:
    return (await conn.execute(sa.select(interviews).where(
        interviews.c.candidate_id == candidate_id, interviews.c.org_id == org_id))).first()


async def _ratings(conn: AsyncConnection, org_id: str, interview_id: str) -> list[sa.Row]:
    rows = await conn.execute(sa.select(interview_ratings).where(
        interview_ratings.c.interview_id == interview_id, interview_ratings.c.org_id == org_id,
    ).order_by(interview_ratings.c.competency, interview_ratings.c.rater_email))
    return list(rows)


def _final(plan: list[dict[str, str]], ratings: list[sa.Row], gate: quality.Quality) -> list[dict[str, Any]]:
    """The score per competency: the raters' own ratings (their mean when several rated);
    suggestions never enter it."""
    out = []
    for entry in plan:
        given = [r for r in ratings if r.competency == entry["competency"]]
        score = round(sum(r.rating for r in given) / len(given), 2) if given and gate.ok else None
        reason = None
        if not gate.ok:
            reason = "not scored: the transcript did not pass the quality gate"
        elif not given:
            reason = "no rater has rated this competency yet"
        out.append({
            "competency": entry["competency"], "score": score, "reason": reason,
            "ratings": [{"rater": r.rater_email, "rating": r.rating, "note": r.note, "rated_at": r.rated_at}
                        for r in given],
        })
    return out


async def view(conn: AsyncConnection, org_id: str, candidate_id: str, campaign: sa.Row) -> dict[str, Any]:
    """The interview as members read it; without one, ``interview_id`` null and the reason (the
    candidate exists, the interview does not yet: not an error)."""
    row = await interview_of(conn, org_id, candidate_id)
    if row is None:
        return {"interview_id": None, "candidate_id": candidate_id, "reason": NO_INTERVIEW, "utterances": [],
                "quality": None, "scored": False, "scores": []}
    utterances = from_stored(row.utterances)
    gate = quality.assess(utterances)
    plan = plan_of(campaign)
    return {
        "interview_id": row.id, "candidate_id": candidate_id, "source": row.source, "uploaded_at": row.uploaded_at,
        "reason": None if gate.ok else "not scored: " + "; ".join(gate.reasons),
        "utterances": row.utterances, "quality": gate.as_dict(), "scored": gate.ok,
        "scores": _final(plan, await _ratings(conn, org_id, row.id), gate),
    }


async def suggestions(conn: AsyncConnection, org_id: str, candidate_id: str, campaign: sa.Row) -> dict[str, Any]:
    row = await interview_of(conn, org_id, candidate_id)
    if row is None:
        return {"interview_id": None, "quality": None, "scored": False, "rule": suggest.RULE, "suggestions": [],
                "reason": NO_INTERVIEW}
    utterances = from_stored(row.utterances)
    gate = quality.assess(utterances)
    base = {"interview_id": row.id, "quality": gate.as_dict(), "scored": gate.ok, "rule": suggest.RULE}
    if not gate.ok:
        return {**base, "suggestions": [], "reason": "not scored: " + "; ".join(gate.reasons)}
    anchors = {entry["competency"]: entry["anchors"] for entry in await scales_of(conn, org_id, campaign)}
    return {**base, "suggestions": suggest.suggest_all(utterances, plan_of(campaign), anchors), "reason": None}


async def rate(hiring: Hiring, conn: AsyncConnection, org_id: str, candidate_id: str, campaign: sa.Row,
               competency: str, rating: int, note: str, actor: audit_log.Actor) -> None:
    """The rater's own rating of one competency (replacing their earlier one)."""
    if actor.user_id is None:
        raise invalid("only a member rates")
    row = await interview_of(conn, org_id, candidate_id)
    if row is None:
        raise HiringError(409, "no_interview", NO_INTERVIEW + ": upload it first")
    if competency not in {entry["competency"] for entry in plan_of(campaign)}:
        raise invalid(f"'{competency[:80]}' is not a competency of this campaign's interview plan")
    gate = quality.assess(from_stored(row.utterances))
    if not gate.ok:
        raise HiringError(409, "transcript_quality",
                          "this interview is not scored: " + "; ".join(gate.reasons) + " (upload a better transcript)")
    note = check_text(note, "note").strip()
    if len(note) > MAX_NOTE_CHARS:
        raise invalid(f"a note has at most {MAX_NOTE_CHARS} characters")
    now = hiring.now()
    await conn.execute(interview_ratings.delete().where(
        interview_ratings.c.interview_id == row.id, interview_ratings.c.competency == competency,
        interview_ratings.c.rater_user_id == actor.user_id))
    await conn.execute(interview_ratings.insert().values(
        interview_id=row.id, competency=competency, rater_user_id=actor.user_id, org_id=org_id,
        rater_email=actor.label, rating=rating, note=note, rated_at=now))
    await audit_log.record(conn, org_id, actor, "candidate.interview_rated", "candidate", candidate_id, now,
                           {"interview_id": row.id})


async def campaign_agreement(conn: AsyncConnection, org_id: str, campaign_id: str) -> dict[str, Any]:
    """Agreement across the campaign's candidates and competencies, over scored interviews only."""
    rows = await conn.execute(
        sa.select(interviews.c.candidate_id, interviews.c.utterances, interview_ratings.c.competency,
                  interview_ratings.c.rater_email, interview_ratings.c.rating)
        .join(interview_ratings, interview_ratings.c.interview_id == interviews.c.id)
        .join(candidates, candidates.c.id == interviews.c.candidate_id)
        .where(interviews.c.campaign_id == campaign_id, interviews.c.org_id == org_id, candidates.c.org_id == org_id)
    )
    passed: dict[str, bool] = {}
    triples = []
    for row in rows:
        if row.candidate_id not in passed:
            passed[row.candidate_id] = quality.assess(from_stored(row.utterances)).ok
        if passed[row.candidate_id]:
            triples.append((f"{row.candidate_id}/{row.competency}", row.rater_email, int(row.rating)))
    return {"campaign_id": campaign_id, "candidates": sum(passed.values()), **agreement.agreement(triples)}
