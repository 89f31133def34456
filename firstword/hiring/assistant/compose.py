"""Answers written from query results by templates.

An answer is a list of sentences, each a list of parts: ``text`` (the template's own words,
which hold no figure), ``figure`` (a number, date or flag read from a record, with a link to it
and the record's type and id), ``data`` (a name someone typed: shown in quotes, escaped, never
interpreted) and ``period`` (the dates a phrase like "this week" was resolved to). The same
sentence is also given as Markdown, with every figure as a link; the page builds its DOM from the
parts, so no text from the data is ever parsed as markup there.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from firstword.hiring.assistant.intents import SCALE_WORDS, Plan, Unanswerable
from firstword.hiring.assistant.queries import (
    QUERIES, CampaignRef, CandidateRef, CandidateScores, Flags, Funnel, Reliability, ScaleRow, Transcripts,
)

PartKind = Literal["text", "figure", "data", "period"]
CANNOT = "I can't answer that from this organisation's data: "
SUGGEST = "I can answer: " + "; ".join(QUERIES.values()) + "."
FLAG_WORDS = {"straight_lining": "straight-lining", "too_fast": "too fast", "inconsistent": "inconsistent answers",
              "incomplete": "incomplete"}


@dataclass(frozen=True)
class Part:
    kind: PartKind
    text: str
    href: str | None = None
    record: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "text": self.text}
        if self.href is not None:
            out["href"] = self.href
        if self.record is not None:
            out["record"] = self.record
        return out


Sentence = list[Part]

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")


def escape(text: str) -> str:
    return _MARKDOWN.sub(r"\\\1", text)


def markdown(sentence: Sentence) -> str:
    out = []
    for part in sentence:
        shown = f"“{escape(part.text)}”" if part.kind == "data" else escape(part.text) if part.kind != "text" else part.text
        out.append(f"[{shown}]({part.href})" if part.href else shown)
    return "".join(out)


def event(sentence: Sentence) -> dict[str, Any]:
    return {
        "text": markdown(sentence),
        "parts": [p.as_dict() for p in sentence],
        "citations": [{"text": p.text, "href": p.href, "record": p.record} for p in sentence if p.kind == "figure"],
    }


# ----- links and figures ------------------------------------------------------------------------


def t(text: str) -> Part:
    return Part("text", text)


def campaign_href(campaign_id: str, anchor: str = "") -> str:
    return f"/hiring/campaigns/{campaign_id}" + (f"#{anchor}" if anchor else "")


def candidate_href(person: CandidateRef) -> str:
    return f"/hiring/campaigns/{person.campaign_id}?candidate={person.id}"


def name(person: CandidateRef) -> Part:
    return Part("data", person.name, candidate_href(person), {"type": "candidate", "id": person.id})


def campaign_name(campaign: CampaignRef) -> Part:
    return Part("data", campaign.name, campaign_href(campaign.id), {"type": "campaign", "id": campaign.id})


def figure(text: str, href: str, record_type: str, record_id: str, **more: Any) -> Part:
    return Part("figure", text, href, {"type": record_type, "id": record_id, **more})


def ordinal(value: float) -> str:
    # Rounded half up, as the dashboard's Math.round does, so that both show the same figure.
    n = math.floor(value + 0.5)
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def when(ts: float) -> str:
    moment = datetime.fromtimestamp(ts, UTC)
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC"


def count(n: int, href: str, record_type: str, record_id: str, ids: list[str]) -> Part:
    return figure(str(n), href, record_type, record_id, candidate_ids=ids)


def _list(parts: list[list[Part]]) -> list[Part]:
    out: list[Part] = []
    for i, item in enumerate(parts):
        if i:
            out.append(t(", " if i < len(parts) - 1 else " and "))
        out += item
    return out


# ----- templates --------------------------------------------------------------------------------


def cannot(why: Unanswerable | str) -> list[Sentence]:
    reason = why.reason if isinstance(why, Unanswerable) else why
    first: Sentence = [t(CANNOT + reason)]
    if isinstance(why, Unanswerable) and (why.choices_campaigns or why.choices_candidates):
        choices = [[campaign_name(c)] for c in why.choices_campaigns] + [[name(c)] for c in why.choices_candidates]
        first += [t(" (")] + _list(choices) + [t(")")]
    return [first + [t(".")], [t(SUGGEST)]]


def finished(plan: Plan, people: list[CandidateRef], campaigns: dict[str, CampaignRef], org_id: str) -> list[Sentence]:
    where: Sentence = [t(" in "), campaign_name(plan.campaign)] if plan.campaign else []
    period: Sentence = [t(" "), Part("period", plan.period.label)] if plan.period else []
    if not people:
        return [[t("No candidate finished the questionnaire"), *where, *period, t(".")]]
    anchor = campaign_href(plan.campaign.id, "people-title") if plan.campaign else f"/hiring?org={org_id}"
    record_id = plan.campaign.id if plan.campaign else org_id
    head: Sentence = [count(len(people), anchor, "candidates_finished", record_id, [p.id for p in people]),
                      t(" candidate finished" if len(people) == 1 else " candidates finished"), *where, *period, t(":")]
    lines: list[Sentence] = [head]
    for person in people:
        assert person.completed_at is not None
        line: Sentence = [name(person)]
        if plan.campaign is None and person.campaign_id in campaigns:
            line += [t(" ("), campaign_name(campaigns[person.campaign_id]), t(")")]
        line += [t(" finished on "), figure(when(person.completed_at), candidate_href(person), "candidate", person.id,
                                            field="completed_at"), t(".")]
        lines.append(line)
    return lines


def compare(plan: Plan, rows: list[ScaleRow]) -> list[Sentence]:
    scale = plan.params["scale"]
    words = SCALE_WORDS[scale]
    head: Sentence = []
    if plan.no_shortlist:
        head.append(t("This organisation's data has no shortlist; "))
    if plan.campaign is not None:
        head += [t(f"{words.capitalize()} in "), campaign_name(plan.campaign), t(", highest percentile first:")]
    else:
        head.append(t(f"{words.capitalize()} of the candidates you named, highest percentile first:"))
    lines: list[Sentence] = [head]
    if not rows:
        return [head[:-1] + [t(": no candidate yet.")]]
    for row in rows:
        person = row.candidate
        href = candidate_href(person)
        s = row.score
        if s is None:
            lines.append([name(person), t(" has no score: the questionnaire is not completed.")])
        elif s.percentile is None or s.raw is None:
            lines.append([name(person), t(" has no score on this scale: too few of its statements were answered.")])
        else:
            line: Sentence = [name(person), t(": "), figure(ordinal(s.percentile), href, "candidate_score", person.id,
                                                             scale=scale, field="percentile"),
                              t(" percentile (raw score "), figure(str(s.raw), href, "candidate_score", person.id,
                                                                    scale=scale, field="raw"), t(")")]
            line += _range(s, person, scale) + [t(".")]
            lines.append(line)
    return lines


def _range(s: Any, person: CandidateRef, scale: str) -> Sentence:
    band = s.range
    if band is None or band.percentile_low is None or band.percentile_high is None:
        return []
    href = candidate_href(person)
    return [t(", likely between the "),
            figure(ordinal(band.percentile_low), href, "candidate_score", person.id, scale=scale, field="range_low"),
            t(" and the "),
            figure(ordinal(band.percentile_high), href, "candidate_score", person.id, scale=scale, field="range_high")]


def scores(plan: Plan, found: CandidateScores) -> list[Sentence]:
    person, href = found.candidate, candidate_href(found.candidate)
    report = found.report
    if report is None:
        return [[name(person), t(" of "), campaign_name(found.campaign),
                 t(" has not completed the questionnaire (status: "),
                 figure(person.status, href, "candidate", person.id, field="status"), t("), so has no scores yet.")]]
    assert person.completed_at is not None
    lines: list[Sentence] = [[name(person), t(" of "), campaign_name(found.campaign), t(" completed the questionnaire on "),
                              figure(when(person.completed_at), href, "candidate", person.id, field="completed_at"),
                              t(". Percentiles against the combined norm sample:")]]
    wanted = plan.params.get("scale")
    for scale_name, s in report.scales.items():
        if wanted and scale_name != wanted:
            continue
        words = SCALE_WORDS.get(scale_name, scale_name.replace("_", " ")).capitalize()
        if s.percentile is None or s.raw is None:
            lines.append([t(f"{words}: no score (too few of its statements were answered).")])
            continue
        lines.append([t(f"{words}: "), figure(ordinal(s.percentile), href, "candidate_score", person.id, scale=scale_name,
                                              field="percentile"),
                      t(" percentile (raw score "), figure(str(s.raw), href, "candidate_score", person.id,
                                                            scale=scale_name, field="raw"), t(")"),
                      *_range(s, person, scale_name), t(".")])
    if report.flags:
        flagged = [[figure(FLAG_WORDS.get(f.code, f.code), href, "candidate_flag", person.id, code=f.code)] for f in report.flags]
        lines.append([t("Response-quality flags: "), *_list(flagged), t(".")])
    else:
        lines.append([t("No response-quality flag.")])
    return lines


def funnel(plan: Plan, result: Funnel) -> list[Sentence]:
    assert plan.campaign is not None
    href, cid = campaign_href(plan.campaign.id, "funnel-title"), plan.campaign.id
    return [[t("In "), campaign_name(plan.campaign), t(", "),
             count(len(result.invited), href, "campaign_funnel", cid, result.invited), t(" invited, "),
             count(len(result.started), href, "campaign_funnel", cid, result.started), t(" started and "),
             count(len(result.completed), href, "campaign_funnel", cid, result.completed), t(" completed.")]]


def reliability(plan: Plan, result: Reliability) -> list[Sentence]:
    assert plan.campaign is not None
    href, cid = campaign_href(plan.campaign.id, "alpha-title"), plan.campaign.id
    lines: list[Sentence] = [[t("Cronbach's alpha per scale in "), campaign_name(plan.campaign), t(", over the "),
                              count(len(result.completed), href, "campaign_reliability", cid, result.completed),
                              t(" candidates who completed:")]]
    for r in result.scales:
        words = SCALE_WORDS.get(r.scale, r.scale).capitalize()
        published = figure(f"{r.published_alpha:.2f}", href, "instrument_scale", r.scale, field="published_alpha")
        if r.alpha is None:
            line: Sentence = [t(f"{words}: undefined (too few complete answer sets); published ")]
        else:
            line = [t(f"{words}: "), figure(f"{r.alpha:.2f}", href, "campaign_reliability", cid, scale=r.scale,
                                            field="alpha"), t(" over "),
                    figure(str(r.n), href, "campaign_reliability", cid, scale=r.scale, field="n"),
                    t(" complete answer sets; published ")]
        line += [published, t(" (too few answer sets for a stable alpha)." if r.warning else ".")]
        lines.append(line)
    return lines


def flag_list(plan: Plan, result: Flags) -> list[Sentence]:
    assert plan.campaign is not None
    href, cid = campaign_href(plan.campaign.id, "people-title"), plan.campaign.id
    done = count(len(result.completed), href, "campaign_funnel", cid, result.completed)
    if not result.flagged:
        return [[t("None of the "), done, t(" candidates who completed "), campaign_name(plan.campaign),
                 t(" has a response-quality flag.")]]
    ids = [f.candidate.id for f in result.flagged]
    lines: list[Sentence] = [[count(len(ids), href, "flags", cid, ids), t(" of the "), done,
                              t(" candidates who completed "), campaign_name(plan.campaign),
                              t(" have response-quality flags:")]]
    for entry in result.flagged:
        person = entry.candidate
        flagged = [[figure(FLAG_WORDS.get(f.code, f.code), candidate_href(person), "candidate_flag", person.id, code=f.code)]
                   for f in entry.flags]
        lines.append([name(person), t(": "), *_list(flagged), t(".")])
    return lines


def transcripts(plan: Plan, result: Transcripts) -> list[Sentence]:
    person = plan.candidates[0]
    topic = plan.params.get("topic") or ""
    if result.interview_id is None:
        return [[t(CANNOT + "no interview transcript is stored for "), name(person),
                 t(", so there is nothing they said to quote.")], [t(SUGGEST)]]
    if not topic:
        return [[t(CANNOT + "say what about (\"what did they say about incidents?\"); "), name(person),
                 t(" has an interview transcript.")], [t(SUGGEST)]]
    href = candidate_href(person)
    searched = figure(str(result.searched), href, "interview", result.interview_id, candidate_id=person.id,
                      field="candidate_utterances")
    if not result.quotes:
        return [[t("In the interview transcript of "), name(person), t(", none of their "), searched,
                 t(" answers mentions "), Part("data", topic), t(".")]]
    lines: list[Sentence] = [[t("What "), name(person), t(" said about "), Part("data", topic),
                              t(", quoted from their interview transcript (of "), searched, t(" answers):")]]
    for quote in result.quotes:
        link = f"{href}#utterance-{quote.seq}"
        record = {"type": "interview_utterance", "id": result.interview_id, "candidate_id": person.id, "seq": quote.seq}
        lines.append([t("Answer "), figure(str(quote.seq), link, "interview_utterance", result.interview_id,
                                           candidate_id=person.id, seq=quote.seq),
                      t(": "), Part("data", quote.text, link, record), t(".")])
    return lines
