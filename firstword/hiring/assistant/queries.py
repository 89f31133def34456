"""The assistant's fixed set of read-only queries. Each takes the caller's organisation id from
the access check (never from the question) and filters every table on it, so that another
organisation's rows cannot be reached whatever the question says."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from firstword.hiring.instruments import get_instrument
from firstword.hiring.interviews.transcript import from_stored
from firstword.hiring.quality import Flag
from firstword.hiring.reliability import ScaleReliability, campaign_reliability as alpha_per_scale
from firstword.hiring.scoring import ScaleScore, ScoreReport
from firstword.hiring.service.candidates import Status, answers_of_many, status_of
from firstword.hiring.service.results import score
from firstword.hiring.store.interview_tables import interviews
from firstword.hiring.store.tables import campaigns, candidates

QueryName = Literal[
    "candidates_finished", "compare_scale", "candidate_scores", "campaign_funnel", "campaign_reliability", "flags",
    "transcript_quotes",
]

# What each query answers, in words, for the "I can answer..." suggestions and the docs.
QUERIES: dict[QueryName, str] = {
    "candidates_finished": 'who finished, in a campaign or a period ("who finished this week?")',
    "compare_scale": 'one scale across candidates ("compare conscientiousness in the campaign")',
    "candidate_scores": "one candidate's percentiles, ranges and flags (\"Sam's scores\")",
    "campaign_funnel": 'how many were invited, started and completed ("how many started?")',
    "campaign_reliability": "Cronbach's alpha per scale in a campaign (\"how reliable are the scales?\")",
    "flags": 'response-quality flags in a campaign ("who has flags?")',
    "transcript_quotes": 'what a candidate said in an interview ("what did Sam say about incidents?")',
}


@dataclass(frozen=True)
class CampaignRef:
    id: str
    name: str
    instrument: str


@dataclass(frozen=True)
class CandidateRef:
    id: str
    name: str
    campaign_id: str
    status: Status
    completed_at: float | None


@dataclass(frozen=True)
class Directory:
    """The organisation's campaigns and candidates: what names in a question are matched against."""

    campaigns: list[CampaignRef]
    candidates: list[CandidateRef]

    def campaign(self, campaign_id: str) -> CampaignRef | None:
        return next((c for c in self.campaigns if c.id == campaign_id), None)

    def candidate(self, candidate_id: str) -> CandidateRef | None:
        return next((c for c in self.candidates if c.id == candidate_id), None)


def _candidate(row: sa.Row) -> CandidateRef:
    return CandidateRef(row.id, row.name, row.campaign_id, status_of(row), row.completed_at)


async def directory(conn: AsyncConnection, org_id: str) -> Directory:
    campaign_rows = await conn.execute(
        sa.select(campaigns.c.id, campaigns.c.name, campaigns.c.instrument)
        .where(campaigns.c.org_id == org_id).order_by(campaigns.c.created_at)
    )
    candidate_rows = await conn.execute(
        sa.select(candidates).where(candidates.c.org_id == org_id).order_by(candidates.c.invited_at, candidates.c.id)
    )
    return Directory(
        [CampaignRef(r.id, r.name, r.instrument) for r in campaign_rows], [_candidate(r) for r in candidate_rows]
    )


async def _campaign(conn: AsyncConnection, org_id: str, campaign_id: str) -> CampaignRef | None:
    row = (await conn.execute(
        sa.select(campaigns.c.id, campaigns.c.name, campaigns.c.instrument)
        .where(campaigns.c.id == campaign_id, campaigns.c.org_id == org_id)
    )).first()
    return None if row is None else CampaignRef(row.id, row.name, row.instrument)


async def _candidates(conn: AsyncConnection, org_id: str, *where: sa.ColumnElement[bool]) -> list[CandidateRef]:
    rows = await conn.execute(
        sa.select(candidates).where(candidates.c.org_id == org_id, *where)
        .order_by(candidates.c.completed_at, candidates.c.invited_at, candidates.c.id)
    )
    return [_candidate(r) for r in rows]


async def _reports(conn: AsyncConnection, org_id: str, people: list[CandidateRef]) -> dict[str, ScoreReport]:
    """Scores of those who completed, computed from their stored answers as the dashboard does."""
    done = [p for p in people if p.completed_at is not None]
    instruments: dict[str, str] = {}
    for campaign_id in {p.campaign_id for p in done}:
        ref = await _campaign(conn, org_id, campaign_id)
        if ref is not None:
            instruments[campaign_id] = ref.instrument
    answered = await answers_of_many(conn, [p.id for p in done])
    return {
        p.id: score(get_instrument(instruments[p.campaign_id]), answered[p.id])
        for p in done if p.campaign_id in instruments
    }


# ----- the queries ---------------------------------------------------------------------------


async def candidates_finished(
    conn: AsyncConnection, org_id: str, *, campaign_id: str | None, since: float | None, until: float | None
) -> list[CandidateRef]:
    where: list[sa.ColumnElement[bool]] = [candidates.c.completed_at.is_not(None)]
    if campaign_id is not None:
        where.append(candidates.c.campaign_id == campaign_id)
    if since is not None:
        where.append(candidates.c.completed_at >= since)
    if until is not None:
        where.append(candidates.c.completed_at < until)
    return await _candidates(conn, org_id, *where)


@dataclass(frozen=True)
class ScaleRow:
    candidate: CandidateRef
    score: ScaleScore | None  # None: not completed (or the campaign's questionnaire has no such scale)


