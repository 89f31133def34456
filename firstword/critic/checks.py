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
from functools import lru_cache

from firstword.critic.claims import HEDGED, Evidence, check, is_english_word


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
    r"\bmy (answer|response) (to|would)\b|\b(in|of|during) (a|my|the|this) (job )?interview\b|"
    # Judging the answer from outside it: "That's a good starting point for the interview."
    r"\b(that|this)('s| is| was| would be) (a |an )?((very|really) )?(good|great|solid|strong|excellent|nice|perfect) "
    r"(answer|response|reply|draft|starting point for (the|this|your) (interview|answer|question))\b)",
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
# Repeats: a sentence whose content words are mostly an earlier sentence's. Left off: a three-word
# run said twice within one sentence ("trigram": speech repeats runs for emphasis, "we kept going,
# we kept going"), and an unfinished sentence ending on a word that cannot end one ("cutoff": it
# flags more supported truncated sentences than it catches on the dev profiles).
TUNE = {"contain_min": 3, "contain_share": 0.75, "trigram": False, "cutoff": False}
ROLE_TOKENS = frozenset({"model", "user", "assistant", "system", "<start_of_turn>", "<end_of_turn>"})
PLACEHOLDER = re.compile(r"\[[^\]]{1,40}\]|\{[a-z_ ]{1,30}\}|<[a-z_ ]{1,30}>")
CODE = re.compile(r"```|^\s*(from \w+(\.\w+)* import|import \w|def \w+\(|class \w+[:(]|return\b|print\()|[{};]\s*$|=>|\w+\(\)")
# A sentence that ends as one (an unfinished piece could still go anywhere).
FINISHED = re.compile(r"[.!?…][\"'”’)\]]*\s*$")
# Saying yes: "Yes.", "Yes, I have managed …", "I have.", "Absolutely."
ASSENT = re.compile(
    r"^\s*(?:(?:yes|yeah|yep|absolutely|definitely|certainly|of course|indeed)\b|"
    r"i (?:have|do|did|am|can)(?: indeed| yes)?[.!]?\s*$)",
    re.IGNORECASE,
)
# "My biggest weakness is …": a claim the person's notes may settle.
WEAKNESS_STATEMENT = re.compile(
    r"\b(?:my|the)\s+(?:[\w-]+\s+){0,2}weakness(?:es)?\s+(?:is|are|was|would be|has been|might be)\b(?P<rest>.+)",
    re.IGNORECASE,
)
# Words any weakness may be put in, which say nothing about which one it is.
WEAKNESS_TALK = frozenset(
    "find finding hard difficult struggle struggling sometimes tend tendency able ability inability "
    "bit little really things thing something always often time times work working people others "
    "myself weakness biggest main greatest would that when".split()
)
# A whole sentence of preamble that praises or thanks for the question ("What a great question.").
FILLER = re.compile(
    r"^(?:(?:what|that's|that is|this is|it's|such)\s+(?:a|an)\s+|)(?:(?:really|very)\s+)?"
    r"(?:great|good|excellent|interesting|fantastic|wonderful|brilliant|fair|tough|tricky)\s+question"
    r"(?:,?\s*(?:thank you|thanks))?\s*[.!]*$|^(?:thank you|thanks) (?:so much |very much )?for (?:asking|the question)"
    r"(?: that)?\s*[.!]*$",
    re.IGNORECASE,
)
BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+(?=\S)")
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
# Words that carry no content of their own, for comparing what two sentences say.
FUNCTION_WORDS = frozenset(
    "who whom whose which what when where why how all any some each both too much many more most "
    "can could will would shall should may might must about into onto over under again there here "
    "they them their he him his she her us".split()
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
    # For a yes/no question ("Have you managed a budget?"): the words of what it asks about
    # that the person's own material never uses. Saying yes to it is a claim without support.
    unnamed: tuple[str, ...] = ()
    # The weakness the person's notes give ("" when they give none).
    weakness: str = ""


def judge(
    sentence: str, context: Context, earlier: Sequence[str] = (), *, asks_for_questions: bool = False
) -> Judgement:
    """The verdict on ``sentence``; ``earlier`` are the answer's sentences before it.
    ``asks_for_questions``: the interviewer invited questions, so asking one is in role."""
    # A list mark ("- ", "* ", "2. ") is layout, not words: "- Situation: …" is the STAR label it
    # would be without the dash (the streaming splitter drops the mark the same way).
    sentence = BULLET.sub("", sentence, count=1) or sentence
    # In the labels' order of precedence: a repeat (or gibberish) is degenerate whatever it says,
    # a copied instruction is an echo even when it says "you", then the model talking as itself.
    for rule in (_degenerate, _echo, _self_reference):
        found = rule(sentence, context, earlier)
        if found is not None:
            return found
    if sentence.rstrip().endswith("?") and not asks_for_questions:
        return Judgement(Verdict.SELF_REFERENCE, "asks a question instead of answering one")
    if context.unnamed and ASSENT.match(sentence) and not HEDGED.search(sentence):
        asked = ", ".join(repr(w) for w in context.unnamed)
        return Judgement(Verdict.UNSUPPORTED, f"says yes to {asked}, which your profile never mentions")
    stated = WEAKNESS_STATEMENT.search(sentence) if context.weakness else None
    if stated:
        said, given = _gist(stated.group("rest")), _gist(context.weakness)
        if said and not said & given:
            return Judgement(
                Verdict.UNSUPPORTED, f"a weakness your notes do not give (they say: {context.weakness[:80]!r})"
            )
    misses = check(sentence, context.evidence)
    if stated:
        # The weakness the notes give, in other words: its wording is not an invented detail.
        misses = [m for m in misses if not m.looked_for.startswith("details")]
    if misses:
        missing = "; ".join(dict.fromkeys(m.looked_for for m in misses if not m.complete))
        said = [f"{missing}: not in your profile or the question"] if missing else []
        said += dict.fromkeys(m.looked_for for m in misses if m.complete)
        return Judgement(Verdict.UNSUPPORTED, "; ".join(said))
    return Judgement(Verdict.SUPPORTED)


# An advisor's sentence about the user's own past or possessions: where a number or a name is an
# invention that the user might repeat as theirs ("You led 400 engineers at Google").
ABOUT_USER = re.compile(
    r"\b(you (led|built|ran|managed|shipped|grew|cut|saved|worked|were|have been|had|hold|held|founded|"
    r"raised|hired|launched|designed|wrote|owned|delivered|studied|earned|won|joined|spent)|you've|"
    r"your (experience|background|team|role|time|work|degree|years?|career|resume|results?|record|title|company|"
    r"employer|salary|project|story|stories))\b",
    re.IGNORECASE,
)
# Advice: what to do, not what is. Its numbers and names are proposals ("a two-week pilot").
ADVICE = re.compile(
    r"^\W*(consider|start|begin|try|use|pick|choose|focus|ask|keep|avoid|add|split|move|measure|write|"
    r"prioriti[sz]e|plan|set|make|build|buy|hire|let's|lead with|open with|mention|practise|practice|"
    r"prepare|negotiate|aim|don't|do not|first|then|next|finally)\b|"
    r"\b(you|we|i) (should|could|might|may want to|need to|can|would|'d)\b|\b(i'd|i would) (recommend|suggest|start)\b",
    re.IGNORECASE,
)
ADVISOR_SELF = re.compile(
    r"\b(as an? (ai|artificial intelligence|language model|llm|chatbot)\b|"
    r"i('m| am) (an? )?(ai|artificial intelligence|(large )?language model|llm|chatbot)\b|"
    r"\bmy (training data|programming|knowledge cutoff)\b|\bi (was|am) (trained|programmed) (by|to|on)\b)",
    re.IGNORECASE,
)
# The kinds of miss that say something false: a number, a span of dates, a name, a technology or
# a title. (Unfamiliar wording, and a number counting something else nearby, are the copilot's
# stricter reading of its own first person.)
_FACTUAL = ("the number", "the dates", "the name", "the technology", "the title")


def judge_advice(sentence: str, context: Context, earlier: Sequence[str] = (), *, reported: bool = False) -> Judgement:
    """The verdict on an advisor's sentence (a persona whose words are not said as the user's).

    Advice speaks to the user, may ask, and may propose numbers. What is checked: repetition and
    gibberish, copied instructions or profile labels, the model talking about being a model, and
    false facts: a sentence about the user's own past must rest on their profile, and where a
    tool's result is part of the evidence (``reported``) a sentence stating what is (not what to
    do) must rest on the profile, the conversation or that result.
    """
    sentence = BULLET.sub("", sentence, count=1) or sentence
    for rule in (_degenerate, _echo):
        found = rule(sentence, context, earlier)
        if found is not None and not (found.verdict is Verdict.ECHO and found.evidence == "repeats the question"):
            return found
    if match := ADVISOR_SELF.search(sentence):
        return Judgement(Verdict.SELF_REFERENCE, f"the model speaks about itself: {match.group(0)!r}")
    about_user = ABOUT_USER.search(sentence) is not None
    if not about_user and (not reported or ADVICE.search(sentence) or sentence.rstrip().endswith("?")):
        return Judgement(Verdict.SUPPORTED)
    misses = [m for m in check(sentence, context.evidence) if m.looked_for.startswith(_FACTUAL)]
    if misses:
        where = "your profile" if about_user else "your profile, the conversation or the tool's result"
        missing = "; ".join(dict.fromkeys(m.looked_for for m in misses if not m.complete))
        said = [f"{missing}: not in {where}"] if missing else []
        said += dict.fromkeys(m.looked_for for m in misses if m.complete)
        return Judgement(Verdict.UNSUPPORTED, "; ".join(said))
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
        if label.lower() in lowered and _label_pattern(label).search(lowered):
            return Judgement(Verdict.ECHO, f"repeats the profile's label {label!r}")
    words = _words(sentence)
    if context.instructions:
        shared = _shared_run(words, _grams(context.instructions, 5), 5)
        if shared:
            return Judgement(Verdict.ECHO, f"repeats the instructions: {' '.join(shared)!r}")
    for line in context.employer_lines:
        source = _word_set(line)
        if len(words) >= 4 and source and sum(1 for w in words if w in source) / len(words) >= 0.8:
            return Judgement(Verdict.ECHO, f"copies the job description: {line[:60]!r}")
    question = context.question
    if question and len(words) >= 4:
        asked = _word_set(question)
        if sum(1 for w in words if w in asked) / len(words) >= 0.8:
            return Judgement(Verdict.ECHO, "repeats the question")
    return None


def _degenerate(sentence: str, context: Context, earlier: Sequence[str]) -> Judgement | None:
    from wordfreq import zipf_frequency

    stripped = sentence.strip()
    words = _words(sentence)
    if not words:
        return Judgement(Verdict.DEGENERATE, "no words") if stripped else None
    if FILLER.match(stripped):
        return Judgement(Verdict.DEGENERATE, "filler about the question, not an answer to it")
    if PLACEHOLDER.search(sentence):
        return Judgement(Verdict.DEGENERATE, f"a template placeholder {PLACEHOLDER.search(sentence).group(0)!r}")
    if CODE.search(sentence):
        return Judgement(Verdict.DEGENERATE, "code, not speech")
    if STAGE_DIRECTION.match(sentence):
        return Judgement(Verdict.DEGENERATE, "a stage direction, not speech")
    content = [w for w in words if w not in STOPWORDS]
    content_stems = [_stem(w) for w in content]
    finished = FINISHED.search(stripped) is not None
    for previous in earlier:
        before = _words(previous)
        if before == words:
            return Judgement(Verdict.DEGENERATE, f"says an earlier sentence again: {previous[:60]!r}")
        if len(words) >= 4 and before and _jaccard(words, before) >= 0.8:
            return Judgement(Verdict.DEGENERATE, f"repeats an earlier sentence: {previous[:60]!r}")
        if len(content) >= TUNE["contain_min"] and before:
            seen = _word_set(previous)
            share = sum(1 for w in content if w in seen) / len(content)
            if share < TUNE["contain_share"] and finished:
                # The same words inflected ("takes" for "take"), in a sentence that has ended.
                seen = _stem_set(previous)
                share = sum(1 for w in content_stems if w in seen) / len(content)
            if share >= TUNE["contain_share"]:
                return Judgement(Verdict.DEGENERATE, f"says again what an earlier sentence said: {previous[:60]!r}")
        if len(words) >= 3 and len(before) > len(words) and _contains_run(before, words) and (
            finished or _looping(earlier)
        ):
            # "It's a compliment." after "It's not a compliment, it's a compliment.": a piece of
            # an earlier sentence said again adds nothing; it is the loop going on. (An unfinished
            # piece may still be heading somewhere new, unless the answer is already looping.)
            return Judgement(Verdict.DEGENERATE, f"says again part of an earlier sentence: {previous[:60]!r}")
    if len(words) <= 2 and _looping(earlier) and any(_words(p)[: len(words)] == words for p in earlier):
        # "I" after "I have." fifty times: the cut-off start of the loop's next turn.
        return Judgement(Verdict.DEGENERATE, "a fragment of the sentence the answer keeps repeating")
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
    return list(_word_tuple(text))


# The same texts come back for every sentence (the answer's earlier sentences, the profile's
# lines, the instructions): their words are read once.
@lru_cache(maxsize=8192)
def _word_tuple(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"[a-z0-9']+", text.lower()))


