"""Prompt layout: [system: persona + profile] is the warm prefix; the question follows it.

The system message is byte-for-byte stable for a session's profile, so an engine with a KV cache
evaluates it once (at session start or profile change) and each answer prefills only the
question.
"""

from __future__ import annotations

from firstword.answerer.personas import persona_prompt
from firstword.answerer.profile import Profile
from firstword.llm.base import ChatMessage


def profile_context(profile: Profile, max_chars: int) -> str:
    parts: list[str] = []
    if profile.resume:
        parts.append("Candidate resume:\n" + profile.resume)
    if profile.job_description:
        parts.append("Job description:\n" + profile.job_description)
    if profile.notes:
        parts.append("Candidate notes:\n" + profile.notes)
    if profile.stories:
        parts.append("Candidate stories (STAR):\n" + "\n\n".join(profile.stories))
    text = "\n\n".join(parts)
    if len(text) > max_chars:
        # Keep the head of each section rather than dropping whole sections: the resume and the
        # job description matter most and come first.
        text = text[:max_chars].rsplit("\n", 1)[0]
    return text


def system_message(persona: str, profile: Profile, max_profile_chars: int) -> ChatMessage:
    context = profile_context(profile, max_profile_chars)
    content = persona_prompt(persona)
    if context:
        content += "\n\n" + context
    return ChatMessage("system", content)


def trim_question(question: str, max_words: int) -> str:
    words = question.split()
    if len(words) <= max_words:
        return question.strip()
    return "… " + " ".join(words[-max_words:])


def answer_messages(
    persona: str, profile: Profile, question: str, *, max_profile_chars: int, max_question_words: int
) -> list[ChatMessage]:
    return [
        system_message(persona, profile, max_profile_chars),
        ChatMessage("user", trim_question(question, max_question_words)),
    ]
