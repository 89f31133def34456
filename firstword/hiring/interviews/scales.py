"""Behaviourally anchored 1-5 rating scales, one per competency of a campaign's interview plan.

An anchor describes what an answer at that level shows, in behaviour a rater can point to in
the transcript. Levels 1, 3 and 5 are always anchored; 2 and 4 may be ("between the two").
The lexicon's competencies (``service.competencies``) come with the defaults below, written to
the same ladder the suggestion rules use (``suggest``): 1 nothing specific or only what one
would do, 3 a real situation and the candidate's own actions, 5 that plus a measurable result.
A recruiter edits them per campaign; a competency outside the lexicon gets the generic ladder.
"""

from __future__ import annotations

from firstword.hiring.service.errors import invalid

LEVELS = ("1", "2", "3", "4", "5")
REQUIRED = ("1", "3", "5")
MAX_ANCHOR_CHARS = 500

GENERIC: dict[str, str] = {
    "1": "No specific example: speaks in generalities or about what they would do.",
    "3": "A real example with their own actions described, but no clear outcome.",
    "5": "A real example, their own actions in detail, and a result they measured or could show.",
}

# (1, 3, 5) per lexicon competency.
_DEFAULTS: dict[str, tuple[str, str, str]] = {
    "Communication": (
        "Describes no occasion; says they 'communicate well' or what they would say.",
        "Describes explaining something to a specific audience and how they adapted it.",
        "Adapted the message to the audience, checked understanding, and shows the listener acted on it correctly.",
    ),
    "Collaboration": (
        "No example of working with others, or only 'we' with no part of their own.",
        "A project with others where they describe their own part in coordinating the work.",
        "Built the working relationship themselves, resolved friction, and the joint result is shown.",
    ),
    "Leadership": (
        "No example of leading; describes leadership in general terms.",
        "Led a group through a specific situation and describes what they did to move it.",
        "Set direction, won the group over, developed people, and the outcome for the group is shown.",
    ),
    "Problem solving": (
        "No specific problem; a general method or what they would try.",
        "A real problem, the steps they took to find its cause, and a fix.",
        "Found the root cause systematically, fixed it, verified the fix and prevented recurrence, with the effect shown.",
    ),
    "Customer focus": (
        "No customer situation; general statements about service.",
        "A specific customer situation and what they personally did for the customer.",
        "Understood the customer's real need, acted on it, and shows the customer's outcome (kept, satisfied, measured).",
    ),
    "Planning and organising": (
        "No example; says they are organised or would make a list.",
        "A real period of competing work and how they set priorities.",
        "Prioritised on explicit criteria, renegotiated what could not fit, and met the deadlines that mattered, shown.",
    ),
    "Attention to detail": (
        "No example; claims to be careful.",
        "A specific error they caught and how they found it.",
        "Caught the error by a check they chose, fixed it, and changed the process so it is caught again, with the effect shown.",
    ),
    "Adaptability": (
        "No example of change; general statements about flexibility.",
        "A specific change of plan and what they did to adjust.",
        "Adjusted quickly, kept others on track through the change, and shows what was delivered despite it.",
    ),
    "Initiative and ownership": (
        "No example; only tasks they were asked to do.",
        "Something they took on unasked and carried out themselves.",
        "Spotted the need, took it on unasked, saw it through, and shows the improvement it made.",
    ),
    "Technical expertise": (
        "No specific work; names tools without saying what they did with them.",
        "Describes demanding technical work they did themselves and the choices in it.",
        "Explains the hard part, the trade-offs they chose and why, and the technical result, measured.",
    ),
    "Data and analysis": (
        "No example; says decisions should be data-driven.",
        "A decision where they looked at data and describe what it showed.",
        "Chose the right data, checked its quality, drew a sound conclusion, acted on it, and shows the measured effect.",
    ),
    "Learning agility": (
        "No example of learning something new for work.",
        "Something they learned quickly, and how they went about it.",
        "Learned it quickly by a deliberate method, applied it, and shows what it let them do.",
    ),
    "Influence and negotiation": (
        "No example; says they are persuasive.",
        "A time they changed someone's view and how they argued it.",
        "Understood the other side's interests, built the case, reached agreement, and shows what the agreement achieved.",
    ),
    "Integrity and compliance": (
        "No example; says they always follow the rules.",
        "A specific pressure to cut a corner and what they did.",
        "Held the line under real pressure, raised it with the right people, and shows how it was resolved.",
    ),
    "Resilience": (
        "No example of a setback.",
        "A specific setback and how they kept working through it.",
        "Kept performing through the setback, recovered the situation, and shows what they delivered and learned.",
    ),
    "Creativity and innovation": (
        "No example of an idea of their own.",
        "An idea of theirs that was tried, and where it came from.",
        "Developed the idea, tested it, got it adopted, and shows the improvement it made.",
    ),
    "Decision making": (
        "No specific decision; a general approach.",
        "A real decision with incomplete information and how they weighed it.",
        "Weighed explicit options and risks, decided in time, and shows the outcome and what they would change.",
    ),
}
_BY_LOWER = {name.lower(): name for name in _DEFAULTS}


def default_anchors(competency: str) -> dict[str, str]:
    name = _BY_LOWER.get(competency.strip().lower())
    if name is None:
        return dict(GENERIC)
    one, three, five = _DEFAULTS[name]
    return {"1": one, "3": three, "5": five}


def clean_anchors(anchors: dict[str, str]) -> dict[str, str]:
    """Anchors as given by a recruiter: 1, 3 and 5 required, 2 and 4 optional, short text."""
    unknown = set(anchors) - set(LEVELS)
    if unknown:
        raise invalid(f"anchors are for levels 1 to 5, not {sorted(unknown)}")
    clean: dict[str, str] = {}
    for level in LEVELS:
        text = " ".join(str(anchors.get(level) or "").split())
        if len(text) > MAX_ANCHOR_CHARS:
            raise invalid(f"an anchor has at most {MAX_ANCHOR_CHARS} characters")
        if text:
            clean[level] = text
        elif level in REQUIRED:
            raise invalid(f"the anchor for level {level} must not be empty (1, 3 and 5 are required)")
    return clean