@lru_cache(maxsize=8192)
def _word_set(text: str) -> frozenset[str]:
    return frozenset(_word_tuple(text))


@lru_cache(maxsize=4096)
def _stem_set(text: str) -> frozenset[str]:
    return frozenset(_stem(w) for w in _word_tuple(text))


@lru_cache(maxsize=64)
def _grams(text: str, n: int) -> frozenset[tuple[str, ...]]:
    words = _word_tuple(text)
    return frozenset(words[i : i + n] for i in range(len(words) - n + 1))


@lru_cache(maxsize=1024)
def _label_pattern(label: str) -> re.Pattern[str]:
    return re.compile(rf"(^|\s){re.escape(label.lower())}\s*:")


def _gist(text: str) -> set[str]:
    """The content of a clause as word beginnings, for telling one topic from another."""
    return {
        w[:5] for w in _words(text)
        if len(w) >= 4 and w not in STOPWORDS and w not in FUNCTION_WORDS and w not in WEAKNESS_TALK
    }


def _stem(word: str) -> str:
    """A crude common form, so "takes" and "take", "using" and "use" count as one word."""
    for suffix in ("ing", "ies", "es", "ed", "s", "e"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            return word[: -len(suffix)]
    return word


def _contains_run(longer: list[str], run: list[str]) -> bool:
    n = len(run)
    return any(longer[i : i + n] == run for i in range(len(longer) - n + 1))


def _looping(earlier: Sequence[str]) -> bool:
    """Whether the answer has already said one sentence twice (word for word)."""
    seen: set[tuple[str, ...]] = set()
    for previous in earlier:
        key = _word_tuple(previous)
        if key and key in seen:
            return True
        seen.add(key)
    return False


def _jaccard(a: Iterable[str], b: Iterable[str]) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / max(1, len(sa | sb))


def _shared_run(words: list[str], grams: frozenset[tuple[str, ...]], n: int) -> list[str]:
    """A run of ``n`` words of ``words`` that is one of ``grams`` (the source's runs), else []."""
    if len(words) < n:
        return []
    for i in range(len(words) - n + 1):
        gram = tuple(words[i : i + n])
        if gram in grams and any(w not in STOPWORDS for w in gram):
            return list(gram)
    return []
