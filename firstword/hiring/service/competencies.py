"""Competencies suggested from a job description by rules: a small curated lexicon of
competencies, each with the words a job description uses for it, matched against the text.

A suggestion carries the terms that were found (``evidence``), so the recruiter sees why it was
made and can drop it; they add their own beside. Each competency comes with one behavioural
("tell me about a time") question for the structured interview plan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Suggestions offered at most: a structured interview covers five to eight competencies well;
# more makes every one of them a single question.
MAX_SUGGESTIONS = 8
# Characters of a job description read at most (a long one is a few thousand).
MAX_TEXT = 50_000


@dataclass(frozen=True)
class Competency:
    name: str
    description: str
    # Word starts matched case-insensitively at a word boundary ("collaborat" finds
    # "collaborate", "collaboration", "collaborative").
    terms: tuple[str, ...]
    question: str


LEXICON: tuple[Competency, ...] = (
    Competency("Communication", "Explains clearly, in writing and in person, to the audience at hand",
               ("communicat", "written", "verbal", "present", "explain", "articulat", "documentation"),
               "Tell me about a time you had to explain something complex to someone without your background. How did you make sure they understood?"),
    Competency("Collaboration", "Works with others toward a shared result",
               ("collaborat", "teamwork", "team player", "cross-functional", "work closely", "partner with"),
               "Describe a project where you depended on people outside your team. What did you do to make it work?"),
    Competency("Leadership", "Sets direction and helps others do their best work",
               ("lead ", "leads ", "leader", "mentor", "coach", "manage a team", "people manag", "line manag"),
               "Tell me about a time you had to get a group to move in a direction they were unsure about."),
    Competency("Problem solving", "Finds the cause of a problem and a workable fix",
               ("problem", "troubleshoot", "debug", "root cause", "diagnos", "analytical", "solve", "solving"),
               "Walk me through a difficult problem you solved. How did you find the cause?"),
    Competency("Customer focus", "Understands and serves what customers and users need",
               ("customer", "client", "user need", "user experience", "service level", "patient"),
               "Tell me about a time a customer was unhappy. What did you do, and what happened?"),
    Competency("Planning and organising", "Plans work, sets priorities and meets deadlines",
               ("prioriti", "deadline", "plan", "organis", "organiz", "schedul", "project manag", "multitask", "time manag"),
               "Describe a period when you had more work than time. How did you decide what to do first?"),
    Competency("Attention to detail", "Gets the details right and checks the work",
               ("detail", "accura", "precis", "meticulous", "thorough", "quality assurance", "error-free"),
               "Tell me about a mistake you caught before it caused harm. How did you spot it?"),
    Competency("Adaptability", "Stays effective when priorities, tools or plans change",
               ("adapt", "flexib", "fast-paced", "fast paced", "ambigu", "changing", "startup", "agile"),
               "Tell me about a time your plans changed suddenly. How did you adjust?"),
    Competency("Initiative and ownership", "Acts without being asked and sees work through",
               ("initiative", "ownership", "self-starter", "self starter", "proactive", "autonom", "independent"),
               "Tell me about something you improved that nobody asked you to. Why did you take it on?"),
    Competency("Technical expertise", "Knows the tools and methods of the role in depth",
               ("technical", "engineer", "software", "python", "java", "sql", "cloud", "kubernetes", "linux",
                "programming", "architecture", "infrastructure", "devops", "api"),
               "Describe the most technically demanding piece of work you have done. What made it hard?"),
    Competency("Data and analysis", "Draws sound conclusions from numbers and evidence",
               ("data", "analys", "analyz", "metric", "statistic", "excel", "dashboard", "reporting", "insight", "kpi"),
               "Tell me about a decision you made from data. What did the data show, and what did you do?"),
    Competency("Learning agility", "Learns new things quickly and applies them",
               ("learn", "curious", "curiosity", "growth mindset", "new technolog", "upskill"),
               "Tell me about something you had to learn quickly for your work. How did you go about it?"),
    Competency("Influence and negotiation", "Persuades others and reaches agreements",
               ("negotiat", "persua", "influenc", "sales", "selling", "quota", "stakeholder", "convinc"),
               "Describe a time you changed someone's mind about something important to them."),
    Competency("Integrity and compliance", "Acts honestly and within the rules",
               ("integrity", "ethic", "complian", "confidential", "regulat", "governance", "audit", "gdpr", "privacy"),
               "Tell me about a time you were under pressure to cut a corner. What did you do?"),
    Competency("Resilience", "Keeps performing under pressure and setbacks",
               ("pressure", "stress", "resilien", "on-call", "on call", "demanding", "high-volume", "setback"),
               "Tell me about a time things went badly wrong at work. How did you keep going?"),
    Competency("Creativity and innovation", "Brings new ideas and better ways of working",
               ("creativ", "innovat", "design", "ideas", "prototyp", "experiment", "invent"),
               "Tell me about an idea of yours that was put into practice. Where did it come from?"),
    Competency("Decision making", "Makes sound decisions in time, weighing trade-offs",
               ("decision", "judgement", "judgment", "trade-off", "tradeoff", "prioritization", "risk"),
               "Describe a hard decision you made with incomplete information. How did you weigh it?"),
)

_BY_NAME = {c.name.lower(): c for c in LEXICON}
_PATTERNS = {c.name: [(term, re.compile(r"\b" + re.escape(term), re.IGNORECASE)) for term in c.terms] for c in LEXICON}


@dataclass(frozen=True)
class Suggestion:
    name: str
    description: str
    evidence: list[str]
    hits: int
    question: str


def suggest(job_description: str) -> list[Suggestion]:
    """Competencies whose terms occur in the text, most mentioned first, at most MAX_SUGGESTIONS."""
    text = job_description[:MAX_TEXT]
    found: list[Suggestion] = []
    for competency in LEXICON:
        evidence: list[str] = []
        hits = 0
        for term, pattern in _PATTERNS[competency.name]:
            count = len(pattern.findall(text))
            if count:
                evidence.append(term.strip())
                hits += count
        if hits:
            found.append(Suggestion(competency.name, competency.description, evidence, hits, competency.question))
    # Ties keep the lexicon's order, so the same text always gives the same list.
    found.sort(key=lambda s: -s.hits)
    return found[:MAX_SUGGESTIONS]


def question_for(name: str) -> str | None:
    competency = _BY_NAME.get(name.strip().lower())
    return competency.question if competency is not None else None
