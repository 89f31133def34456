"""A note's words ready for one question ('if "know anyone there?" -> "…"'), the other ways a line
marks itself private, and the least the person would take in more words (held-out set y had
said a break-up, a panic attack, a pregnancy, a lawsuit and a floor aloud)."""

from __future__ import annotations

import pytest

from firstword.answerer.profile import Profile
from firstword.grounding import Grounding
from firstword.grounding.private import cover, kept_to_self, marks_itself_private
from firstword.grounding.questions import QuestionType, classify

RESUME = "CHIARA FERRARO\nFront Office Supervisor\n\n## Experience\n**Front Office Supervisor, Harcourt Lane Hotel** (2022 – present)\n" \
         "- Supervise a front desk team of 8 across early, late and night shifts\n- Handle escalated complaints\n"


def _opening(notes: str, question: str) -> str:
    return Grounding(Profile(resume=RESUME, notes=notes)).ground(question).composition.opening


EX = ('- D. is FO at Lir Air, Cork base!!! we broke up 2023, fine-ish. if "know anyone there?" -> '
      '"a couple of people from Dublin socially, nobody in recruitment"')


def test_words_ready_for_a_question_are_said_to_it_and_nothing_else_of_their_line() -> None:
    said = _opening(EX, "Do you know anyone working with us at the minute? There's a referral scheme.")
    assert "A couple of people from Dublin socially, nobody in recruitment." in said
    assert "broke up" not in said and "FO" not in said


def test_words_ready_for_one_question_are_not_said_to_another() -> None:
    # Set y had said the whole line to "the role is Cork-based, would you be moving down?".
    for asked in ("The role is Cork-based and I see you're in Dublin - would you be moving down?",
                  "Is Lir Air somewhere you've flown with?"):
        said = _opening(EX, asked)
        assert "broke up" not in said and "couple of people" not in said, asked


def test_words_ready_for_a_question_are_found_however_the_rest_of_the_line_ranks() -> None:
    notes = ('- mediation dates w/ Faizal not fixed yet, probably 2-3 half days Jan/Feb, will take leave [FJC]. '
             'if "any leave planned?" -> "nothing major, maybe a few personal half days, will plan around payroll close"\n'
             "- leave records and CPF submissions for 22 clients")
    said = _opening(notes, "Any leave planned in the next two, three months? Sometimes the client asks.")
    assert said.startswith("Nothing major, maybe a few personal half days")
    assert "mediation" not in said and "Faizal" not in said


@pytest.mark.parametrize(("line", "asked", "given"), [
    # a mark of the writer's own, at the start, the middle or the end of the line
    ('- flying: 2019 turbulence, panic attack, did the fear of flying course = fine now -- not a thing to tell a recruiter. '
     'if "how do you feel about flying?" -> "love it, fly home 4-5x a year"', "How do you find flying, generally?",
     "Love it, fly home 4-5x a year."),
    ("- Kuba: every 2nd weekend w/ me, 14/14 has to let me swap. NOT their business. ask if rotation is fixed",
     "The rotation is 14/14. Does that work with things at home, with Kuba?", None),
    ('- Rawiri\'s work -> maybe Perth mid next yr?? nothing signed. shhh Perth. if "how long will you stay?" -> '
     '"I\'m after something long term" (which is true if Perth falls over...)',
     "How long do you see yourself sticking around? Perth?", "I'm after something long term."),
    ('- baby 11 wks, due end May. LEGALLY don\'t have to say. not saying at interview. if timing Q -> '
     '"nothing that would stop me delivering the project" + talk about handover planning',
     "Is there anything about dates or timings we should be aware of as we plan the project?",
     "Nothing that would stop me delivering the project."),
    ("- knee op 2021 (meniscus) -> passed the medical, all fine, nothing to say", "Any knee or back problems we should know about?", None),
    ('- ££ - card 4.8k still + Italy loan -> I NEED the training paid. don\'t explain why, just ask if training is paid',
     "Is the training paid, and is money a worry for you?", None),
])
def test_a_line_marked_private_anywhere_says_only_the_words_it_gives(line: str, asked: str, given: str | None) -> None:
    assert marks_itself_private(line)
    said = _opening(line, asked)
    for private in ("panic", "Kuba", "Perth mid", "baby", "meniscus", "Italy loan", "card 4.8k"):
        assert private not in said, (line, said)
    if given is not None:
        assert said.startswith(given), said