async def compare_scale(
    conn: AsyncConnection, org_id: str, *, scale: str, candidate_ids: list[str] | None, campaign_id: str | None
) -> list[ScaleRow]:
    """Highest percentile first; those without a score last, in invitation order."""
    if candidate_ids is not None:
        people = await _candidates(conn, org_id, candidates.c.id.in_(candidate_ids))
    else:
        people = await _candidates(conn, org_id, candidates.c.campaign_id == campaign_id)
    reports = await _reports(conn, org_id, people)
    rows = [ScaleRow(p, reports[p.id].scales.get(scale) if p.id in reports else None) for p in people]
    scored = [r for r in rows if r.score is not None and r.score.percentile is not None]
    scored.sort(key=lambda r: (-(r.score.percentile or 0.0) if r.score else 0.0, r.candidate.name))
    return scored + [r for r in rows if r not in scored]


@dataclass(frozen=True)
class CandidateScores:
    candidate: CandidateRef
    campaign: CampaignRef
    report: ScoreReport | None


async def candidate_scores(conn: AsyncConnection, org_id: str, *, candidate_id: str) -> CandidateScores | None:
    people = await _candidates(conn, org_id, candidates.c.id == candidate_id)
    if not people:
        return None
    campaign = await _campaign(conn, org_id, people[0].campaign_id)
    if campaign is None:
        return None
    reports = await _reports(conn, org_id, people)
    return CandidateScores(people[0], campaign, reports.get(candidate_id))


@dataclass(frozen=True)
class Funnel:
    invited: list[str]
    started: list[str]
    completed: list[str]


async def campaign_funnel(conn: AsyncConnection, org_id: str, *, campaign_id: str) -> Funnel:
    rows = list(await conn.execute(
        sa.select(candidates.c.id, candidates.c.started_at, candidates.c.completed_at)
        .where(candidates.c.org_id == org_id, candidates.c.campaign_id == campaign_id)
    ))
    return Funnel(
        [r.id for r in rows],
        [r.id for r in rows if r.started_at is not None],
        [r.id for r in rows if r.completed_at is not None],
    )


@dataclass(frozen=True)
class Reliability:
    completed: list[str]
    scales: list[ScaleReliability]


async def campaign_reliability(conn: AsyncConnection, org_id: str, *, campaign_id: str) -> Reliability:
    campaign = await _campaign(conn, org_id, campaign_id)
    if campaign is None:
        return Reliability([], [])
    done = await _candidates(conn, org_id, candidates.c.campaign_id == campaign_id, candidates.c.completed_at.is_not(None))
    answered = await answers_of_many(conn, [p.id for p in done])
    by_scale = alpha_per_scale(get_instrument(campaign.instrument), [a.values for a in answered.values()])
    return Reliability([p.id for p in done], list(by_scale.values()))


@dataclass(frozen=True)
class Flagged:
    candidate: CandidateRef
    flags: list[Flag]


@dataclass(frozen=True)
class Flags:
    completed: list[str]
    flagged: list[Flagged]


async def flags(conn: AsyncConnection, org_id: str, *, campaign_id: str) -> Flags:
    done = await _candidates(conn, org_id, candidates.c.campaign_id == campaign_id, candidates.c.completed_at.is_not(None))
    reports = await _reports(conn, org_id, done)
    flagged = [Flagged(p, reports[p.id].flags) for p in done if p.id in reports and reports[p.id].flags]
    return Flags([p.id for p in done], flagged)


@dataclass(frozen=True)
class Quote:
    seq: int
    text: str


@dataclass(frozen=True)
class Transcripts:
    interview_id: str | None  # None: no transcript is stored for the candidate
    searched: int = 0  # the candidate's own utterances looked through
    quotes: list[Quote] = field(default_factory=list)


MAX_QUOTES = 5
_TOPIC_WORD = re.compile(r"[^\W\d_]{3,}")
_TOPIC_STOP = frozenset("the and about with their they them that this what when how was were for from".split())


def topic_stems(topic: str) -> list[str]:
    """The topic's words, each cut to a stem that its plural and verb forms share
    ("incidents" -> "incident", "handled" -> "handl"), matched at word starts."""
    stems = []
    for word in _TOPIC_WORD.findall(topic.casefold()):
        if word in _TOPIC_STOP:
            continue
        for ending in ("ing", "ies", "es", "ed", "s"):
            if word.endswith(ending) and len(word) - len(ending) >= 4:
                word = word[: -len(ending)]
                break
        stems.append(word)
    return stems


async def transcript_quotes(conn: AsyncConnection, org_id: str, *, candidate_id: str, topic: str) -> Transcripts:
    """What the candidate (never the interviewer) said that mentions the topic, in order."""
    row = (await conn.execute(
        sa.select(interviews.c.id, interviews.c.utterances)
        .where(interviews.c.org_id == org_id, interviews.c.candidate_id == candidate_id)
    )).first()
    if row is None:
        return Transcripts(None)
    own = [u for u in from_stored(list(row.utterances)) if u.speaker == "candidate" and u.text]
    patterns = [re.compile(rf"\b{re.escape(stem)}", re.IGNORECASE) for stem in topic_stems(topic)]
    quotes = [Quote(u.seq, u.text) for u in own if patterns and any(p.search(u.text) for p in patterns)]
    return Transcripts(row.id, len(own), quotes[:MAX_QUOTES])
