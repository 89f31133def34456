"""The hiring questionnaire core: the IPIP-50 instrument, scoring, flags, reliability and the CLI."""

from __future__ import annotations

import json
import math
import random
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from firstword.hiring.cli import assess_app
from firstword.hiring.instruments import UnknownInstrumentError, get_instrument, known_instruments
from firstword.hiring.norms import _parse, load_norms
from firstword.hiring.reliability import MIN_N, campaign_reliability, cronbach_alpha
from firstword.hiring.scoring import score_responses

IPIP = get_instrument("ipip-50")
SCALES = ("extraversion", "agreeableness", "conscientiousness", "emotional_stability", "intellect")


def norm_table() -> dict[str, Any]:
    """The bundled norms read straight from the JSON file, independently of firstword.hiring.norms."""
    path = resources.files("firstword.hiring.instruments").joinpath("data/ipip50_norms.json")
    return json.loads(path.read_text(encoding="utf-8"))


def all_answers(value: int) -> dict[str, int | None]:
    return {item.id: value for item in IPIP.items}


def iid(number: int) -> str:
    return f"ipip50_{number:02d}"


# ---------------------------------------------------------------- the instrument


def test_fifty_items_in_administration_order() -> None:
    assert [item.id for item in IPIP.items] == [iid(n) for n in range(1, 51)]
    # The five scales cycle E, A, C, ES, I from item 1.
    assert [item.scale for item in IPIP.items] == list(SCALES) * 10
    assert (IPIP.items[0].text, IPIP.items[0].keyed) == ("Am the life of the party.", "+")
    assert (IPIP.items[1].text, IPIP.items[1].keyed) == ("Feel little concern for others.", "-")
    assert (IPIP.items[2].text, IPIP.items[2].keyed) == ("Am always prepared.", "+")
    assert (IPIP.items[3].text, IPIP.items[3].keyed) == ("Get stressed out easily.", "-")
    assert (IPIP.items[4].text, IPIP.items[4].keyed) == ("Have a rich vocabulary.", "+")
    assert (IPIP.items[48].text, IPIP.items[48].keyed) == ("Often feel blue.", "-")
    assert len({item.text for item in IPIP.items}) == 50


def test_keys_per_scale_match_the_published_key() -> None:
    # ipip.ori.org/newBigFive5broadKey.htm: minus-keyed items per 10-item scale.
    minus = {scale: sum(1 for item in IPIP.scale_items(scale) if item.keyed == "-") for scale in SCALES}
    assert minus == {"extraversion": 5, "agreeableness": 4, "conscientiousness": 4,
                     "emotional_stability": 8, "intellect": 3}
    plus_es = [item.text for item in IPIP.scale_items("emotional_stability") if item.keyed == "+"]
    assert plus_es == ["Am relaxed most of the time.", "Seldom feel blue."]


def test_labels_and_published_alphas() -> None:
    assert IPIP.response_labels == {1: "Very Inaccurate", 2: "Moderately Inaccurate",
                                    3: "Neither Accurate Nor Inaccurate", 4: "Moderately Accurate",
                                    5: "Very Accurate"}
    alphas = {scale.name: scale.reliability.alpha for scale in IPIP.scales}
    assert alphas == {"extraversion": 0.87, "agreeableness": 0.82, "conscientiousness": 0.79,
                      "emotional_stability": 0.86, "intellect": 0.84}
    assert all("ipip.ori.org" in scale.reliability.source for scale in IPIP.scales)


def test_unknown_instrument_lists_the_known_ones() -> None:
    with pytest.raises(UnknownInstrumentError, match="known instruments: ipip-50"):
        get_instrument("mbti")
    assert known_instruments() == ("ipip-50",)


# ---------------------------------------------------------------- norms


def test_norms_are_combined_population_and_monotonic() -> None:
    document = norm_table()
    assert document["population"] == "combined"
    assert "gender" not in json.dumps(document["scales"]) and "sex" not in json.dumps(document["scales"])
    for scale in SCALES:
        entry = document["scales"][scale]
        assert entry["n"] == 19718
        values = [entry["percentile_by_raw"][str(raw)] for raw in range(10, 51)]
        assert values == sorted(values) and 0 <= values[0] and values[-1] <= 100
        assert sum(entry["count_by_raw"].values()) == entry["n"]