def test_a_condition_that_names_no_question_leaves_its_line_as_it_is() -> None:
    # "if pushed" is the line's own subject asked harder: the pay note stays the pay note (set u).
    notes = '- SALARY: now £36.5k + ~5% bonus. ASK £44k. if pushed: "low-to-mid forties depending on the bonus".'
    assert not marks_itself_private(notes)
    assert "£44k" in _opening(notes, "And what are your salary expectations?")


def test_what_they_might_say_in_quotes_is_not_words_to_say() -> None:
    line = '- if they say "package" → clarify: base or incl super!! (Brooke will prob say "140 package" = less)'
    assert cover(line) is None
    assert not marks_itself_private(line)


@pytest.mark.parametrize(("line", "ready"), [
    ('if pets come up just say "had dogs all my life, currently just the cat"', ("pets come up", "had dogs all my life, currently just the cat")),
    ('only if they ask "final stages elsewhere?" -> "yes, one other process at a late stage" - NO NAME',
     ('they ask "final stages elsewhere?"', "yes, one other process at a late stage")),
    ('(if lifting asked: "I use the trolley and two-person lift like everyone should" - true)',
     ("lifting asked", "I use the trolley and two-person lift like everyone should")),
    ('can do full days. not their business unless accommodation needed. answer: "Yes, I can."', ("", "Yes, I can.")),
    ('boat + stomach: sick whole trip. if "any problem on boats?" = "been out on boats fine"',
     ('"any problem on boats?"', "been out on boats fine")),
])
def test_the_question_a_line_has_words_ready_for(line: str, ready: tuple[str, str]) -> None:
    assert cover(line) == ready


def test_the_words_given_are_said_once() -> None:
    assert kept_to_self('tattoo under watch. if asked -> "nothing visible in uniform"', "private") == "Nothing visible in uniform."


@pytest.mark.parametrize(("note", "floor"), [
    ("salary: ask 92k. walk at less than 88k. transcript fees on top", "88k"),
    ("salary: top if poss (31k). now 27,180 at uni. will take 29.5.", "29.5"),
])
def test_the_least_the_person_would_take_in_other_words_is_kept_back(note: str, floor: str) -> None:
    assert floor not in kept_to_self(note)
    assert floor not in _opening(f"- {note}", "Where do you land on salary?")


def test_what_the_person_would_take_is_still_what_they_ask_for() -> None:
    note = "Currently $115k, and for a seed-stage role I'd take $120k–$125k base with meaningful equity."
    assert "$120k–$125k" in kept_to_self(note)


def test_a_range_then_where_do_you_see_yourself_asks_the_pay_wanted() -> None:
    assert classify("Let's talk numbers. The range is sixty-four to seventy-six. Where do you see yourself?").kind \
        is QuestionType.LOGISTICS
    assert classify("Where do you see yourself in five years?").kind is QuestionType.MOTIVATION
    said = _opening("- salary: ask 74k. min 70k.", "Let's talk numbers. The range is sixty-four to seventy-six. Where do you see yourself?")
    assert "74k" in said and "70k" not in said


@pytest.mark.parametrize("line", [
    '- Mathieu (loc lead) + Rebecca Lin (narrative dir.) + Sanjay (exec prod) "pour la fin"',
    "- L. Dietz = Director. Reporter 26 yrs herself, reputation: blunt, hates long answers. -> SHORT ANSWERS. STOP TALKING.",
])
def test_notes_on_the_interviewers_and_reminders_are_not_said(line: str) -> None:
    for asked in ("Questions. Keep them short.", "What do you know about our launch plan, and where does loc go wrong?",
                  "Two lawyers talking over each other. What do you do."):
        said = _opening(line, asked)
        for words in ("Mathieu", "reputation", "STOP TALKING", "hates long"):
            assert words not in said, (asked, said)


def test_a_private_line_answers_its_matter_in_the_words_it_gives_whichever_sentence_is_found() -> None:
    # Set v: the sentence about travel named the father's dialysis; the words to say were two
    # sentences later, and the answer had been the whole first sentence, then nothing at all.
    notes = ("Travel 30-35% -> OK BUT Papá (San Rafael, dialysis 3x/week since Jan) -> need to get down there most weekends. "
             'Trips 1-2 wks fine, NOT 4-week US tours. PRIVATE -> say "happy with 30%, I work best with trips up to two weeks". '
             "Don't explain why.")
    said = _opening(notes, "Travel. We're thinking roughly a third of the time, London four times a year. How does that sit with you?")
    assert said == "Happy with 30%, I work best with trips up to two weeks."
    # Not to a turn that only shares a word with the line's other sentences.
    other = _opening(notes, "San Rafael - have you been to the wineries there?")
    assert "Happy with 30%" not in other and "dialysis" not in other


