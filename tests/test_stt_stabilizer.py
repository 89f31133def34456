from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firstword.stt.repetition import cut_at_restart, truncate_loop
from firstword.stt.stabilizer import TranscriptStabilizer


def test_words_commit_when_two_hypotheses_agree() -> None:
    s = TranscriptStabilizer()
    assert s.update("ask") == ("", "ask")
    assert s.update("ask not") == ("ask", "not")
    assert s.update("ask not what your") == ("ask not", "what your")
    assert s.update("ask not what your country") == ("ask not what your", "country")


def test_case_and_punctuation_do_not_block_agreement() -> None:
    s = TranscriptStabilizer()
    s.update("And so my fellow")
    stable, unstable = s.update("and so, my fellow Americans.")
    # Committed in the newer hypothesis' spelling (it heard more audio), then frozen.
    assert stable == "and so, my fellow"
    assert unstable == "Americans."
    assert s.update("And so my fellow Americans ask")[0] == "and so, my fellow Americans"


def test_committed_words_never_change_or_shrink() -> None:
    s = TranscriptStabilizer()
    s.update("the cat sat on")
    s.update("the cat sat on the mat")
    assert s.stable == "the cat sat on"
    # The model changes its mind about committed words: the commit stands (and what both
    # hypotheses agree on after its end, "the mat", joins it).
    stable, unstable = s.update("a hat sat on the mat")
    assert stable == "the cat sat on the mat"
    assert unstable == ""
    stable, _ = s.update("")
    assert stable == "the cat sat on the mat"


def test_commit_continues_after_a_reworded_committed_part() -> None:
    s = TranscriptStabilizer()
    s.update("so this is the sick")
    s.update("so this is the sick corpus")
    assert s.stable == "so this is the sick"
    # Later hypotheses drop the first word; the committed end is found by its last words.
    s.update("this is the sick corpus I have")
    stable, unstable = s.update("this is the sick corpus I have a cold")
    assert stable == "so this is the sick corpus I have"
    assert unstable == "a cold"


def test_reset_starts_a_new_utterance() -> None:
    s = TranscriptStabilizer()
    s.update("hello there")
    s.update("hello there friend")
    s.reset()
    assert s.stable == ""
    assert s.update("goodbye") == ("", "goodbye")


_words = st.sampled_from(["a", "b", "c", "A", "b.", "c,", "d"])


@given(st.lists(st.lists(_words, max_size=12).map(" ".join), max_size=25))
def test_stable_text_only_ever_extends(hypotheses: list[str]) -> None:
    s = TranscriptStabilizer()
    previous: list[str] = []
    for hypothesis in hypotheses:
        stable, unstable = s.update(hypothesis)
        words = stable.split()
        assert words[: len(previous)] == previous
        assert stable == s.stable
        assert set(unstable.split()) <= set(hypothesis.split())
        previous = words


def test_loop_tails_are_cut() -> None:
    assert truncate_loop("go forward 10 meters. Go forward 10 meters. Go forward") == (
        "go forward 10 meters.",
        True,
    )
    looped = "and here are some more words words words and here are some more words words and here"
    assert truncate_loop(looped)[0] == "and here are some more words words words"
    text = "All right. Thanks. All right. Thanks."
    assert truncate_loop(text) == ("All right. Thanks.", True)


def test_real_repetitions_are_kept() -> None:
    for text in (
        "ask not what your country can do for you, ask what you can do for your country",
        "some more words words words words",
        "no, no",
        "I think I think that is it",
        "",
    ):
        assert truncate_loop(text) == (text, False)


def test_a_known_loop_is_cut_where_it_starts_over_even_with_variations() -> None:
    looped = (
        "Here's a long pause and I think this is probably good. Thanks. Here's a long pause and "
        "I think this is probably good. Thanks. Thanks. Here's along pause"
    )
    assert cut_at_restart(looped) == ("Here's a long pause and I think this is probably good. Thanks.", True)
    assert cut_at_restart("one two three four five") == ("one two three four five", False)


def test_a_hypothesis_decoded_at_a_pause_commits_all_its_words() -> None:
    stabilizer = TranscriptStabilizer()
    stabilizer.update("tell me about")
    assert stabilizer.update("tell me about a time") == ("tell me about", "a time")
    # The voice stopped: nothing in this hypothesis is cut off, so all of it holds.
    assert stabilizer.settle("Tell me about a time you failed,") == ("tell me about a time you failed,", "")
    # Speech goes on; agreement carries on from the settled text.
    stabilizer.update("Tell me about a time you failed, and what you")
    assert stabilizer.update("Tell me about a time you failed, and what you learned.")[0] == (
        "tell me about a time you failed, and what you"
    )