def test_group_specific_norms_are_refused() -> None:
    document = norm_table()
    document["population"] = "female"
    with pytest.raises(ValueError, match="only 'combined'"):
        _parse(document)


# ---------------------------------------------------------------- scoring


def test_all_neutral_scores_thirty_everywhere() -> None:
    # 10 items x 3 = 30 whatever the key (6 - 3 = 3).
    report = score_responses(IPIP, all_answers(3))
    table = norm_table()["scales"]
    for scale in SCALES:
        score = report.scales[scale]
        assert (score.raw, score.items_answered, score.percentile_basis) == (30, 10, "raw")
        assert score.percentile == table[scale]["percentile_by_raw"]["30"]


def test_keyed_extremes_give_ten_and_fifty() -> None:
    # 5 on every "+" item and 1 on every "-" item: each item scores 5 -> 50; the mirror image -> 10.
    high = {item.id: 5 if item.keyed == "+" else 1 for item in IPIP.items}
    low = {item.id: 1 if item.keyed == "+" else 5 for item in IPIP.items}
    table = norm_table()["scales"]
    for scale in SCALES:
        assert score_responses(IPIP, high).scales[scale].raw == 50
        assert score_responses(IPIP, low).scales[scale].raw == 10
        assert score_responses(IPIP, high).scales[scale].percentile == table[scale]["percentile_by_raw"]["50"]


def test_hand_computed_emotional_stability() -> None:
    answers = all_answers(3)
    # Emotional Stability items (administration numbers) and answers; "-" keyed score 6 - answer:
    #  4 Get stressed out easily (-)  2 -> 4
    #  9 Am relaxed most of the time (+) 4 -> 4
    # 14 Worry about things (-)       1 -> 5
    # 19 Seldom feel blue (+)         3 -> 3
    # 24 Am easily disturbed (-)      2 -> 4
    # 29 Get upset easily (-)         2 -> 4
    # 34 Change my mood a lot (-)     5 -> 1
    # 39 Have frequent mood swings (-) 4 -> 2
    # 44 Get irritated easily (-)     3 -> 3
    # 49 Often feel blue (-)          1 -> 5
    # raw = 4+4+5+3+4+4+1+2+3+5 = 35
    for number, value in {4: 2, 9: 4, 14: 1, 19: 3, 24: 2, 29: 2, 34: 5, 39: 4, 44: 3, 49: 1}.items():
        answers[iid(number)] = value
    score = score_responses(IPIP, answers).scales["emotional_stability"]
    assert score.raw == 35
    assert score.percentile == norm_table()["scales"]["emotional_stability"]["percentile_by_raw"]["35"]


def test_reverse_keying_moves_the_scale_down() -> None:
    answers = all_answers(3)
    answers[iid(2)] = 5  # "Feel little concern for others." (-): 6 - 5 = 1, so 30 - 3 + 1 = 28
    assert score_responses(IPIP, answers).scales["agreeableness"].raw == 28
    answers[iid(7)] = 5  # "Am interested in people." (+): 5, so 28 - 3 + 5 = 30
    assert score_responses(IPIP, answers).scales["agreeableness"].raw == 30


def test_nine_answered_keeps_raw_plain_and_prorates_separately() -> None:
    answers: dict[str, int | None] = all_answers(3)
    answers[iid(1)] = None
    answers[iid(6)] = 1  # "Don't talk a lot." (-): 5
    # raw = 8 x 3 + 5 = 29 over 9 items; prorated = 29 * 10 / 9 = 32.22
    score = score_responses(IPIP, answers).scales["extraversion"]
    assert (score.raw, score.items_answered, score.prorated_raw, score.percentile_basis) == (29, 9, 32.22, "prorated_raw")
    table = norm_table()["scales"]["extraversion"]["percentile_by_raw"]
    expected = table["32"] + (table["33"] - table["32"]) * (290 / 9 - 32)
    assert score.percentile == pytest.approx(expected, abs=0.051)


def test_completeness_cut_off_at_eight_of_ten() -> None:
    answers: dict[str, int | None] = all_answers(3)
    for number in (3, 8):  # two conscientiousness items blank: 8 answered, still scored
        answers[iid(number)] = None
    eight = score_responses(IPIP, answers).scales["conscientiousness"]
    assert (eight.raw, eight.items_answered, eight.prorated_raw) == (24, 8, 30.0)
    answers[iid(13)] = None  # 7 answered: no score
    seven = score_responses(IPIP, answers).scales["conscientiousness"]
    assert (seven.raw, seven.percentile, seven.range, seven.items_answered) == (None, None, None, 7)
    assert seven.reason is not None and "7 of 10" in seven.reason