def test_what_the_person_means_to_find_out_answers_nothing_but_the_closing_question() -> None:
    # Set v had said "I'm a pastry sous chef? how many CDPs?" to "what are you not so good at?".
    notes = "- team structure: pastry sous chef? how many CDPs?\n- HR = pay during stoppage?\n- salary: ask R1.2m + bonus"
    for asked in ("What is the thing you're not so good at?", "How do you run a pastry section with CDPs?"):
        assert "CDPs?" not in _opening(notes, asked), asked
    assert "pay during stoppage" not in _opening(notes, "And the package. You know the range. Where do you need to be?")
    # One sentence unsure of itself is still the person's answer.
    assert "Guest week the week after next?" in _opening("- start: Guest week the week after next?",
                                                          "When could you start if this works out?")


def test_a_topic_of_the_notes_with_words_ready_is_answered_in_those_words() -> None:
    from firstword.prefetch.notes import topics

    notes = ('- tattoo: small swallow inner L wrist ~2cm. under watch. if asked -> "nothing visible in uniform, one very '
             'small one that\'s always covered by my watch" (check their policy page again before)\n')
    [topic] = [t for t in topics(Profile(resume=RESUME, notes=notes)) if t.label == "tattoo"]
    assert topic.answer == "Nothing visible in uniform, one very small one that's always covered by my watch."


def test_a_record_not_to_be_discussed_is_not_said() -> None:
    notes = ("- 2009 OVI - record sealed 2015. not discussing. school BCI/FBI check might still show it?? if it comes up, "
             "short + honest: old, sealed, clean since, 14 yrs driving kids w/ zero preventable accidents.")
    said = _opening(notes, "Anything going to come back on the background check I should know about now?")
    assert "OVI" not in said and "not discussing" not in said and "sealed" not in said


@pytest.mark.parametrize(("line", "said"), [
    # Set y: the reason, a reminder, then what to say (the opening had been the whole line,
    # "DON'T lead w/ money. say —" and all).
    ("freelance = feast/famine, I pay $1,100/mo for insurance on my own -> DON'T lead w/ money. "
     "say: courtroom, trial work, consistent record, benefits as bonus", "courtroom, trial work, consistent record, benefits as bonus"),
    ("fixed-term ends? no - mine's permanent. say: want to lead a move not assist, want textiles",
     "want to lead a move not assist, want textiles"),
    # Sets o, q, r: the worry, or the reason not to say, before it; a dash before it.
    ("corporate worry: planograms, head office. say: I LIKE process — deposit system was me adding process!",
     "I LIKE process — deposit system was me adding process!"),
    ("DON'T say I'm leaving bc Dr N keeps squeezing to 30 min cleans. say: want longer appts + more perio",
     "want longer appts + more perio"),
    ("Ironstone contract finishing end of June (client taking maint in-house?) - say: contract finishing + want permanence",
     "contract finishing + want permanence"),
    # Not what someone else says, nor a colon after another word.
    ("they say: it's hard to hire here", "they say: it's hard to hire here"),
    ("the essay: I wrote it on kerbside recycling", "the essay: I wrote it on kerbside recycling"),
])
def test_a_line_that_says_what_to_say_after_say_colon_gives_only_those_words(line: str, said: str) -> None:
    assert kept_to_self(line) == said


def test_what_to_say_after_say_colon_is_the_answer_and_the_reason_before_it_is_not_said() -> None:
    notes = ("why: freelance = feast/famine, I pay $1,100/mo for insurance on my own -> DON'T lead w/ money. "
             "say: courtroom, trial work, consistent record, benefits as bonus")
    said = _opening(notes, "Eight years of depositions. Never a courtroom. Why now.")
    assert "Courtroom, trial work, consistent record, benefits as bonus." in said
    assert "money" not in said and "insurance" not in said and " say" not in said.lower()
    # A line marked private gives its words after "say:" too, and nothing else of it.
    assert kept_to_self("moved for family - private. say: wanted to be closer to the coast", "PRIVATE") == \
        "Wanted to be closer to the coast."
