"""One question, one answer: the directory of names, the rules' choice of query, the query, the
templates, and the audit entry, in one read transaction (the entry is written with what it
records)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from firstword.hiring.assistant import compose, queries
from firstword.hiring.assistant.compose import Sentence
from firstword.hiring.assistant.intents import Plan, Unanswerable, plan
from firstword.hiring.service import audit as audit_log

MAX_QUESTION = 500


@dataclass(frozen=True)
class Answer:
    sentences: list[Sentence]
    query: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    candidate_ids: list[str] = field(default_factory=list)
    # False when the query ran but the data holds nothing to answer with (no transcript).
    answered: bool = False


async def answer(
    conn: AsyncConnection, org_id: str, question: str, *, now: float, actor: audit_log.Actor,
    campaign_id: str | None = None,
) -> Answer:
    directory = await queries.directory(conn, org_id)
    context = directory.campaign(campaign_id) if campaign_id else None
    chosen = plan(question, directory, now, context)
    if isinstance(chosen, Unanswerable):
        return Answer(compose.cannot(chosen))
    result = await _run(conn, org_id, chosen, directory)
    if result.answered:
        # Ids and the query only: the audit log never holds a name, a score or the question.
        await audit_log.record(
            conn, org_id, actor, "assistant.answered",
            "campaign" if chosen.campaign else "organisation", chosen.campaign.id if chosen.campaign else org_id, now,
            {"query": result.query, "candidate_ids": result.candidate_ids},
        )
    return result


async def _run(conn: AsyncConnection, org_id: str, chosen: Plan, directory: queries.Directory) -> Answer:
    p = chosen.params

    def done(sentences: list[Sentence], ids: list[str], answered: bool = True) -> Answer:
        return Answer(sentences, chosen.query, _public(p), sorted(set(ids)), answered)

    match chosen.query:
        case "candidates_finished":
            people = await queries.candidates_finished(conn, org_id, campaign_id=p["campaign_id"], since=p["since"],
                                                       until=p["until"])
            campaigns = {c.id: c for c in directory.campaigns}
            return done(compose.finished(chosen, people, campaigns, org_id), [c.id for c in people])
        case "compare_scale":
            rows = await queries.compare_scale(conn, org_id, scale=p["scale"], candidate_ids=p.get("candidate_ids"),
                                               campaign_id=p.get("campaign_id"))
            return done(compose.compare(chosen, rows), [r.candidate.id for r in rows])
        case "candidate_scores":
            found = await queries.candidate_scores(conn, org_id, candidate_id=p["candidate_id"])
            if found is None:
                return Answer(compose.cannot("that candidate is no longer in this organisation's data"))
            return done(compose.scores(chosen, found), [found.candidate.id])
        case "campaign_funnel":
            result = await queries.campaign_funnel(conn, org_id, campaign_id=p["campaign_id"])
            return done(compose.funnel(chosen, result), [])
        case "campaign_reliability":
            reliability = await queries.campaign_reliability(conn, org_id, campaign_id=p["campaign_id"])
            return done(compose.reliability(chosen, reliability), [])
        case "flags":
            flags = await queries.flags(conn, org_id, campaign_id=p["campaign_id"])
            return done(compose.flag_list(chosen, flags), [f.candidate.id for f in flags.flagged])
        case "transcript_quotes":
            transcripts = await queries.transcript_quotes(conn, org_id, candidate_id=p["candidate_id"], topic=p["topic"])
            found = transcripts.interview_id is not None and bool(p["topic"])
            return done(compose.transcripts(chosen, transcripts), [p["candidate_id"]] if found else [], found)
    raise AssertionError(f"no query {chosen.query}")  # the Literal lists them all


def _public(params: dict[str, Any]) -> dict[str, Any]:
    """The slots as the stream shows them: ids, the scale, the period; never free text re-read."""
    return {k: v for k, v in params.items() if v is not None}
