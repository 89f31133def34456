"""Nova's deterministic brain for a practice interview (no model calls: rules you can read).

- ``plan``: the interview plan from the job description and the profile (an opener, two or three
  behavioural questions tied to the JD's requirements, one technical or role question, one on
  motivation, a closing question), each question with the JD's words it came from.
- ``followup``: at most one follow-up to an answer (a missing STAR part, a number, the
  candidate's own part, "what would you do differently?"), never more than two per question.
- ``feedback``: per-answer figures (pace, fillers, STAR, specifics, relevance), each explained,
  and the single most valuable suggestion.
- ``report``: the end-of-interview report per competency, every point quoting the candidate with
  the transcript's sequence numbers, or a plain "too poor to judge" when the transcript is.

Every quote anywhere is an exact substring of the candidate's transcript.
"""

from firstword.practice.feedback import AnswerFeedback, Filler, Quote, Relevance, Suggestion, analyse_answer
from firstword.practice.followup import MAX_FOLLOWUPS, FollowUp, next_followup
from firstword.practice.plan import (
    Competency,
    InterviewPlan,
    Notice,
    PlannedQuestion,
    QuestionKind,
    Requirement,
    detect_language,
    parse_requirements,
    plan_interview,
)
from firstword.practice.report import (
    AnsweredQuestion,
    CompetencyFinding,
    InterviewReport,
    Point,
    Segment,
    TranscriptQuality,
    assess_transcript,
    build_report,
)

__all__ = [
    "MAX_FOLLOWUPS",
    "AnswerFeedback",
    "AnsweredQuestion",
    "Competency",
    "CompetencyFinding",
    "Filler",
    "FollowUp",
    "InterviewPlan",
    "InterviewReport",
    "Notice",
    "PlannedQuestion",
    "Point",
    "QuestionKind",
    "Quote",
    "Relevance",
    "Requirement",
    "Segment",
    "Suggestion",
    "TranscriptQuality",
    "analyse_answer",
    "assess_transcript",
    "build_report",
    "detect_language",
    "next_followup",
    "parse_requirements",
    "plan_interview",
]
