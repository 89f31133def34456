"""`firstword bench prefetch`: its scripts, its judging of hits, its summary (the JSON shape other
checks read), and the event filing; no server."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from firstword.answerer.profile import sample_profile
from firstword.bench.prefetch import (
    EventReader,
    HitJudge,
    ScriptError,
    load_scripts,
    normalise,
    parse_script,
    percentile,
    record_of,
    replay_predictions,
    run_order,
    summarise,
)

SHIPPED = Path(__file__).resolve().parents[1] / "bench" / "prefetch"
SUMMARY_KEYS = {"questions", "hits", "false_hits", "hit_rate", "first_word_on_hit_ms", "first_word_on_miss_ms", "live_ttft_ratio"}


def rec(question: str, fw: float | None, *, trigger: str = "message", prepared_for: str | None = None,
        llm: float | None = None, **extra: object) -> dict[str, object]:
    return {"question": question, "trigger": trigger, "prepared_for": prepared_for, "prepared_ago_ms": 900.0 if prepared_for else None,
            "first_word_ms": fw, "llm_ttft_ms": llm, "answer": "An answer.", "timed_out": False, "error": None,
            "cancelled": False, **extra}


def hit(question: str, prepared_for: str, fw: float) -> dict[str, object]:
    return rec(question, fw, trigger="prefetched", prepared_for=prepared_for)


# ----- scripts -----------------------------------------------------------------------------------


def test_the_shipped_scripts_load_and_cover_what_the_issue_asks():
    scripts = load_scripts(SHIPPED)
    assert len(scripts) >= 12
    assert len({s.profile_label for s in scripts}) >= 3 and any(s.profile is None for s in scripts)
    copilot = [s for s in scripts if s.persona == "copilot"]
    board = [s for s in scripts if s.persona != "copilot"]
    assert len(copilot) >= 8 and all(6 <= len(s.questions) <= 10 for s in copilot)
    assert 3 <= len(board) <= 5 and {s.persona for s in board} <= {"atlas", "cipher"}
    assert all(s.route == "message" for s in copilot) and all(s.route == "board" for s in board)
    # Every question is asked once per script (a repeat would be a free hit or a veto).
    assert all(len(set(map(normalise, s.questions))) == len(s.questions) for s in scripts)
    # --limit takes the first N in file-name order, and the first three mix an advisor in.
    first = load_scripts(SHIPPED, limit=3)
    assert [s.name for s in first] == [s.name for s in scripts[:3]] and any(s.route == "board" for s in first)


def test_a_script_with_an_inline_profile_or_the_sample():
    inline = parse_script({"persona": "copilot", "profile": {"resume": "# Sam Lee — Engineer\n- Go."}, "questions": ["  Why   us? "]}, "x")
    assert inline.profile is not None and inline.profile_label == "Sam Lee — Engineer" and inline.questions == ("Why us?",)
    sample = parse_script({"persona": "atlas", "profile": "sample", "questions": ["What first?"], "about": "a founder"}, "y")
    assert sample.profile is None and sample.profile_label == "sample" and sample.route == "board"


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ([], "JSON object"),
        ({"persona": "copilot", "profile": "sample", "questions": ["a"], "extra": 1}, "unknown keys extra"),
        ({"profile": "sample", "questions": ["a"]}, "'persona'"),
        ({"persona": "nova", "profile": "sample", "questions": ["a"]}, "practice"),
        ({"persona": "copilot", "questions": ["a"]}, "'profile' is missing"),
        ({"persona": "copilot", "profile": "mine", "questions": ["a"]}, "'profile' must be"),
        ({"persona": "copilot", "profile": {"cv": "x"}, "questions": ["a"]}, "unknown profile fields: cv"),
        ({"persona": "copilot", "profile": {"resume": ""}, "questions": ["a"]}, "empty"),
        ({"persona": "copilot", "profile": "sample", "questions": []}, "non-empty list"),
        ({"persona": "copilot", "profile": "sample", "questions": ["ok", " "]}, "questions[1]"),
        ({"persona": "copilot", "profile": "sample", "questions": ["x" * 2001]}, "longer than"),
    ],
)
def test_a_broken_script_is_refused_naming_the_file_and_the_field(raw: object, says: str):
    with pytest.raises(ScriptError) as caught:
        parse_script(raw, "broken")
    assert str(caught.value).startswith("broken:") and says in str(caught.value)


def test_every_broken_file_is_named_before_anything_runs(tmp_path: Path):
    (tmp_path / "a.json").write_text("{not json")
    (tmp_path / "b.json").write_text(json.dumps({"persona": "copilot", "profile": "sample", "questions": []}))
    (tmp_path / "c.json").write_text(json.dumps({"persona": "copilot", "profile": "sample", "questions": ["Hi?"]}))
    (tmp_path / "notes.md").write_text("not a script")
    with pytest.raises(ScriptError) as caught:
        load_scripts(tmp_path)
    message = str(caught.value)
    assert "a.json: not JSON" in message and "b.json: 'questions'" in message and "c.json" not in message
    (tmp_path / "empty").mkdir()
    with pytest.raises(ScriptError, match="no \\*.json"):
        load_scripts(tmp_path / "empty")
    with pytest.raises(ScriptError, match="not a directory"):
        load_scripts(tmp_path / "missing")


def test_the_order_alternates_script_by_script():
    assert [run_order(i) for i in range(4)] == [(True, False), (False, True), (True, False), (False, True)]


# ----- judging hits ------------------------------------------------------------------------------


def judge() -> HitJudge:
    return HitJudge([
        ("Why are you leaving [your current role]?", "so why do you want to leave your current job", True),
        ("What would you do differently [next time]?", "What did you do differently?", False),
        ("What are the risks?", "what are the security risks", True),
        ("What are the risks?", "what are the security risks", False),  # labelled both ways: false
    ])


def test_a_labelled_pair_is_judged_by_its_label_after_normalising_both_sides():
    j = judge()
    # The prediction as shown (brackets dropped, words kept); case, punctuation, spaces ignored.
    v = j.judge("So, why do you want to leave your current job?", "Why are you leaving your current role?")
    assert (v.kind, v.source) == ("true", "labelled")
    v = j.judge("what did you do  differently", "What would you do differently next time?")
    assert (v.kind, v.source) == ("false", "labelled")
    assert j.judge("What are the security risks?", "What are the risks?").kind == "false"


def test_the_same_words_are_a_true_hit_and_anything_else_is_left_for_a_person():
    j = judge()
    assert j.judge("what are the risks", "What are the risks?").source == "same_words"
    assert j.judge("What's the risk if I do?", "What are the risks?").kind == "unjudged"
    assert j.judge("What are the risks?", None).kind == "unjudged"


def test_the_shipped_labelled_set_is_what_the_default_judge_reads():
    j = HitJudge.default()
    assert len(j.labels) > 100
    assert j.judge("so um what was your role there", "What was your role in that?").kind == "true"


def test_normalise_keeps_words_and_drops_punctuation():
    assert normalise("  What’s [your] ROLE—in that?! ") == "what s your role in that"


# ----- the summary -------------------------------------------------------------------------------


def runs() -> list[dict[str, object]]:
    return [
        {
            "name": "s1", "persona": "copilot", "profile": "sample", "order": ["on", "off"],
            "on": [
                rec("Tell me about yourself.", 900.0, llm=300.0),
                hit("What was your role in that?", "What was your role in that?", 4.0),
                hit("What's the risk if I do?", "What are the risks?", 6.0),
                rec("How did you measure it?", 1100.0, llm=330.0, offline={"predicted": True}),
            ],
            "off": [
                rec("Tell me about yourself.", 1000.0, llm=300.0),
                rec("What was your role in that?", 800.0, llm=280.0),
                rec("What's the risk if I do?", 850.0, llm=290.0),
                rec("How did you measure it?", 1000.0, llm=300.0),
            ],
        },
        {
            "name": "s2", "persona": "atlas", "profile": "founder", "order": ["off", "on"],
            "on": [
                hit("What did you do differently?", "What would you do differently next time?", 8.0),
                rec("Should I raise prices?", 1200.0, llm=None, offline={"predicted": False}),
            ],
            "off": [
                rec("What did you do differently?", 700.0),
                rec("Should I raise prices?", 1200.0, llm=350.0),
            ],
        },
    ]


def test_the_summary_has_the_fixed_keys_and_counts_hits_false_and_unjudged():
    result = summarise(runs(), judge())
    s = result["summary"]
    assert SUMMARY_KEYS <= set(s)
    assert set(s["first_word_on_hit_ms"]) == {"p50", "p95"} and set(s["first_word_on_miss_ms"]) == {"p50"}
    assert (s["questions"], s["hits"], s["false_hits"], s["true_hits"], s["unjudged_hits"]) == (6, 3, 1, 1, 1)
    assert s["hit_rate"] == 0.5
    assert s["first_word_on_hit_ms"] == {"p50": 6.0, "p95": 8.0}
    assert s["first_word_on_miss_ms"]["p50"] == 1100.0
    assert result["unjudged"] == [{"question": "What's the risk if I do?", "prepared_for": "What are the risks?", "script": "s1"}]
    assert [h["verdict"] for h in result["hits"]] == ["true", "unjudged", "false"]
    assert result["by_persona"]["copilot"] == {"questions": 4, "hits": 2, "hit_rate": 0.5}
    assert (result["bounds"]["predicted_offline_not_shown"], result["bounds"]["not_predicted_offline"]) == (1, 1)
    json.dumps(result)  # the JSON written is exactly this


def test_the_live_ratio_compares_the_same_missed_questions_on_and_off():
    s = summarise(runs(), judge())["summary"]
    # Misses with prefetch on: 900, 1100, 1200; the same questions off: 1000, 1000, 1200. Each
    # question's ratio: 0.9, 1.1, 1.0, median 1.0 (the ratio of the medians, 1100 / 1000, beside
    # it). The hits' off-run times (800, 850, 700) are not in the ratio.
    assert s["live_ttft_ratio"] == 1.0 and s["paired_misses"] == 3
    assert s["live_ttft_ratio_of_medians"] == 1.1
    # The model's own first token, where both runs report it: (300, 330) against (300, 300).
    assert s["llm_ttft_ratio"] == round(315 / 300, 3)
    # By route: the copilot's (900, 1100 against 1000, 1000) and the board's (1200 against 1200).
    assert s["by_route"]["message"]["live_ttft_ratio"] == 1.0 and s["by_route"]["board"]["live_ttft_ratio"] == 1.0
    assert s["by_route"]["board"]["llm_ttft_ratio"] is None and s["by_route"]["message"]["pairs"] == 2


def test_no_hits_and_no_pairs_leave_the_figures_empty_not_zero():
    result = summarise([{"name": "s", "persona": "copilot", "profile": "sample", "order": ["on", "off"],
                         "on": [rec("Q?", None, error="500 boom")], "off": []}], judge())
    s = result["summary"]
    assert s["hits"] == 0 and s["hit_rate"] == 0.0 and s["first_word_on_hit_ms"] == {"p50": None, "p95": None}
    assert s["live_ttft_ratio"] is None and s["llm_ttft_ratio"] is None
    assert any("500 boom" in p["problem"] for p in result["problems"])


def test_a_hit_with_prefetch_off_or_without_prepared_for_is_a_problem():
    bad = [{"name": "s", "persona": "copilot", "profile": "sample", "order": ["on", "off"],
            "on": [rec("Q?", 3.0, trigger="prefetched")], "off": [hit("Q?", "Q?", 3.0)]}]
    problems = [p["problem"] for p in summarise(bad, judge())["problems"]]
    assert "a prefetched answer without prepared_for" in problems
    assert "a prefetched answer in a session created with prefetch off" in problems


def test_percentile_is_nearest_rank():
    assert percentile([], 50) is None
    assert percentile([5.0, 1.0, 3.0], 50) == 3.0 and percentile(list(map(float, range(1, 11))), 95) == 10.0


# ----- filing events -----------------------------------------------------------------------------


def test_events_are_filed_by_turn_and_a_record_reads_the_first_answer_of_the_turn():
    reader = EventReader()
    events = [
        (0.00, {"seq": 1, "type": "session.ready", "turn": None, "data": {}}),
        (1.000, {"seq": 2, "type": "message", "turn": 3, "data": {"text": "What are the risks?"}}),
        (1.002, {"seq": 3, "type": "answer.started", "turn": 3, "data": {
            "answer_id": 7, "trigger": "prefetched", "question": "What are the risks?",
            "prepared_for": "What are the risks?", "prepared_ago_ms": 2500.0, "persona": "atlas", "future_field": 1}}),
        (1.003, {"seq": 4, "type": "answer.delta", "turn": 3, "data": {"answer_id": 7, "text": " "}}),
        (1.004, {"seq": 5, "type": "answer.delta", "turn": 3, "data": {"answer_id": 7, "text": "Churn first."}}),
        (1.005, {"seq": 6, "type": "answer.done", "turn": 3, "data": {"answer_id": 7, "text": " Churn first.", "trigger": "prefetched"}}),
        (1.006, {"seq": 7, "type": "turn.latency", "turn": 3, "data": {"question": "What are the risks?", "llm_ttft_ms": None,
                                                                        "trigger": "prefetched", "prepared_ago_ms": 2500.0}}),
        (1.007, {"seq": 8, "type": "some.new.event", "turn": 3, "data": {}}),
    ]
    for at, raw in events:
        reader.take(raw, at)
    assert reader.ready.is_set() and reader.answered(3) and not reader.answered(4)
    r = record_of("What are the risks?", 3, 0.999, reader, timed_out=False)
    assert r["trigger"] == "prefetched" and r["prepared_for"] == "What are the risks?" and r["prepared_ago_ms"] == 2500.0
    assert r["first_word_ms"] == 5.0 and r["answer"] == "Churn first." and r["latency_trigger"] == "prefetched"
    assert r["error"] is None and r["answers_in_turn"] == 1


def test_a_turn_with_no_answer_records_its_error():
    reader = EventReader()
    reader.take({"seq": 1, "type": "error", "turn": 2, "data": {"code": "llm_error", "message": "model failed"}}, 0.5)
    r = record_of("Q?", 2, 0.0, reader, timed_out=True)
    assert r["trigger"] is None and r["first_word_ms"] is None and r["error"] == "model failed" and r["timed_out"]


def test_the_offline_replay_says_whether_each_question_was_predictable():
    script = parse_script({"persona": "atlas", "profile": "sample", "questions": [
        "Should we split the monolith?", "What are the risks?", "Tell me a joke about databases."]}, "replay")
    records = [{"question": q, "answer": "Yes."} for q in script.questions]
    out = replay_predictions(script, records, sample_profile())
    assert [o["predicted"] for o in out] == [False, True, False]
    assert out[1]["prediction"] == "What are the risks?" and out[0]["reason"] in {"below_threshold", "no_predictions", "ambiguous", "no_shared_words"}
    assert "closest" in out[2] and out[2]["closest"]["score"] < 0.8


def test_the_held_out_scripts_load() -> None:
    held_out = SHIPPED.parent / "prefetch-heldout"
    scripts = load_scripts(held_out)
    assert len(scripts) >= 15 and all(s.persona == "copilot" for s in scripts)
    assert all(7 <= len(s.questions) <= 22 for s in scripts)  # sets p, v, x run to 16-18 turns, ab to 22


def test_the_offline_replay_counts_the_questions_a_prediction_answers(tmp_path: Path) -> None:
    """``--offline``: no server; each question replayed after the ones before it, every hit listed."""
    from rich.console import Console

    from firstword.bench.prefetch import run_offline

    (tmp_path / "one.json").write_text(json.dumps({"persona": "copilot", "profile": "sample", "questions": [
        "Tell me about yourself.", "How would you shard a ledger across regions?", "What's your notice period?",
        # Two asks, one predicted: the prepared answer, then the other answered live.
        "What are your salary expectations, and how would you shard a ledger across regions?"]}))
    out = tmp_path / "out.json"
    result = run_offline(tmp_path, out, console=Console(file=io.StringIO()))
    assert result["summary"] == {"questions": 4, "hits": 3, "hit_rate": 0.75, "partial_hits": 1}
    assert [h["prediction"] for h in result["hits"]] == [
        "Tell me about yourself.", "What is your notice period?", "What are your salary expectations?"]
    assert [h["answered_live"] for h in result["hits"]] == [None, None, "How would you shard a ledger across regions?"]
    assert json.loads(out.read_text())["by_script"] == [{"name": "one", "persona": "copilot", "questions": 4, "hits": 3}]


def test_the_warm_up_asks_no_question_a_script_asks() -> None:
    # A measured question answered warm (its type, its words read once already) would be faster
    # on whichever session asked it; the warm-up is for what a process pays once.
    from firstword.bench.prefetch import WARM_UP_PAUSE_S, WARM_UP_QUESTIONS
    from firstword.config import PrefetchConfig

    asked = {normalise(q) for folder in ("bench/prefetch", "bench/prefetch-heldout") for s in load_scripts(Path(folder))
             for q in s.questions}
    assert not asked & {normalise(q) for q in WARM_UP_QUESTIONS}
    # Its prefetching session pauses long enough to predict and prepare.
    assert WARM_UP_PAUSE_S > PrefetchConfig().idle_after_s


@pytest.mark.engine
@pytest.mark.e2e
async def test_the_warm_up_runs_against_the_bundled_server_and_leaves_no_session() -> None:
    import asyncio

    import httpx

    from firstword.bench.prefetch import warm_up
    from firstword.config import Settings
    from firstword.engines import load_engines
    from firstword.server.app import create_app
    from tests.conftest import InLoopServer

    settings = Settings()
    app = create_app(settings, load_engines(settings))
    async with InLoopServer(app) as srv, httpx.AsyncClient(base_url=srv.url, timeout=60) as http:
        await warm_up(http)
        assert (await http.get("/healthz")).status_code == 200
        for _ in range(50):  # a deleted session closes in the background
            if len(app.state.registry) == 0:
                break
            await asyncio.sleep(0.1)
        assert len(app.state.registry) == 0, "the warm-up's sessions are closed"


def test_the_summary_counts_the_lookups_the_server_decided_beside_its_loop():
    with_figures = runs()
    with_figures[0]["prefetch"] = {"lookups": 4, "decided_beside": 3, "hits": 2}
    with_figures[1]["prefetch"] = {"lookups": 2, "decided_beside": 2}
    s = summarise(with_figures, judge())["summary"]
    assert (s["lookups"], s["lookups_decided_beside"]) == (6, 5)
    # A server that does not say (an older one, or a session that never ran): None, not 0.
    s = summarise(runs(), judge())["summary"]
    assert s["lookups"] is None and s["lookups_decided_beside"] is None


@pytest.mark.engine
@pytest.mark.e2e
async def test_the_bundled_server_decides_its_lookups_beside_the_loop() -> None:
    import httpx

    from firstword.bench.prefetch import COPILOT, Script, run_session
    from firstword.config import Settings
    from firstword.engines import load_engines
    from firstword.server.app import create_app
    from tests.conftest import InLoopServer

    settings = Settings()
    app = create_app(settings, load_engines(settings))
    script = Script(name="beside", persona=COPILOT, profile=None, questions=(
        "What are your salary expectations?", "When could you start?", "Which part of the job do you like least?"))
    figures: dict[str, object] = {}
    async with InLoopServer(app) as srv, httpx.AsyncClient(base_url=srv.url, timeout=60) as http:
        records = await run_session(http, script, prefetch=True, pause_s=2.0, prefetch_stats=figures)
        worker = app.state.registry.match_worker
        assert worker is not None and worker.ready
    assert [r["error"] for r in records] == [None, None, None]
    assert figures["lookups"] == 3
    # The worker starts with the session and is up well before the first pause ends (~0.3 s of
    # imports); a machine slow enough to miss that still decides the later turns beside.
    assert 2 <= figures["decided_beside"] <= 3  # type: ignore[operator]
    assert not worker.ready  # closed with the server
