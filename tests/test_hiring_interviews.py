"""Structured interviews: transcripts (JSON and text), the quality gate, rule-based suggestions
with quoted evidence, anchored scales, human ratings as the score, inter-rater agreement
(weighted kappa against a hand-computed example), the routes' access and CSRF, deletion by
cascade, and revision 0004 up and down on SQLite and PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from firstword.hiring.interviews import agreement, quality, suggest
from firstword.hiring.interviews.scales import default_anchors
from firstword.hiring.interviews.transcript import TranscriptError, Utterance, parse_json, parse_text
from firstword.hiring.service.competencies import question_for
from firstword.hiring.store.interview_tables import TABLES, interview_ratings, interviews
from firstword.store import schema
from firstword.store.database import alembic_config, create_engine, migrate
from tests.test_hiring_flow import HiringWorld, Org, count, world  # noqa: F401 - world is a fixture
from tests.test_hiring_store import database_url  # noqa: F401 - a fixture (SQLite and PostgreSQL)

CUSTOMER = question_for("Customer focus")
PROBLEM = question_for("Problem solving")
LEADERSHIP = question_for("Leadership")
assert CUSTOMER and PROBLEM and LEADERSHIP

# Seq 2 tells a STAR story with a number in its result; seq 6-7 only say what one would do.
TRANSCRIPT = f"""\
Interviewer: Thanks for coming in today. {CUSTOMER}
Candidate: Last year at my previous job there was a customer whose invoices had been wrong for three months, \
and she threatened to leave us. I called her the same day and listened to the whole story without interrupting. \
I then went through every invoice with our billing team and I wrote a correction for each one myself. \
As a result she renewed her contract, and complaints about billing dropped by 40 percent over the next quarter.
Interviewer: And how did the customer react?
Candidate: She was relieved, and she said she appreciated that someone finally owned the problem from start to finish. \
It was a good lesson for me about following things through.
Interviewer: {PROBLEM}
Candidate: I would usually start by reading the logs carefully. In general you should reproduce the problem first \
and then narrow it down step by step until you find the root cause of the issue.
Candidate: That is how I approach every difficult problem, and it works well for almost anything that breaks in \
production systems.
"""
PLAN = [{"competency": c, "question": q} for c, q in
        (("Customer focus", CUSTOMER), ("Problem solving", PROBLEM), ("Leadership", LEADERSHIP))]
ANCHORS = {entry["competency"]: default_anchors(entry["competency"]) for entry in PLAN}


def utt(seq: int, speaker: str, text: str, confidence: float | None = None) -> Utterance:
    return Utterance(seq, speaker, text, confidence)  # type: ignore[arg-type]


def answer_to(question: str, *sentences: str) -> list[Utterance]:
    return [utt(1, "interviewer", question), utt(2, "candidate", " ".join(sentences))]


def suggestion(utterances: list[Utterance], competency: str, question: str) -> dict[str, Any]:
    return suggest.suggest_all(utterances, [{"competency": competency, "question": question}],
                               {competency: default_anchors(competency)})[0]


# ----- transcripts ---------------------------------------------------------------------------


def test_text_lines_become_numbered_utterances() -> None:
    parsed = parse_text("Interviewer: Hello.\n\nCandidate: Hi,\nthanks for having me.\nQ: Ready?\nA: Yes.")
    assert [(u.seq, u.speaker, u.text) for u in parsed] == [
        (1, "interviewer", "Hello."), (2, "candidate", "Hi, thanks for having me."),
        (3, "interviewer", "Ready?"), (4, "candidate", "Yes."),
    ]
    with pytest.raises(TranscriptError, match="line 1"):
        parse_text("hello\nCandidate: hi")


def test_json_utterances_keep_their_seq_and_confidence() -> None:
    parsed = parse_json([{"seq": 10, "speaker": "Interviewer", "text": "Go on"},
                         {"seq": 12, "speaker": "candidate", "text": "Sure", "confidence": 0.9}])
    assert [(u.seq, u.speaker, u.confidence) for u in parsed] == [(10, "interviewer", None), (12, "candidate", 0.9)]
    assert [u.seq for u in parse_json([{"speaker": "candidate", "text": "a"}, {"speaker": "c", "text": "b"}])] == [1, 2]
    for bad, message in (
        ([{"seq": 2, "speaker": "candidate", "text": "a"}, {"seq": 2, "speaker": "candidate", "text": "b"}], "increasing"),
        ([{"seq": 1, "speaker": "candidate", "text": "a"}, {"speaker": "candidate", "text": "b"}], "every utterance"),
        ([{"speaker": "narrator", "text": "a"}], "speaker"),
        ([{"speaker": "candidate", "text": "a", "confidence": 1.5}], "confidence"),
        ([], "no utterance"),
    ):
        with pytest.raises(TranscriptError, match=message):
            parse_json(bad)


# ----- the quality gate ----------------------------------------------------------------------


def test_a_full_transcript_passes_the_gate() -> None:
    gate = quality.assess(parse_text(TRANSCRIPT))
    assert gate.ok, gate.reasons
    assert gate.candidate_words >= quality.MIN_CANDIDATE_WORDS


def test_each_threshold_refuses_with_its_reason() -> None:
    long = " ".join(["word"] * 160)
    thin = quality.assess([utt(1, "interviewer", "Tell me"), utt(2, "candidate", "I did it well.")])
    assert not thin.ok and "4 words" in thin.reasons[0]
    fragments = [utt(1, "candidate", long)] + [utt(i, "candidate", "yes okay") for i in range(2, 5)]
    assert any("fewer than 3 words" in r for r in quality.assess(fragments).reasons)
    lost = [utt(1, "candidate", long)] + [utt(i, "candidate", t) for i, t in
                                          ((2, "[inaudible]"), (3, ""), (4, "sure thing then"))]
    assert [r for r in quality.assess(lost).reasons if "inaudible" in r] == [
        "50% of the lines are empty or inaudible (at most 20%)"]
    unsure = [utt(1, "candidate", long, 0.4), utt(2, "candidate", "fine by me then", 0.5)]
    assert any("ASR confidence" in r and "0.45" in r for r in quality.assess(unsure).reasons)
    # Confidences on fewer than half the candidate's lines say too little to judge by.
    partly = [utt(1, "candidate", long, 0.1), utt(2, "candidate", "one two three"), utt(3, "candidate", "four five six")]
    assert quality.assess(partly).ok


# ----- suggestions ---------------------------------------------------------------------------


def test_suggestions_cite_the_transcript_and_follow_the_rule() -> None:
    utterances = parse_text(TRANSCRIPT)
    customer, problem, leadership = suggest.suggest_all(utterances, PLAN, ANCHORS)

    assert customer["question_seq"] == 1 and customer["answer_seqs"] == [2, 4]
    star = customer["suggestion"]
    assert star["rating"] == 5
    assert [(e["seq"], e["shows"]) for e in star["evidence"]] == [
        (2, "situation"), (2, "own action"), (2, "own action"), (2, "measurable result")]
    said = {u.seq: u.text for u in utterances}
    assert all(e["quote"] in said[e["seq"]] for e in star["evidence"])  # quotes are the transcript's words
    assert "dropped by 40 percent" in star["evidence"][-1]["quote"]
    assert star["anchor"] == ANCHORS["Customer focus"]["5"] and "→ 5" in star["why"]

    assert problem["question_seq"] == 5 and problem["answer_seqs"] == [6, 7]
    assert problem["suggestion"]["rating"] == 1
    assert {e["shows"] for e in problem["suggestion"]["evidence"]} == {"hypothetical"}
    assert "I would usually start" in problem["suggestion"]["evidence"][0]["quote"]

    assert leadership["suggestion"] is None and "not found" in leadership["reason"]


@pytest.mark.parametrize(("sentences", "rating", "shows"), [
    # Situation, own action, a result without a number: 4.
    (("Last year there was a customer who was angry about a late delivery.",
      "I called the warehouse and I drove the parcel to her office myself.",
      "In the end she stayed with us and thanked the customer team."), 4, ["situation", "own action", "result"]),
    # The same without a concrete situation: one lower.
    (("I called the warehouse about the customer and I drove the parcel to her office myself.",
      "In the end she stayed with us and thanked the team for sorting it out."), 3, ["own action", "result"]),
    # Only "we": the candidate's own part is not told.
    (("Last year there was a customer who was angry about a late delivery to her shop.",
      "We called the warehouse and we fixed the address in the system for every customer."), 2,
     ["situation", "we action"]),
])
def test_the_level_rule(sentences: tuple[str, ...], rating: int, shows: list[str]) -> None:
    got = suggestion(answer_to(CUSTOMER, *sentences), "Customer focus", CUSTOMER)["suggestion"]
    assert got["rating"] == rating
    assert list(dict.fromkeys(e["shows"] for e in got["evidence"])) == shows
    assert all(e["seq"] == 2 for e in got["evidence"])


def test_no_evidence_no_suggestion() -> None:
    short = suggestion(answer_to(CUSTOMER, "Yes, that happened to me once."), "Customer focus", CUSTOMER)
    assert short["suggestion"] is None and "words" in short["reason"]
    off_topic = suggestion(answer_to(
        CUSTOMER, "My favourite holiday was a long walk along the coast of Cornwall with my brother and two dogs,",
        "eating pasties and watching the surfers in the cold water for hours on end."), "Customer focus", CUSTOMER)
    assert off_topic["suggestion"] is None and "none of the competency's terms" in off_topic["reason"]
    nothing = suggestion(answer_to(
        CUSTOMER, "Customers are important and the customer is the reason that every company exists at all,",
        "so customer happiness matters a great deal to everybody working in a company like ours."),
        "Customer focus", CUSTOMER)
    assert nothing["suggestion"] is None and "recognised" in nothing["reason"]


# ----- agreement -----------------------------------------------------------------------------


def test_weighted_kappa_against_a_hand_computed_example() -> None:
    # Rater A: 2 3 4 4; rater B: 2 4 4 3. Squared differences 0 1 0 1: observed mean 0.5.
    # Both raters' marginals are {2: .25, 3: .25, 4: .5}: mean 3.25, variance 11.25 - 3.25^2 =
    # 0.6875, so the expected squared difference of independent ratings is 2 * 0.6875 = 1.375.
    # (The (k-1)^2 in the weights cancels.) kappa = 1 - 0.5 / 1.375 = 7/11.
    assert agreement.weighted_kappa([2, 3, 4, 4], [2, 4, 4, 3]) == pytest.approx(7 / 11)
    assert agreement.weighted_kappa([1, 5], [1, 5]) == pytest.approx(1.0)
    assert agreement.weighted_kappa([3, 3], [3, 3]) is None  # no variation: undefined

    triples = [(item, "a", x) for item, x in zip("wxyz", (2, 3, 4, 4), strict=True)]
    triples += [(item, "b", y) for item, y in zip("wxyz", (2, 4, 4, 3), strict=True)]
    result = agreement.agreement(triples)
    assert result["overall"] == {"n": 4, "kappa_quadratic": round(7 / 11, 4), "exact_pct": 50.0,
                                 "adjacent_pct": 100.0, "method": "quadratic weighted Cohen's kappa"}
    assert "imprecise" in result["pairs"][0]["notes"][0]


def test_three_raters_average_the_pairs() -> None:
    a, b, c = (2, 3, 4, 4), (2, 4, 4, 3), (2, 3, 4, 4)
    triples = [(i, name, x) for name, values in (("a", a), ("b", b), ("c", c)) for i, x in zip("wxyz", values, strict=True)]
    result = agreement.agreement(triples)
    assert [p["kappa_quadratic"] for p in result["pairs"]] == [round(7 / 11, 4), 1.0, round(7 / 11, 4)]
    assert result["overall"]["kappa_quadratic"] == round((7 / 11 + 1 + 7 / 11) / 3, 4)
    assert result["overall"]["n"] == 12 and result["overall"]["exact_pct"] == round(100 * 8 / 12, 1)
    assert agreement.agreement([("w", "a", 3)])["reason"].startswith("agreement needs at least two raters")


# ----- over HTTP -----------------------------------------------------------------------------


async def _with_plan(world: HiringWorld, name: str) -> Org:
    org = await world.org(name)
    await org.recruiter.ok("PATCH", f"/hiring/api/campaigns/{org.campaign_id}", json={"interview_plan": PLAN})
    return org


async def test_upload_suggest_rate_and_score(world: HiringWorld) -> None:
    org = await _with_plan(world, "Acme")
    candidate_id, _ = await world.invite(org, "Ada Acme")
    base = f"/hiring/api/candidates/{candidate_id}/interview"

    # Nothing uploaded yet: the candidate exists, their interview does not.
    assert (await org.viewer.ok("GET", base))["interview_id"] is None
    assert (await org.viewer.ok("GET", f"{base}/suggestions"))["reason"].startswith("no interview transcript")
    early = await org.recruiter.request("POST", f"{base}/ratings", json={"competency": "Customer focus", "rating": 3})
    assert early.status_code == 409 and early.json()["error"]["code"] == "no_interview"
    assert (await org.viewer.request("POST", base, json={"text": TRANSCRIPT})).status_code == 403  # viewers read
    uploaded = await org.recruiter.ok("POST", base, 201, json={"text": TRANSCRIPT})
    assert uploaded["utterances"] == 7 and uploaded["quality"]["ok"] and not uploaded["replaced"]

    hints = await org.viewer.ok("GET", f"{base}/suggestions")
    assert [s["suggestion"] and s["suggestion"]["rating"] for s in hints["suggestions"]] == [5, 1, None]

    # The human has the last word: the score is the raters' rating, whatever was suggested.
    await org.recruiter.ok("POST", f"{base}/ratings", json={"competency": "Customer focus", "rating": 3,
                                                           "note": "good story, but the 40 % is unverified"})
    after = await org.owner.ok("POST", f"{base}/ratings", json={"competency": "Customer focus", "rating": 4})
    customer = after["scores"][0]
    # Listed by rater: owner@ before recruiter@.
    assert customer["score"] == 3.5 and [r["rating"] for r in customer["ratings"]] == [4, 3]
    assert customer["ratings"][1]["note"] == "good story, but the 40 % is unverified"
    assert after["scores"][1] == {"competency": "Problem solving", "score": None,
                                  "reason": "no rater has rated this competency yet", "ratings": []}
    # Rating again replaces the rater's own rating.
    again = await org.recruiter.ok("POST", f"{base}/ratings", json={"competency": "Customer focus", "rating": 5})
    assert [r["rating"] for r in again["scores"][0]["ratings"]] == [4, 5]
    assert (await org.recruiter.ok("GET", f"{base}/suggestions"))["suggestions"][0]["suggestion"]["rating"] == 5

    for bad in ({"competency": "Customer focus", "rating": 6}, {"competency": "Juggling", "rating": 3}):
        assert (await org.recruiter.request("POST", f"{base}/ratings", json=bad)).status_code == 422
    assert (await org.viewer.request("POST", f"{base}/ratings",
                                     json={"competency": "Customer focus", "rating": 2})).status_code == 403
    no_csrf = await org.recruiter.request("POST", f"{base}/ratings", csrf=False,
                                          json={"competency": "Customer focus", "rating": 2})
    assert no_csrf.status_code == 403 and no_csrf.json()["error"]["code"] == "csrf"

    # Another organisation's owner finds nothing there.
    other = await world.org("Beta Corp")
    for method, path in (("GET", base), ("GET", f"{base}/suggestions"), ("POST", f"{base}/ratings"),
                         ("POST", base), ("GET", f"/hiring/api/campaigns/{org.campaign_id}/interview-agreement")):
        body = {"competency": "Customer focus", "rating": 1} if path.endswith("ratings") else {"text": TRANSCRIPT}
        response = await other.owner.request(method, path, json=body if method == "POST" else None)
        assert response.status_code == 404, (method, path, response.text)

    # A new upload replaces the interview and the ratings made on the old text.
    replaced = await org.recruiter.ok("POST", base, 201, json={"utterances": [
        {"seq": u.seq, "speaker": u.speaker, "text": u.text} for u in parse_text(TRANSCRIPT)]})
    assert replaced["replaced"] is True
    assert (await org.viewer.ok("GET", base))["scores"][0]["ratings"] == []


async def test_a_poor_transcript_is_not_scored(world: HiringWorld) -> None:
    org = await _with_plan(world, "Acme")
    candidate_id, _ = await world.invite(org, "Ada Acme")
    base = f"/hiring/api/candidates/{candidate_id}/interview"
    await org.recruiter.ok("POST", base, 201, json={"utterances": [
        {"speaker": "interviewer", "text": CUSTOMER}, {"speaker": "candidate", "text": "[inaudible]"},
        {"speaker": "candidate", "text": "yes"}, {"speaker": "candidate", "text": "I fixed it."}]})
    hints = await org.viewer.ok("GET", f"{base}/suggestions")
    assert hints["scored"] is False and hints["suggestions"] == []
    assert "candidate says 4 words" in hints["reason"] and "inaudible" in hints["reason"]
    refused = await org.recruiter.request("POST", f"{base}/ratings", json={"competency": "Customer focus", "rating": 4})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "transcript_quality"
    view = await org.viewer.ok("GET", base)
    assert view["scored"] is False and all(s["score"] is None for s in view["scores"])
    bad = await org.recruiter.request("POST", base, json={"text": "no speaker here"})
    assert bad.status_code == 422 and "line 1" in bad.json()["error"]["message"]
    both = await org.recruiter.request("POST", base, json={"text": TRANSCRIPT, "utterances": []})
    assert both.status_code == 422


async def test_scales_default_and_edited(world: HiringWorld) -> None:
    org = await _with_plan(world, "Acme")
    path = f"/hiring/api/campaigns/{org.campaign_id}/interview-scales"
    scales = (await org.viewer.ok("GET", path))["scales"]
    assert [(s["competency"], s["source"]) for s in scales] == [(e["competency"], "default") for e in PLAN]
    assert scales[0]["anchors"] == default_anchors("Customer focus") and set(scales[0]["anchors"]) == {"1", "3", "5"}

    edited = {"1": "Blames the customer.", "3": "Fixes the case in hand.", "4": "And follows up.",
              "5": "Fixes the cause for every customer."}
    assert (await org.viewer.request("PUT", path, json={"scales": [
        {"competency": "Customer focus", "anchors": edited}]})).status_code == 403
    got = (await org.recruiter.ok("PUT", path, json={"scales": [
        {"competency": "Customer focus", "anchors": edited}]}))["scales"]
    assert got[0]["anchors"] == edited and got[0]["source"] == "edited"
    for refused in ({"competency": "Customer focus", "anchors": {"1": "x", "5": "y"}},
                    {"competency": "Juggling", "anchors": edited},
                    {"competency": "Customer focus", "anchors": {**edited, "6": "z"}}):
        assert (await org.recruiter.request("PUT", path, json={"scales": [refused]})).status_code == 422

    # Suggestions quote the campaign's own anchor for the level.
    candidate_id, _ = await world.invite(org, "Ada Acme")
    await org.recruiter.ok("POST", f"/hiring/api/candidates/{candidate_id}/interview", 201, json={"text": TRANSCRIPT})
    hints = await org.viewer.ok("GET", f"/hiring/api/candidates/{candidate_id}/interview/suggestions")
    assert hints["suggestions"][0]["suggestion"]["anchor"] == edited["5"]

    restored = (await org.recruiter.ok("PUT", path, json={"scales": [{"competency": "Customer focus", "anchors": None}]}))
    assert restored["scales"][0]["source"] == "default"


async def test_campaign_agreement_over_candidates_and_competencies(world: HiringWorld) -> None:
    org = await _with_plan(world, "Acme")
    path = f"/hiring/api/campaigns/{org.campaign_id}/interview-agreement"
    empty = await org.viewer.ok("GET", path)
    assert empty["overall"] is None and "two raters" in empty["reason"]
    # The hand-computed example again, as 2 candidates x 2 competencies: kappa 7/11.
    ratings = {("Ada", "Customer focus"): (2, 2), ("Ada", "Problem solving"): (3, 4),
               ("Bo", "Customer focus"): (4, 4), ("Bo", "Problem solving"): (4, 3)}
    for name in ("Ada", "Bo"):
        candidate_id, _ = await world.invite(org, name)
        base = f"/hiring/api/candidates/{candidate_id}/interview"
        await org.recruiter.ok("POST", base, 201, json={"text": TRANSCRIPT})
        for competency in ("Customer focus", "Problem solving"):
            first, second = ratings[(name, competency)]
            await org.recruiter.ok("POST", f"{base}/ratings", json={"competency": competency, "rating": first})
            await org.owner.ok("POST", f"{base}/ratings", json={"competency": competency, "rating": second})
    # A candidate rated by one rater only adds no pair.
    lone, _ = await world.invite(org, "Cy")
    await org.recruiter.ok("POST", f"/hiring/api/candidates/{lone}/interview", 201, json={"text": TRANSCRIPT})
    await org.recruiter.ok("POST", f"/hiring/api/candidates/{lone}/interview/ratings",
                           json={"competency": "Leadership", "rating": 1})
    result = await org.viewer.ok("GET", path)
    assert result["raters"] == 2 and result["candidates"] == 3
    assert result["overall"]["n"] == 4
    assert result["overall"]["kappa_quadratic"] == round(7 / 11, 4)
    assert (result["overall"]["exact_pct"], result["overall"]["adjacent_pct"]) == (50.0, 100.0)
    assert sorted(result["pairs"][0]["raters"]) == ["owner@acme.example", "recruiter@acme.example"]


async def test_deleting_a_candidate_deletes_their_interview_and_ratings(world: HiringWorld) -> None:
    org = await _with_plan(world, "Acme")
    gone, _ = await world.invite(org, "Ada Acme")
    kept, _ = await world.invite(org, "Bo")
    for candidate_id in (gone, kept):
        base = f"/hiring/api/candidates/{candidate_id}/interview"
        await org.recruiter.ok("POST", base, 201, json={"text": TRANSCRIPT})
        await org.recruiter.ok("POST", f"{base}/ratings", json={"competency": "Customer focus", "rating": 4})
    assert await count(world.hiring, interviews) == 2 and await count(world.hiring, interview_ratings) == 2
    await org.owner.ok("DELETE", f"/hiring/api/candidates/{gone}", 204)
    assert await count(world.hiring, interviews, candidate_id=gone) == 0
    assert await count(world.hiring, interviews, candidate_id=kept) == 1
    assert await count(world.hiring, interview_ratings) == 1


# ----- the migration -------------------------------------------------------------------------


async def test_revision_0004_up_and_down(database_url: str) -> None:  # noqa: F811 - the fixture
    names = {t.name for t in TABLES}
    engine = create_engine(database_url)
    try:
        await migrate(engine, "0003")
        async with engine.connect() as conn:
            assert not names & set(await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names()))
        await migrate(engine)
        async with engine.connect() as conn:
            version = (await conn.execute(sa.text("SELECT version_num FROM alembic_version"))).scalar()
            diff = await conn.run_sync(lambda sync: compare_metadata(MigrationContext.configure(sync), schema.metadata))
            present = set(await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names()))
        assert version == "0004" and names <= present and diff == []
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0003"))
        async with engine.connect() as conn:
            assert not names & set(await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


def test_the_tables_are_on_the_store_metadata() -> None:
    assert all(schema.metadata.tables[t.name] is t for t in TABLES)


async def test_the_cascade_holds_in_sql(database_url: str, tmp_path: Path) -> None:  # noqa: F811 - the fixture
    from firstword.hiring.store import tables

    engine = create_engine(database_url)
    try:
        await migrate(engine)
        async with engine.begin() as conn:
            await conn.execute(tables.orgs.insert().values(id="o" * 32, name="Acme", retention_days=180, created_at=1.0))
            await conn.execute(tables.users.insert().values(id="u" * 32, email="r@acme.example", password_hash="x",
                                                            created_at=1.0))
            await conn.execute(tables.campaigns.insert().values(
                id="c" * 32, org_id="o" * 32, name="C", role="R", competencies=[], instrument="ipip-50",
                interview_plan=PLAN, created_at=1.0, updated_at=1.0))
            await conn.execute(tables.candidates.insert().values(
                id="d" * 32, org_id="o" * 32, campaign_id="c" * 32, name="Ada", invite_token_hash="h" * 64,
                invite_expires_at=2.0, invited_at=1.0))
            await conn.execute(interviews.insert().values(
                id="i" * 32, org_id="o" * 32, campaign_id="c" * 32, candidate_id="d" * 32,
                utterances=[{"seq": 1, "speaker": "candidate", "text": "hi"}], source="json", uploaded_at=1.0))
            await conn.execute(interview_ratings.insert().values(
                interview_id="i" * 32, competency="Customer focus", rater_user_id="u" * 32, org_id="o" * 32,
                rater_email="r@acme.example", rating=4, rated_at=1.0))
            with pytest.raises(sa.exc.IntegrityError):
                async with conn.begin_nested():
                    await conn.execute(interview_ratings.update().values(rating=6))
            await conn.execute(tables.candidates.delete().where(tables.candidates.c.id == "d" * 32))
            assert (await conn.execute(sa.select(sa.func.count()).select_from(interviews))).scalar() == 0
            assert (await conn.execute(sa.select(sa.func.count()).select_from(interview_ratings))).scalar() == 0
    finally:
        await engine.dispose()
