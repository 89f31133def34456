"""The answerer: the person's own words first, then at most the sentences the model may add."""

from __future__ import annotations

from firstword.answerer.answerer import Answerer
from firstword.answerer.profile import Profile, sample_profile
from firstword.config import Settings
from firstword.llm.scripted import ScriptedLlm


def answerer(reply: list[str], *, continuation: str = "stream", persona: str = "copilot",
             profile: Profile | None = None) -> tuple[Answerer, ScriptedLlm]:
    settings = Settings()
    settings.answer.continuation = continuation  # type: ignore[assignment]
    settings.answer.persona = persona
    llm = ScriptedLlm(reply=reply)
    return Answerer(llm, settings.answer, settings.llm, profile or sample_profile()), llm


async def text(a: Answerer, question: str) -> list[str]:
    return [piece async for piece in a.stream(question)]


async def test_the_first_words_are_the_persons_own_then_one_sentence_of_the_model():
    a, llm = answerer(["I", " kept", " the", " budget", ".", " And", " then", " more", "."])
    pieces = await text(a, "What did you do at Northwind?")
    assert pieces[0].startswith("At Northwind Logistics I led the move")
    assert "".join(pieces[1:]) == " I kept the budget."
    # The model was stopped after its one sentence, and saw only the facts retrieved.
    assert llm.cancelled == 1
    prompt = llm.calls[0][-1].content
    assert "Northwind" in prompt and "Salary expectation" not in prompt and "University of Leeds" not in prompt


async def test_without_facts_the_model_is_not_asked_to_guess():
    a, llm = answerer(["I", " once", " ran", " Google", "."])
    pieces = await text(a, "Tell me about a conflict with a colleague.")
    assert len(pieces) == 1 and pieces[0].startswith("Nothing in your profile covers")
    assert llm.calls == []


async def test_continuation_off_answers_with_the_profile_alone():
    a, llm = answerer(["Anything", "."], continuation="off")
    pieces = await text(a, "What is your biggest weakness?")
    assert pieces == ["I used to over-own incidents, and now I write runbooks and rotate the lead."]
    assert llm.calls == []


async def test_auto_continues_with_any_model_but_the_bundled_135m_one():
    a, _ = answerer(["x"], continuation="auto")
    assert a.continues  # the scripted stand-in, like a configured server, is trusted to try
    bundled = Settings()
    local = ScriptedLlm(reply=["x"], name="local")
    assert not Answerer(local, bundled.answer, bundled.llm, sample_profile()).continues
    bundled.llm.local.model_path = "/models/bigger.gguf"
    assert Answerer(local, bundled.answer, bundled.llm, sample_profile()).continues


async def test_a_persona_that_is_not_said_aloud_answers_with_the_model_alone():
    a, llm = answerer(["Scale", " the", " writes", "."], persona="technical_advisor")
    assert "".join(await text(a, "How should we shard Redis?")) == "Scale the writes."
    assert llm.calls[0][-1].content.startswith("Facts from my own profile:")


async def test_a_profile_change_regrounds_the_next_answer():
    a, _ = answerer(["."], continuation="off")
    await a.set_profile(Profile(resume="- Ran a 12-bed ward at St Mary's, 2019–2023."))
    assert "12-bed ward" in (await text(a, "Tell me about yourself."))[0]


async def test_settled_is_the_whole_answer_only_where_no_model_adds_to_it():
    off, _ = answerer(["Anything", "."], continuation="off")
    weakness = "What is your biggest weakness?"
    assert off.settled(weakness) == "".join(await text(off, weakness))
    streaming, _ = answerer(["I", " kept", " the", " budget", "."])
    # The model adds a sentence to a grounded opening: the answer is not known ahead.
    assert streaming.settled("What did you do at Northwind?") is None
    # Nothing of the person's to continue from: the opening is all of it, model or not.
    conflict = "Tell me about a conflict with a colleague."
    assert streaming.settled(conflict) == "".join(await text(streaming, conflict))


async def test_a_question_the_profile_does_not_cover_is_answered_alike_however_far_it_has_been_said():
    """The not-covered answer does not quote the question back, so the answer shown at a pause
    ("How do you prioritise,") is, word for word, the answer to the whole question."""
    a, _ = answerer(["x"], continuation="off")
    assert a.settled("How do you prioritise,") == a.settled("How do you prioritise, when everything is urgent?")
    assert "prioritise" not in (a.settled("How do you prioritise,") or "")


def test_tells_is_the_persons_own_answer_word_for_word_and_nothing_else():
    a, _ = answerer(["."], continuation="off")
    weakness = "What is your biggest weakness?"
    said = a.settled(weakness)
    assert said and a.tells(weakness, said) and not a.tells(weakness, said + " And more.")
    # Where the profile covers nothing, the guidance shown is not an answer to confirm.
    nothing = "Tell me about a conflict with a colleague."
    assert a.settled(nothing) and not a.tells(nothing, a.settled(nothing) or "")