def test_range_is_ninety_percent_from_published_alpha_and_norm_sd() -> None:
    sd = norm_table()["scales"]["extraversion"]["sd"]
    sem = sd * math.sqrt(1 - 0.87)  # published alpha of the 10-item Extraversion scale
    score = score_responses(IPIP, all_answers(3)).scales["extraversion"]
    assert score.range is not None and score.range.level == 0.90
    assert score.range.raw_low == pytest.approx(30 - 1.645 * sem, abs=0.051)
    assert score.range.raw_high == pytest.approx(30 + 1.645 * sem, abs=0.051)
    assert score.range.percentile_low < score.percentile < score.range.percentile_high
    top = score_responses(IPIP, {item.id: 5 if item.keyed == "+" else 1 for item in IPIP.items})
    assert top.scales["extraversion"].range.raw_high == 50  # clipped to the scale


def test_fewer_items_widen_the_range() -> None:
    answers: dict[str, int | None] = all_answers(3)
    answers[iid(1)] = answers[iid(6)] = None
    eight = score_responses(IPIP, answers).scales["extraversion"].range
    ten = score_responses(IPIP, all_answers(3)).scales["extraversion"].range
    assert eight is not None and ten is not None and eight.sem > ten.sem


@pytest.mark.parametrize("value", [0, 6, "3", 3.5, True, [3]])
def test_bad_answer_names_the_item(value: Any) -> None:
    answers: dict[str, Any] = all_answers(3)
    answers[iid(12)] = value
    with pytest.raises(ValueError, match="ipip50_12"):
        score_responses(IPIP, answers)


def test_unknown_item_is_named() -> None:
    with pytest.raises(ValueError, match="'ipip50_51'"):
        score_responses(IPIP, {"ipip50_51": 3})
    with pytest.raises(ValueError, match="'q1'"):
        score_responses(IPIP, all_answers(3), times_ms={"q1": 3000})
    with pytest.raises(ValueError, match="ipip50_01"):
        score_responses(IPIP, all_answers(3), times_ms={iid(1): -5})


def test_null_answers_are_blanks() -> None:
    answers: dict[str, int | None] = all_answers(3)
    answers[iid(5)] = None
    assert score_responses(IPIP, answers).scales["intellect"].items_answered == 9


# ---------------------------------------------------------------- flags


def codes(answers: dict[str, Any], times: dict[str, Any] | None = None) -> dict[str, Any]:
    return {flag.code: flag for flag in score_responses(IPIP, answers, times).flags}


def varied() -> dict[str, int | None]:
    """Consistent, differentiated answers: agree with "+" items, disagree with "-" ones (4 / 2)."""
    return {item.id: 4 if item.keyed == "+" else 2 for item in IPIP.items}


def test_varied_answers_raise_no_flag() -> None:
    assert codes(varied(), {item.id: 4000 for item in IPIP.items}) == {}


def test_straight_lining_at_ten_identical_in_a_row() -> None:
    answers = {item.id: (2 if n % 2 else 4) for n, item in enumerate(IPIP.items, start=1)}
    for number in range(1, 10):
        answers[iid(number)] = 3
    answers[iid(10)] = 4  # 9 in a row, then a change: no flag
    assert "straight_lining" not in codes(answers)
    answers[iid(10)] = 3  # 10 in a row
    flag = codes(answers)["straight_lining"]
    assert flag.evidence["longest_run"] == 10
    assert (flag.evidence["first_item"], flag.evidence["last_item"]) == (iid(1), iid(10))
    assert "Neither Accurate Nor Inaccurate" in flag.message
    answers[iid(5)] = None  # a blank breaks the run
    assert "straight_lining" not in codes(answers)


def test_too_fast_only_with_times_and_below_two_seconds_median() -> None:
    assert "too_fast" not in codes(varied())
    assert "too_fast" not in codes(varied(), {item.id: 2000 for item in IPIP.items})
    flag = codes(varied(), {item.id: 1500 for item in IPIP.items})["too_fast"]
    assert flag.evidence == {"median_ms": 1500.0, "items_timed": 50, "threshold_ms": 2000}
    # Too few timed items to judge.
    assert "too_fast" not in codes(varied(), {iid(n): 100 for n in range(1, 6)})


