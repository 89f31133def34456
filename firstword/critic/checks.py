"""The critic's verdict on one sentence: supported, or why not.

Four things make a sentence one a person must not say aloud as their own:

* **echo**: it repeats the instructions the model was given, or the profile's own labels
  ("Candidate resume:", "Weakness to mention:");
* **unsupported**: it states a number, name, technology or title that neither the person's
  material nor the question contains (``claims``);
* **self_reference**: the model talks about itself (an AI, an assistant, an interviewer);
* **degenerate**: loops, another language, a list of unrelated items, or words that are not words.

Rules, not a model: each verdict says what it looked for, costs well under a millisecond, and
behaves the same whichever engine wrote the answer.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from firstword.critic.claims import Evidence, check, is_english_word


class Verdict(StrEnum):
    SUPPORTED = "supported"
    UNSUPPORTED = "unsupported"
    ECHO = "echo"
    SELF_REFERENCE = "self_reference"
    DEGENERATE = "degenerate"


@dataclass(frozen=True, slots=True)
class Judgement:
    verdict: Verdict
    # What was looked for and not found, or what matched, in words a person can check.
    evidence: str = ""

    @property
    def flagged(self) -> bool:
        return self.verdict is not Verdict.SUPPORTED


# The model talking about itself, or about the interview from outside it, not as the candidate.
SELF_REFERENCE = re.compile(
    r"\b(as an? (ai|artificial intelligence|language model|llm|assistant|chatbot|bot|copilot|"
    r"interview(er)? (copilot|assistant))\b|"
    r"i('m| am) (an? |your |the )?(ai|artificial intelligence|(large )?language model|llm|"
    r"(virtual |digital |ai[- ]powered )?assistant|chatbot|bot|copilot|(ai[- ]powered )?interviewer|"
    r"interview copilot)\b|"
    r"\bmy (training data|programming|creators?|knowledge cutoff)\b|"
    r"\bi (was|am) (trained|programmed|designed) (by|to)\b|"
    r"\bi (do not|don't|cannot|can't) (have|browse|access|find) (personal|real|the internet|feelings|any information)|"
    r"\b(the|this) (candidate|interviewee|user)('s)?\b|"
    r"\bthe interviewer\b|"
    r"\bhere('s| is) (a|an|my|the|your) (possible |suggested |sample |revised )?(answer|response)\b|"
    r"\b(the|my) answer (is|was)\b|"
    r"\byou (could|can|might|should) (say|answer|mention|respond)\b|"
    r"\bi('m| am) (sorry|afraid) (for|about|to|if|that)\b|\bi apologi[sz]e\b|"
    r"\blet me (try|clarify|explain|know|help|rephrase)\b|"
    r"\bi('m| am| will be|'ll be) (ready|happy|glad|here) to (help|assist|answer)( you\b| with your\b|[.!]?$)|"
    r"\b(assist|help) (you )?with your (interview|question|career)|"
    r"\bi('ll| will) give you\b|"
    r"\bi('m| am) not sure (what|how) to (say|answer|rephrase|respond)|"
    r"\bhere('s| is| are) (a|the|some) (breakdown|summary|list|few|key)\b|"
    r"\bplease (provide|share|tell|give|send) (me|us)\b|"
    r"\bi('d| would) say,? [\"“]|"
    r"\bmy (answer|response) (to|would)\b|\b(in|of|during) (a|my|the|this) (job )?interview\b)",
    re.IGNORECASE,
)
# The model speaking to the user instead of as them ("You are a nurse.", "You've been …").
SECOND_PERSON = re.compile(
    r"^(you are|you're|you have|you've|you were|you should|you can|you need|you might|you could|"
    r"you will|you'll|you want|you would|you'd)\b",
    re.IGNORECASE,
)
# Words of the prompt scaffolding and of the profile's layout that a spoken answer never has.
SCAFFOLDING = re.compile(
    r"(candidate (resume|notes|stories)|job description:|the interviewer (just )?asked|"
    r"(in )?the first person|two or three (short )?sentences|lead with the point|no preamble|"
    r"retrieved facts|facts:|question type:|the answer so far|my answer so far|continue the answer|"
    r"interview copilot|live job interview|"
    r"^\s*#+\s|^\s*\*\*|\*\*\s*$|^\s*(situation|task|action|result|question|answer|q|a)s?\s*:|"
    r"\(star\)|star stories)",
    re.IGNORECASE,
)
TUNE = {"contain_min": 3, "contain_share": 0.75, "fragment": False, "trigram": False, "cutoff": False}
ROLE_TOKENS = frozenset({"model", "user", "assistant", "system", "<start_of_turn>", "<end_of_turn>"})
PLACEHOLDER = re.compile(r"\[[^\]]{1,40}\]|\{[a-z_ ]{1,30}\}|<[a-z_ ]{1,30}>")
CODE = re.compile(r"```|^\s*(from \w+(\.\w+)* import|import \w|def \w+\(|class \w+[:(]|return\b|print\()|[{};]\s*$|=>|\w+\(\)")
STAGE_DIRECTION = re.compile(r"^\s*\(.*\)\s*[.!?]?\s*$")
# A sentence cut off mid-way: it ends on a word that cannot end one.
DANGLING = re.compile(
    r"\b(a|an|the|of|to|in|on|at|for|with|from|by|and|or|but|that|which|who|is|are|was|were|be|my|"
    r"our|their|its|i|i'm|i've|we|as|than|if|so|because)$",
    re.IGNORECASE,
)
STOPWORDS = frozenset(
    "the a an and or but of to in on at for with from by as is are was were be been am i my me we "
    "our you your it its this that these those have has had do did not so if then than i'm i've "
    "i'd i'll it's that's also very really just".split()
)
@dataclass(frozen=True, slots=True)
class Context:
    """What a sentence is judged against."""

    evidence: Evidence
    # The instructions the model was given, and the labels of the profile's lines.
    instructions: str = ""
    labels: tuple[str, ...] = ()
    question: str = ""
    # Headings of the profile's files (lower case), and the job description's lines.
    headings: frozenset[str] = frozenset()
    employer_lines: tuple[str, ...] = ()


def judge(
    sentence: str, context: Context, earlier: Sequence[str] = (), *, asks_for_questions: bool = False
) -> Judgement:
    """The verdict on ``sentence``; ``earlier`` are the answer's sentences before it.
    ``asks_for_questions``: the interviewer invited questions, so asking one is in role."""
    for rule in (_self_reference, _echo, _degenerate):
        found = rule(sentence, context, earlier)
        if found is not None:
            return found
    if sentence.rstrip().endswith("?") and not asks_for_questions:
        return Judgement(Verdict.SELF_REFERENCE, "asks a question instead of answering one")
    misses = check(sentence, context.evidence)
    if misses:
        looked = "; ".join(m.looked_for for m in misses)
        return Judgement(Verdict.UNSUPPORTED, f"{looked}: not in your profile or the question")
    return Judgement(Verdict.SUPPORTED)


def _self_reference(sentence: str, context: Context, earlier: Sequence[str]) -> Judgement | None:
    if match := SELF_REFERENCE.search(sentence):
        return Judgement(Verdict.SELF_REFERENCE, f"the model speaks about itself: {match.group(0)!r}")
    if match := SECOND_PERSON.search(sentence.strip()):
        return Judgement(Verdict.SELF_REFERENCE, f"speaks to the user instead of as them: {match.group(0)!r}")
    return None


def _echo(sentence: str, context: Context, earlier: Sequence[str]) -> Judgement | None:
    bare = re.sub(r"[*#_`>\-•]+", " ", sentence).strip(" .:")
    letters = [c for c in bare if c.isalpha()]
    if letters and all(c.isupper() for c in letters) and len(letters) >= 3:
        return Judgement(Verdict.ECHO, f"a heading of the profile copied: {bare!r}")
    if re.search(r"[\w.+-]+@[\w-]+\.[\w.]+|\(\d{3}\)\s*\d{3}-\d{4}|\+\d[\d ]{8,}", sentence):
        return Judgement(Verdict.ECHO, "contact details copied from the resume")
    if re.fullmatch(r"[A-Z][\w' ]{0,30}:", sentence.strip()):
        return Judgement(Verdict.ECHO, f"a label on its own: {sentence.strip()!r}")
    if bare and bare.lower() in context.headings:
        return Judgement(Verdict.ECHO, f"a heading of the profile copied: {bare!r}")
    if match := SCAFFOLDING.search(sentence):
        return Judgement(Verdict.ECHO, f"repeats the prompt's wording {match.group(0).strip()!r}")
    if sentence.strip().strip(".:").lower() in ROLE_TOKENS:
        return Judgement(Verdict.ECHO, f"a chat role name {sentence.strip()!r}")
    lowered = sentence.lower()
    for label in context.labels:
        if re.search(rf"(^|\s){re.escape(label.lower())}\s*:", lowered):
            return Judgement(Verdict.ECHO, f"repeats the profile's label {label!r}")
    words = _words(sentence)
    if context.instructions:
        shared = _shared_run(words, _words(context.instructions), 5)
        if shared:
            return Judgement(Verdict.ECHO, f"repeats the instructions: {' '.join(shared)!r}")
    for line in context.employer_lines:
        source = set(_words(line))
        if len(words) >= 4 and source and sum(1 for w in words if w in source) / len(words) >= 0.8:
            return Judgement(Verdict.ECHO, f"copies the job description: {line[:60]!r}")
    question = context.question
    if question and len(words) >= 4:
        asked = set(_words(question))
        if sum(1 for w in words if w in asked) / len(words) >= 0.8:
            return Judgement(Verdict.ECHO, "repeats the question")
    return None


def _degenerate(sentence: str, context: Context, earlier: Sequence[str]) -> Judgement | None:
    from wordfreq import zipf_frequency

    stripped = sentence.strip()
    words = _words(sentence)
    if not words:
        return Judgement(Verdict.DEGENERATE, "no words") if stripped else None
    if PLACEHOLDER.search(sentence):
        return Judgement(Verdict.DEGENERATE, f"a template placeholder {PLACEHOLDER.search(sentence).group(0)!r}")
    if CODE.search(sentence):
        return Judgement(Verdict.DEGENERATE, "code, not speech")
    if STAGE_DIRECTION.match(sentence):
        return Judgement(Verdict.DEGENERATE, "a stage direction, not speech")
    content = [w for w in words if w not in STOPWORDS]
    for previous in earlier:
        before = _words(previous)
        if before == words:
            return Judgement(Verdict.DEGENERATE, f"says an earlier sentence again: {previous[:60]!r}")
        if len(words) >= 4 and before and _jaccard(words, before) >= 0.8:
            return Judgement(Verdict.DEGENERATE, f"repeats an earlier sentence: {previous[:60]!r}")
        if len(content) >= TUNE["contain_min"] and before:
            seen = set(before)
            if sum(1 for w in content if w in seen) / len(content) >= TUNE["contain_share"]:
                return Judgement(Verdict.DEGENERATE, f"says again what an earlier sentence said: {previous[:60]!r}")
    if TUNE["fragment"] and earlier and len(words) <= 2 and any(_words(p)[: len(words)] == words for p in earlier):
        return Judgement(Verdict.DEGENERATE, "a fragment of an earlier sentence")
    trigrams = Counter(zip(words, words[1:], words[2:]))
    if TUNE["trigram"] and trigrams and trigrams.most_common(1)[0][1] >= 2 and len(words) < 16:
        return Judgement(Verdict.DEGENERATE, f"loops on {' '.join(trigrams.most_common(1)[0][0])!r}")
    if TUNE["cutoff"] and not re.search(r"[.!?…\"')\]]\s*$", stripped) and (len(words) <= 3 or DANGLING.search(stripped)):
        return Judgement(Verdict.DEGENERATE, "cut off mid-sentence")
    grams = Counter(zip(words, words[1:]))
    if len(words) >= 6 and grams and grams.most_common(1)[0][1] >= 3:
        return Judgement(Verdict.DEGENERATE, f"loops on {' '.join(grams.most_common(1)[0][0])!r}")
    letters = [c for c in sentence if c.isalpha()]
    if letters and sum(1 for c in letters if ord(c) > 0x24F) / len(letters) > 0.2:
        return Judgement(Verdict.DEGENERATE, "not in English")
    unknown = [
        w for w in words
        if not w.isdigit() and zipf_frequency(w, "en") == 0 and w not in context.evidence.person_lower
    ]
    if unknown and (len(words) <= 3 or len(unknown) / len(words) > 0.3):
        return Judgement(Verdict.DEGENERATE, f"not words: {', '.join(unknown[:3])}")
    items = [i.strip() for i in re.split(r",|;|\band\b", sentence) if i.strip()]
    if len(items) >= 6 and all(len(i.split()) <= 3 for i in items[1:-1]):
        unfound = [i for i in items if i.lower().strip(" .") not in context.evidence.person_lower]
        if len(unfound) > len(items) / 2:
            return Judgement(Verdict.DEGENERATE, f"a list of {len(items)} items, {len(unfound)} not in your profile")
    return None


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def _jaccard(a: Iterable[str], b: Iterable[str]) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / max(1, len(sa | sb))


def _shared_run(words: list[str], source: list[str], n: int) -> list[str]:
    """A run of ``n`` words of ``words`` that also appears in ``source``, else []."""
    if len(words) < n:
        return []
    grams = {tuple(source[i : i + n]) for i in range(len(source) - n + 1)}
    for i in range(len(words) - n + 1):
        gram = tuple(words[i : i + n])
        if gram in grams and any(w not in STOPWORDS for w in gram):
            return list(gram)
    return []