def test_a_pause_hypothesis_that_rewords_the_committed_text_only_agrees() -> None:
    stabilizer = TranscriptStabilizer()
    for hypothesis in ("go forward ten meters", "go forward ten meters and"):
        stabilizer.update(hypothesis)
    # No anchor for the committed words: settle falls back to agreement and commits nothing new.
    assert stabilizer.settle("Go 4 to 10 m, and turn.") == ("go forward ten meters", "m, and turn.")


@pytest.mark.parametrize(
    ("committing", "reheard", "stable", "unstable"),
    [
        # Whisper heard "nothing going on" twice and committed it; with more audio it hears the
        # "else" the speaker said (a word inserted inside the committed end).
        (
            ["I'm talking pretty fast here. There's nothing going on."] * 2,
            "I'm talking pretty fast here. There's nothing going else going on. We're just, you know,",
            "I'm talking pretty fast here. There's nothing going on. We're just, you know,",
            "there's some",
        ),
        # "feet" committed, then heard as "feeds" (the committed last word re-heard as another).
        (
            ["But thou, contracted to thine own bright eyes, feet, f-t-t-t",
             "But thou, contracted to thine own bright eyes, feet by light,"],
            "But thou, contracted to thine own bright eyes, feeds thy light's flame",
            "But thou, contracted to thine own bright eyes, feet thy light's flame",
            "with self",
        ),
        # Two of the committed end's words re-heard at once ("name" -> "nage", "shall t" ->
        # "shalt"): five of its last eight words are still in place, enough to find its end.
        (
            ["So thou through windows of thy name. shall t see", "So thou through windows of thy name. shall t see."],
            "So thou through windows of thy nage shalt see, despite of",
            "So thou through windows of thy name. shall t see. despite of",
            "wrinkles,",
        ),
    ],
)
def test_a_committed_end_heard_again_differently_does_not_hold_the_rest_back(
    committing: list[str], reheard: str, stable: str, unstable: str
) -> None:
    stabilizer = TranscriptStabilizer()
    for hypothesis in committing:
        stabilizer.update(hypothesis)
    committed = stabilizer.stable
    stabilizer.update(reheard)
    # The committed words stay as they were; what follows them commits as two hypotheses agree.
    assert stabilizer.update(f"{reheard} {unstable}") == (stable, unstable)
    assert stable.startswith(committed)


def test_a_hypothesis_unlike_the_committed_end_is_not_anchored_loosely() -> None:
    stabilizer = TranscriptStabilizer()
    stabilizer.update("we met at the station at noon")
    stabilizer.update("we met at the station at noon")
    stabilizer.update("completely different words here now and then more")
    stable, _ = stabilizer.update("completely different words here now and then more words")
    assert stable == "we met at the station at noon"


def test_agreement_goes_on_past_a_word_heard_differently_when_the_words_after_it_agree() -> None:
    s = TranscriptStabilizer()
    s.update("from fairest creatures we desire increase")
    s.update("from fairest creatures we desire and crease that thereby beauty's")
    # "increase" / "and crease" disputed, "that thereby beauty's" not yet in both: strict.
    assert s.stable == "from fairest creatures we desire"
    stable, unstable = s.update("from fairest creatures we desire increase, that thereby beauty's rose")
    # The newer hypothesis's words for the disputed span, then the run both agree on.
    assert stable == "from fairest creatures we desire increase, that thereby beauty's"
    assert unstable == "rose"


def test_a_disputed_span_longer_than_two_words_holds_the_commit() -> None:
    s = TranscriptStabilizer()
    s.update("we shipped it in the spring of that year")
    stable, _ = s.update("we shipped a brand new version in the spring of that year")
    assert stable == "we shipped"


@pytest.mark.parametrize(
    ("committing", "reheard", "stable"),
    [
        (["thou are sa", "thou are thy mother,"], "thou art thy mother's glass.", "thou are thy mother's glass,"),
        # Two of a short commit's words re-heard close to how they were committed.
        (["thou are thy mother", "thou are thy mother s"], "thou art thy mother's glass.", "thou are thy mother glass,"),
    ],
)
def test_a_short_commit_with_words_heard_again_differently_keeps_its_place(
    committing: list[str], reheard: str, stable: str
) -> None:
    s = TranscriptStabilizer()
    for hypothesis in committing:
        s.update(hypothesis)
    committed = s.stable
    s.update(reheard)
    assert s.update(f"{reheard.rstrip('.')}, and she") == (stable, "and she")
    assert stable.startswith(committed)


def test_a_short_commit_heard_as_other_words_is_not_placed() -> None:
    s = TranscriptStabilizer()
    s.update("in the end we")
    s.update("in the end we")
    assert s.stable == "in the end we"
    s.update("on a bend she left")
    stable, _ = s.update("on a bend she left it")
    assert stable == "in the end we"
