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