def test_inconsistent_needs_three_contradicted_pairs() -> None:
    answers = all_answers(3)
    answers[iid(34)], answers[iid(39)] = 1, 5  # mood a lot / mood swings (both -): keyed 5 vs 1
    answers[iid(25)], answers[iid(50)] = 5, 1  # excellent ideas / full of ideas (both +): 5 vs 1
    assert "inconsistent" not in codes(answers)
    answers[iid(15)], answers[iid(30)] = 5, 5  # vivid imagination (+) / not a good imagination (-): 5 vs 1
    flag = codes(answers)["inconsistent"]
    assert len(flag.evidence["pairs"]) == 3
    assert "Change my mood a lot." in flag.message


def test_a_gap_of_two_is_not_a_contradiction() -> None:
    answers = all_answers(3)
    for first, second in ((34, 39), (25, 50), (6, 26)):
        answers[iid(first)], answers[iid(second)] = 3, 5 if IPIP.item(iid(second)).keyed == "+" else 1
    assert "inconsistent" not in codes(answers)


def test_incomplete_when_more_than_five_blank_or_a_scale_unscored() -> None:
    answers: dict[str, int | None] = varied()
    for number in (1, 2, 3, 4, 5):  # 5 blanks, one per scale: every scale still scored
        answers[iid(number)] = None
    assert "incomplete" not in codes(answers)
    answers[iid(6)] = None  # 6 blanks
    assert codes(answers)["incomplete"].evidence["blank"] == 6
    few: dict[str, int | None] = varied()
    for number in (1, 6, 11):  # 3 Extraversion blanks: only 3 in all, but the scale is unscored
        few[iid(number)] = None
    flag = codes(few)["incomplete"]
    assert flag.evidence["unscored_scales"] == ["extraversion"]
    assert "extraversion" in flag.message


# ---------------------------------------------------------------- reliability


def test_alpha_hand_computed() -> None:
    rows = [[1, 2, 2], [2, 2, 3], [3, 4, 3], [4, 4, 5]]
    # item variances (n - 1): 5/3, 4/3, 4.75/3 -> sum 13.75/3; totals 5, 7, 10, 13 -> variance 36.75/3
    # alpha = 3/2 * (1 - 13.75/36.75) = 1.5 * 23/36.75 = 46/49
    assert cronbach_alpha(rows) == pytest.approx(46 / 49)
    assert cronbach_alpha([[3, 3]]) is None
    assert cronbach_alpha([[3, 3], [3, 3]]) is None


def alpha_from_covariances(matrix: np.ndarray) -> float:
    """Cronbach's alpha written differently: k * mean covariance / (mean variance + (k - 1) * mean covariance)."""
    cov = np.cov(matrix, rowvar=False)
    k = cov.shape[0]
    mean_var = np.trace(cov) / k
    mean_cov = (cov.sum() - np.trace(cov)) / (k * (k - 1))
    return float(k * mean_cov / (mean_var + (k - 1) * mean_cov))


def simulated_sets(n: int, seed: int) -> list[dict[str, int | None]]:
    rng = random.Random(seed)
    sets = []
    for _ in range(n):
        trait = {scale: rng.gauss(0, 1) for scale in SCALES}
        answers: dict[str, int | None] = {}
        for item in IPIP.items:
            level = trait[item.scale] if item.keyed == "+" else -trait[item.scale]
            answers[item.id] = min(5, max(1, round(3 + level + rng.gauss(0, 0.9))))
        sets.append(answers)
    return sets


def test_campaign_alpha_matches_an_independent_computation() -> None:
    sets = simulated_sets(40, seed=7)
    result = campaign_reliability(IPIP, sets)
    for scale in SCALES:
        items = IPIP.scale_items(scale)
        matrix = np.array([[a[i.id] if i.keyed == "+" else 6 - a[i.id] for i in items] for a in sets], dtype=float)
        assert result[scale].alpha == pytest.approx(alpha_from_covariances(matrix), rel=1e-9)
        assert (result[scale].n, result[scale].k, result[scale].warning) == (40, 10, None)
        assert result[scale].alpha > 0.5  # keyed correctly: reversed items agree with the rest


