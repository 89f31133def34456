"""Scores read off the stored answers with ``firstword.hiring.scoring`` (per candidate) and
``firstword.hiring.reliability`` (per campaign), and the campaign's funnel and CSV export.

Scores are computed when asked, never stored: the answers are the record, and a correction to
the norms or the scoring then reaches every report.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from firstword.hiring.instruments import Instrument, get_instrument
from firstword.hiring.norms import load_norms
from firstword.hiring.reliability import MIN_N, campaign_reliability
from firstword.hiring.scoring import ScoreReport, score_responses
from firstword.hiring.service.candidates import Answers, answers_of, answers_of_many, status_of
from firstword.hiring.store.tables import candidates


def score(instrument: Instrument, answered: Answers) -> ScoreReport:
    return score_responses(instrument, answered.values, answered.times_ms)


def score_dict(instrument: Instrument, answered: Answers) -> dict[str, Any]:
    report = score(instrument, answered)
    return {
        "instrument": instrument.name,
        "scales": [
            {**asdict(scale), "label": instrument.scale(name).label}
            for name, scale in report.scales.items()
        ],
        "flags": [asdict(flag) for flag in report.flags],
    }


def instrument_info(instrument: Instrument) -> dict[str, Any]:
    norms = load_norms(instrument)
    return {
        "name": instrument.name,
        "title": instrument.title,
        "scales": [{"name": s.name, "label": s.label} for s in instrument.scales],
        "norms": None if norms is None else {"population": norms.population, "citation": norms.citation},
    }


def candidate_summary(row: Any) -> dict[str, Any]:
    return {
        "candidate_id": row.id,
        "campaign_id": row.campaign_id,
        "name": row.name,
        "email": row.email,
        "status": status_of(row),
        "invited_at": row.invited_at,
        "invite_expires_at": row.invite_expires_at,
        "redeemed_at": row.redeemed_at,
        "consented_at": row.consented_at,
        "started_at": row.started_at,
        "completed_at": row.completed_at,
    }


async def campaign_candidates(conn: AsyncConnection, campaign: Any) -> list[sa.Row]:
    rows = await conn.execute(
        sa.select(candidates)
        .where(candidates.c.campaign_id == campaign.id, candidates.c.org_id == campaign.org_id)
        .order_by(candidates.c.invited_at)
    )
    return list(rows)


def funnel(rows: Iterable[Any]) -> dict[str, int]:
    rows = list(rows)
    return {
        "invited": len(rows),
        "started": sum(1 for r in rows if r.started_at is not None),
        "completed": sum(1 for r in rows if r.completed_at is not None),
    }


async def dashboard(conn: AsyncConnection, campaign: Any) -> dict[str, Any]:
    instrument = get_instrument(campaign.instrument)
    rows = await campaign_candidates(conn, campaign)
    answered = await answers_of_many(conn, [r.id for r in rows if r.completed_at is not None])
    people: list[dict[str, Any]] = []
    for row in rows:
        entry = candidate_summary(row)
        if row.id in answered:
            report = score(instrument, answered[row.id])
            entry["scores"] = {
                name: {
                    "percentile": s.percentile,
                    "raw": s.raw,
                    "range": None if s.range is None else [s.range.percentile_low, s.range.percentile_high],
                }
                for name, s in report.scales.items()
            }
            entry["flags"] = [flag.code for flag in report.flags]
        else:
            entry["scores"], entry["flags"] = None, []
        people.append(entry)
    reliability = campaign_reliability(instrument, [a.values for a in answered.values()])
    return {
        "instrument": instrument_info(instrument),
        "funnel": funnel(rows),
        "candidates": people,
        "reliability": {
            "min_n": MIN_N,
            "scales": [asdict(r) for r in reliability.values()],
        },
    }


async def candidate_detail(conn: AsyncConnection, candidate: Any, campaign: Any) -> dict[str, Any]:
    instrument = get_instrument(campaign.instrument)
    detail = candidate_summary(candidate)
    answered = await answers_of(conn, candidate.id)
    detail["items_answered"] = sum(1 for v in answered.values.values() if v is not None)
    detail["items_total"] = len(instrument.items)
    detail["scores"] = score_dict(instrument, answered) if candidate.completed_at is not None else None
    detail["instrument"] = instrument_info(instrument)
    detail["campaign"] = {"campaign_id": campaign.id, "name": campaign.name, "role": campaign.role}
    return detail


CSV_FIXED = ("candidate_id", "name", "email", "status", "invited_at", "completed_at")


async def campaign_csv(conn: AsyncConnection, campaign: Any) -> str:
    """One row per candidate: who, status, and per scale raw, percentile and its 90 % range; the
    response-quality flags by code. Times are ISO 8601 UTC."""
    from datetime import UTC, datetime

    instrument = get_instrument(campaign.instrument)
    rows = await campaign_candidates(conn, campaign)
    answered = await answers_of_many(conn, [r.id for r in rows if r.completed_at is not None])
    scales = [s.name for s in instrument.scales]
    header = [*CSV_FIXED]
    for name in scales:
        header += [f"{name}_raw", f"{name}_percentile", f"{name}_percentile_low", f"{name}_percentile_high"]
    header.append("flags")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)

    def iso(value: float | None) -> str:
        return "" if value is None else datetime.fromtimestamp(value, UTC).isoformat(timespec="seconds")

    for row in rows:
        line: list[Any] = [row.id, _cell(row.name), _cell(row.email or ""), status_of(row), iso(row.invited_at), iso(row.completed_at)]
        report = score(instrument, answered[row.id]) if row.id in answered else None
        for name in scales:
            s = report.scales[name] if report is not None else None
            if s is None:
                line += ["", "", "", ""]
            else:
                low, high = (s.range.percentile_low, s.range.percentile_high) if s.range else ("", "")
                line += [s.raw if s.raw is not None else "", s.percentile if s.percentile is not None else "", low, high]
        line.append(" ".join(flag.code for flag in report.flags) if report is not None else "")
        writer.writerow(line)
    return out.getvalue()


def _cell(text: str) -> str:
    # A cell starting with = + - @ (or a tab/CR) is a formula to a spreadsheet (CSV injection):
    # a candidate's name must not run as one on the recruiter's machine.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
