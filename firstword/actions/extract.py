"""Action items read from a conversation by rules that can be audited, not by a model.

Each utterance is split into sentences; a sentence is an action item when it commits someone
("I'll …", "we will …", "let's …", "Sam will …", "Dana to …", "can you … by Friday?", "action
item: …", "next step is for Sam to …", "remind me to …", "follow up on …") and none of the
refusals applies: past tense, a hypothetical ("I would have", "if I had time"), a question that
asks rather than requests, a hedge ("maybe", "might", "someday"), reported speech ("she said
she'd …"), a negation ("I won't"), or a request the next speaker declines. The owner is only a
name or role the text states (the speaker for "I"); the due date only one a time expression
states, resolved against the conversation's date. Nothing is invented: an item's text is words
of the utterance.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass

from firstword.actions.dates import find_due


@dataclass(frozen=True, slots=True)
class Utterance:
    line: int  # 1-based line of the input
    speaker: str | None
    text: str
    offset: int = 0  # where ``text`` starts in its line (after "Speaker: ")


@dataclass(frozen=True, slots=True)
class Evidence:
    line: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class ActionItem:
    text: str
    owner: str | None
    due: str | None
    evidence: Evidence
    confidence: float
    rule: str

    def to_dict(self) -> dict[str, object]:
        """The item as the CLI and the MCP tool give it: text, owner, due, evidence, confidence
        (the rule is shown in the CLI's table, for auditing)."""
        data = asdict(self)
        del data["rule"]
        return data


_SPEAKER = re.compile(r"^\s*(?P<speaker>[^:]{1,40}?)\s*:\s+(?P<text>.*\S)\s*$")


def parse_transcript(text: str) -> list[Utterance]:
    """``Speaker: utterance`` lines; a line without a speaker continues no one (speaker None)."""
    utterances: list[Utterance] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        m = _SPEAKER.match(raw)
        if m and not m.group("speaker").strip().lower().startswith(("http", "note")):
            utterances.append(Utterance(number, m.group("speaker").strip(), m.group("text"), m.start("text")))
        else:
            stripped = raw.strip()
            utterances.append(Utterance(number, None, stripped, raw.index(stripped)))
    return utterances


# ----- the rules ---------------------------------------------------------------------------------

_SENTENCE = re.compile(r"[^.!?]+(?:[.!?]+|$)")
# The action: a verb phrase up to the end of the clause.
_ACT = r"(?P<action>[a-z][^.!?]*)"
_NAME = r"(?P<who>[A-Z][a-z]+(?: [A-Z][a-z]+)?|[Tt]he (?:team|ward|manager|chair|lead|nurse in charge|[a-z]+ team))"

RULES: tuple[tuple[str, re.Pattern[str], float], ...] = (
    # The speaker commits.
    ("self", re.compile(
        r"\b(?:I'll|I will|I'm going to|I am going to|I'm gonna|I need to|I have to|I must|I've got to|"
        r"I'll make sure (?:to|that I)|I promise to|I can take care of|let me|I'll be sure to)\s+(?:also\s+|then\s+|just\s+)?" + _ACT,
        re.I), 0.9),
    ("remind_me", re.compile(r"\bremind me to\s+" + _ACT, re.I), 0.85),
    # The group commits: no one person owns it.
    ("group", re.compile(
        r"\b(?:we'll|we will|we're going to|we are going to|we need to|we have to|we must|let's|let us)\s+(?:also\s+|then\s+)?" + _ACT,
        re.I), 0.8),
    # A named person or role is given the action.
    ("named", re.compile(_NAME + r"(?:'ll| will| is going to| needs to| has to| to)\s+(?:also\s+)?" + _ACT), 0.8),
    ("next_step", re.compile(r"\bnext steps? (?:is|are|will be) (?:for " + _NAME + r" )?to\s+" + _ACT, re.I), 0.8),
    # Requests to the listener.
    ("request", re.compile(
        r"^(?:(?P<who>[A-Z][a-z]+),\s+)?(?i:can|could|would|will) you(?:,\s*(?P<who2>[A-Z][a-z]+),)?\s+(?:please\s+)?" + _ACT),
        0.7),
    ("please", re.compile(r"^(?:(?P<who>[A-Z][a-z]+),\s+)?please\s+" + _ACT, re.I), 0.7),
    ("label", re.compile(r"\baction items?\s*(?:is|:|-|—)\s*(?:for " + _NAME + r"\s*(?:to|:)\s*)?" + r"(?P<action>[^.!?]+)", re.I), 0.75),
    ("follow_up", re.compile(r"^(?:and\s+)?(?P<action>follow up (?:on|with) [^.!?]+)", re.I), 0.6),
)

# Refusals, each said in a comment where the reason is not plain.
_HYPOTHETICAL = re.compile(
    r"\b(?:would have|would've|I'd have|could have|should have|if I had|if we had|if only|I wish)\b|^\s*if\b", re.I)
_HEDGE = re.compile(
    r"\b(?:maybe|might|perhaps|possibly|someday|some day|at some point|eventually|one day|"
    r"it would be nice|would be good|not sure|probably|I guess|kind of|sort of|in theory)\b", re.I)
_NEGATED = re.compile(r"\b(?:won't|will not|can't|cannot|not going to|don't need to|no need to|never)\b", re.I)
_REPORTED = re.compile(r"\b(?:said|says|told (?:me|us|him|her|them)|mentioned|promised|claimed|thinks|thought)\b"
                       r"(?: that)?\s+(?:he|she|they|\w+)(?:'d|'ll| would| will)\b", re.I)
_QUESTION_NOT_REQUEST = re.compile(r"^\s*(?:did|do|does|should|shall|is|are|was|were|have|has|had|what|why|how|when|where|who)\b", re.I)
_DECLINE = re.compile(r"^\s*(?:no\b|nope|sorry|I can't|I cannot|I won't|not this week|not today|unfortunately)", re.I)
# A verb the action must start with: a base form, not a past one ("I'll sent" is noise).
_PAST_START = re.compile(r"^(?:\w+ed|sent|did|went|made|wrote|took|gave|got|had|was|were|been)\b", re.I)
# Words at the end of an action that are talk, not the task.
_TAIL = re.compile(r"(?:,?\s+(?:ok(?:ay)?|alright|right|as well|too|then|first|please|if that's ok(?:ay)?|for you))+\s*$", re.I)


def _sentences(text: str) -> list[tuple[int, str]]:
    return [(m.start(), m.group(0)) for m in _SENTENCE.finditer(text) if m.group(0).strip()]


def _clean_action(action: str, due_span: tuple[int, int] | None, base: int) -> str:
    if due_span is not None:
        start, end = due_span[0] - base, due_span[1] - base
        if 0 <= start < end <= len(action):
            action = action[:start] + action[end:]
    action = re.split(r",\s+(?:and\s+)?(?:then|so|but|because)\b|\s+so that\b|\s+because\b", action)[0]
    action = _TAIL.sub("", action.strip(" ,;:-—"))
    # A preposition left hanging where the date was cut out ("review it at [the end of the month]").
    action = re.sub(r"\s+(?:at|by|on|for|before|until|till|no later than)\s*$", "", action.strip(" ,;:-—"), flags=re.I)
    return re.sub(r"\s{2,}", " ", action).strip(" ,;:-—")


def _refused(sentence: str, rule: str) -> bool:
    if _HYPOTHETICAL.search(sentence) or _HEDGE.search(sentence) or _REPORTED.search(sentence):
        return True
    if _NEGATED.search(sentence) and rule not in ("label",):
        return True
    stripped = sentence.strip()
    if stripped.endswith("?") and rule not in ("request",):
        return True
    if rule == "request" and not stripped.endswith("?"):
        return False
    return rule != "request" and _QUESTION_NOT_REQUEST.match(stripped) is not None


def _owner(rule: str, match: re.Match[str], speaker: str | None) -> str | None:
    if rule in ("self", "remind_me"):
        return speaker
    groups = match.groupdict()
    who = groups.get("who") or groups.get("who2")
    if who and who.split()[0].lower() not in _NOT_NAMES:
        return who
    return None


# Capitalised words that open a sentence without naming anyone ("So, can you …").
_NOT_NAMES = frozenset(
    "we i you they it this that there he she so okay ok right well and also then now great sure yes "
    "hi hello thanks thank please alright cool fine good but or if maybe everyone".split()
)


def extract(utterances: list[Utterance], date: dt.date) -> list[ActionItem]:
    """The action items of a conversation held on ``date``, in order, duplicates merged."""
    items: list[ActionItem] = []
    for index, utterance in enumerate(utterances):
        following = utterances[index + 1] if index + 1 < len(utterances) else None
        for start, sentence in _sentences(utterance.text):
            item = _item(utterance, start, sentence, date, following)
            if item is not None:
                items.append(item)
    return _merged(items)


def _item(utterance: Utterance, start: int, sentence: str, date: dt.date, following: Utterance | None) -> ActionItem | None:
    for rule, pattern, confidence in RULES:
        match = pattern.search(sentence)
        if match is None or _refused(sentence, rule):
            continue
        action = match.group("action")
        if rule not in ("label", "follow_up") and _PAST_START.match(action):
            continue
        if rule in ("request", "please") and following is not None and following.speaker != utterance.speaker \
                and _DECLINE.match(following.text):
            return None  # asked and declined: nobody committed
        due = find_due(sentence, date)
        base = match.start("action")
        text = _clean_action(action, due.span if due else None, base)
        if len(text.split()) < 2 and rule != "label":
            continue
        line_start = utterance.offset + start + (len(sentence) - len(sentence.lstrip()))
        return ActionItem(
            text=text,
            owner=_owner(rule, match, utterance.speaker),
            due=due.date.isoformat() if due else None,
            evidence=Evidence(utterance.line, line_start, utterance.offset + start + len(sentence.rstrip())),
            confidence=confidence,
            rule=rule,
        )
    return None


def _key(text: str) -> frozenset[str]:
    return frozenset(w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2)


def _merged(items: list[ActionItem]) -> list[ActionItem]:
    """One item per task: a later item whose words are (nearly) an earlier one's ("Sure, I'll
    send the deck" after "Can you send the deck?") adds its owner and date to the first."""
    kept: list[ActionItem] = []
    for item in items:
        words = _key(item.text)
        for i, earlier in enumerate(kept):
            other = _key(earlier.text)
            if words and other and len(words & other) / len(words | other) >= 0.6:
                kept[i] = ActionItem(
                    earlier.text, earlier.owner or item.owner, earlier.due or item.due,
                    earlier.evidence, max(earlier.confidence, item.confidence), earlier.rule,
                )
                break
        else:
            kept.append(item)
    return kept