def test_small_campaigns_warn_and_incomplete_sets_are_left_out() -> None:
    sets = simulated_sets(MIN_N, seed=3)
    sets[0][iid(1)] = None  # an Extraversion blank: that set leaves Extraversion only
    result = campaign_reliability(IPIP, sets)
    assert result["extraversion"].n == MIN_N - 1
    assert result["extraversion"].warning is not None and "fewer than 30" in result["extraversion"].warning
    assert result["agreeableness"].n == MIN_N and result["agreeableness"].warning is None
    assert campaign_reliability(IPIP, [])["intellect"].alpha is None


# ---------------------------------------------------------------- CLI


runner = CliRunner()


def write(tmp_path: Path, document: Any, name: str = "answers.json") -> Path:
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document), encoding="utf-8")
    return path


def test_cli_items_json_exact_shape() -> None:
    result = runner.invoke(assess_app, ["items", "ipip-50", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert list(payload) == ["instrument", "items"] and payload["instrument"] == "ipip-50"
    assert len(payload["items"]) == 50
    assert all(list(item) == ["id", "text", "scale", "keyed"] for item in payload["items"])
    assert payload["items"][0] == {"id": "ipip50_01", "text": "Am the life of the party.",
                                   "scale": "extraversion", "keyed": "+"}
    assert [item["id"] for item in payload["items"]] == [iid(n) for n in range(1, 51)]


def test_cli_items_table() -> None:
    result = runner.invoke(assess_app, ["items", "ipip-50"])
    assert result.exit_code == 0 and "ipip50_01" in result.stdout


def test_cli_score_json_shape_and_values(tmp_path: Path) -> None:
    path = write(tmp_path, {"responses": all_answers(3), "times_ms": {item.id: 1000 for item in IPIP.items}})
    result = runner.invoke(assess_app, ["score", "--instrument", "ipip-50", "--responses", str(path), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert list(payload) == ["scales", "flags"]
    assert list(payload["scales"]) == list(SCALES)
    table = norm_table()["scales"]
    for scale in SCALES:
        entry = payload["scales"][scale]
        assert {"raw", "percentile", "items_answered"} <= set(entry)
        assert (entry["raw"], entry["items_answered"]) == (30, 10)
        assert entry["percentile"] == table[scale]["percentile_by_raw"]["30"]
    assert {flag["code"] for flag in payload["flags"]} == {"straight_lining", "too_fast"}
    assert all({"code", "message", "evidence"} <= set(flag) for flag in payload["flags"])


def test_cli_score_table(tmp_path: Path) -> None:
    path = write(tmp_path, {"responses": varied()})
    result = runner.invoke(assess_app, ["score", "--instrument", "ipip-50", "--responses", str(path)])
    assert result.exit_code == 0 and "extraversion" in result.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        ("{not json", "not valid JSON"),
        ('["a"]', '"responses" object'),
        ('{"responses": {"ipip50_99": 3}}', "ipip50_99"),
        ('{"responses": {"ipip50_01": 9}}', "ipip50_01"),
        ('{"responses": {"ipip50_01": 3}, "times_ms": [1]}', "times_ms"),
    ],
)
def test_cli_bad_input_exits_2_without_traceback(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "missing.json" if content is None else write(tmp_path, content)
    result = runner.invoke(assess_app, ["score", "--instrument", "ipip-50", "--responses", str(path), "--json"])
    assert result.exit_code == 2
    assert message in result.stderr and result.stdout == ""
    assert "Traceback" not in result.output and not isinstance(result.exception, (ValueError, KeyError))


def test_cli_unknown_instrument_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(assess_app, ["items", "big-6", "--json"])
    assert result.exit_code == 2 and "ipip-50" in result.stderr


def test_assess_is_registered_on_the_main_cli() -> None:
    from firstword.cli import app

    result = runner.invoke(app, ["assess", "items", "ipip-50", "--json"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["items"]) == 50


def test_norms_loader_matches_the_file() -> None:
    norms = load_norms(IPIP)
    assert norms is not None and norms.population == "combined"
    assert "N = 19718" in norms.citation
    assert norms.scales["intellect"].percentile(37) == norm_table()["scales"]["intellect"]["percentile_by_raw"]["37"]
