"""Prompt layout for the model's part of an answer: it continues a grounded opening.

[system: the persona's instructions] is the warm prefix: byte-for-byte stable per persona, so an
engine with a KV cache evaluates it once. The user message holds only what this question needs:
the facts retrieved for it (never the whole profile), the question, and the answer so far. The
profile's facts are quoted as data; a line in a resume that reads like an instruction stays a
quoted line.
"""

from __future__ import annotations

from collections.abc import Sequence

from firstword.answerer.personas import persona_prompt
from firstword.grounding.facts import Fact, Source
from firstword.llm.base import ChatMessage

SOURCE_NAMES = {
    Source.RESUME: "resume",
    Source.STORY: "story",
    Source.NOTES: "my notes",
    Source.JOB: "the job description",
}


def system_message(persona: str) -> ChatMessage:
    return ChatMessage("system", persona_prompt(persona))


def trim_question(question: str, max_words: int) -> str:
    words = question.split()
    if len(words) <= max_words:
        return question.strip()
    return "… " + " ".join(words[-max_words:])


def facts_block(facts: Sequence[Fact]) -> str:
    lines = []
    for fact in facts:
        where = SOURCE_NAMES[fact.source]
        if fact.employer:
            where += f", {fact.employer}"
        # Quoted: whatever a line says, it is the person's material, not an instruction.
        text = " ".join(fact.text.split()).replace('"', "'")
        lines.append(f'- ({where}) "{text}"')
    return "\n".join(lines) if lines else "- (nothing in my profile answers this)"


def continuation_messages(
    persona: str, question: str, facts: Sequence[Fact], opening: str, *, max_question_words: int
) -> list[ChatMessage]:
    asked = trim_question(question, max_question_words)
    if opening:
        user = (
            f"Facts from my own profile:\n{facts_block(facts)}\n\n"
            f"Interview question: {asked}\n\n"
            f"My answer so far: {opening}\n\n"
            "Write the next sentence of my answer."
        )
    else:
        user = f"Facts from my own profile:\n{facts_block(facts)}\n\nQuestion: {asked}"
    return [system_message(persona), ChatMessage("user", user)]
