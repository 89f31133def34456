"""Nova's own lines around the plan's questions: the greeting, the thanks between questions, the
check-in after a long silence, the end of an over-long answer, the goodbye. Fixed words, so they
are synthesized once and said at once (``pipeline.voice_out.VoiceOut.prepare``)."""

from __future__ import annotations

from firstword.practice.plan import InterviewPlan

ACKNOWLEDGEMENT = "Thank you."
CHECK_IN = "Take your time. When you're ready, answer in your own words, or press done to move on."
TOO_LONG = (
    "Let me stop you there: that's plenty of detail. In a real interview, aim for about two minutes. "
    "Let's move on."
)
CLOSING = "That's the end of our practice interview. Thank you. Your report is ready below."


def greeting(plan: InterviewPlan) -> str:
    """Hello, what this is, and what the page offers; the role when the plan found one."""
    role = f" for the {plan.role} role" if plan.role and not plan.generic else ""
    return (
        f"Hi, I'm Nova. Let's practise your interview{role}. I'll ask {len(plan.questions)} questions "
        "and may follow up. Take your time, and press done when you've finished an answer."
    )
