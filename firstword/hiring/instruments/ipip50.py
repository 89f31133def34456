"""IPIP 50-item Big-Five Factor Markers (Goldberg, 1992 markers as represented in the IPIP).

Public domain (International Personality Item Pool, https://ipip.ori.org/newPermission.htm).

Sources read and cross-checked for this module:

- Item texts, scales and +/- keys: the IPIP scoring key "Big-Five Factor Markers",
  https://ipip.ori.org/newBigFive5broadKey.htm (10-item scales), read from the stored page and
  from the mirror of the same page in github.com/Olcmyk/ipip-remaster
  (archive/ipip-mirror/ipip.ori.org/newBigFive5broadKey.htm, commit 3bc2f9c2968517dd5e87ca24ee03a30bcdb1163d).
- Administration order (E, A, C, ES, I cycling; item 1 "Am the life of the party."):
  "Possible Questionnaire Format for Administering the 50-Item Set of IPIP Big-Five Factor
  Markers", https://ipip.ori.org/New_IPIP-50-item-scale.htm, as reproduced in
  github.com/Umuzi-org/ACN-syllabus (content/projects/data-science-specific/data-wrangling/
  scoring.txt, commit 1f5f67c882cc50c920a4e0dd33b4d8f8733af6ca; that copy rewords two items,
  the key page's wording is used here), and the Open-Source Psychometrics Project's IPIP-FFM
  codebook (data of 2016-2018, as reproduced in public repositories: "The order on page was
  EXT1, AGR1, CSN1, EST1, OPN1, EXT2, etc."). Within each scale the items follow the codebooks'
  EXT1..EXT10, AGR1..AGR10, CSN1..CSN10, EST1..EST10, OPN1..OPN10 order (the same 50 items,
  written there with a leading "I"; BIG5/codebook.txt of https://openpsychometrics.org/_rawdata/BIG5.zip
  lists E1..E10, N1..N10, A1..A10, C1..C10, O1..O10 with the same texts).
- Cronbach's alpha of each 10-item scale: the same key page ("10-item scale (Alpha = .87)" for
  Factor I, .82 for II, .79 for III, .86 for IV, .84 for V).

Texts are as on the key page (no leading "I"). The response labels are those of the IPIP
questionnaire format. Emotional Stability is keyed for stability (the openpsychometrics "EST"/"N"
columns are the same items, there keyed for neuroticism).
"""

from __future__ import annotations

from firstword.hiring.instruments.base import Instrument, Item, Keyed, Reliability, Scale

NAME = "ipip-50"

KEY_PAGE = "https://ipip.ori.org/newBigFive5broadKey.htm"
ADMINISTRATION_PAGE = "https://ipip.ori.org/New_IPIP-50-item-scale.htm"

SCALE_ORDER = ("extraversion", "agreeableness", "conscientiousness", "emotional_stability", "intellect")

RESPONSE_LABELS = {
    1: "Very Inaccurate",
    2: "Moderately Inaccurate",
    3: "Neither Accurate Nor Inaccurate",
    4: "Moderately Accurate",
    5: "Very Accurate",
}

# (administration number, text, scale, key), copied from the key page into the administration order.
_ITEMS: tuple[tuple[int, str, str, Keyed], ...] = (
    (1, "Am the life of the party.", "extraversion", "+"),
    (2, "Feel little concern for others.", "agreeableness", "-"),
    (3, "Am always prepared.", "conscientiousness", "+"),
    (4, "Get stressed out easily.", "emotional_stability", "-"),
    (5, "Have a rich vocabulary.", "intellect", "+"),
    (6, "Don't talk a lot.", "extraversion", "-"),
    (7, "Am interested in people.", "agreeableness", "+"),
    (8, "Leave my belongings around.", "conscientiousness", "-"),
    (9, "Am relaxed most of the time.", "emotional_stability", "+"),
    (10, "Have difficulty understanding abstract ideas.", "intellect", "-"),
    (11, "Feel comfortable around people.", "extraversion", "+"),
    (12, "Insult people.", "agreeableness", "-"),
    (13, "Pay attention to details.", "conscientiousness", "+"),
    (14, "Worry about things.", "emotional_stability", "-"),
    (15, "Have a vivid imagination.", "intellect", "+"),
    (16, "Keep in the background.", "extraversion", "-"),
    (17, "Sympathize with others' feelings.", "agreeableness", "+"),
    (18, "Make a mess of things.", "conscientiousness", "-"),
    (19, "Seldom feel blue.", "emotional_stability", "+"),
    (20, "Am not interested in abstract ideas.", "intellect", "-"),
    (21, "Start conversations.", "extraversion", "+"),
    (22, "Am not interested in other people's problems.", "agreeableness", "-"),
    (23, "Get chores done right away.", "conscientiousness", "+"),
    (24, "Am easily disturbed.", "emotional_stability", "-"),
    (25, "Have excellent ideas.", "intellect", "+"),
    (26, "Have little to say.", "extraversion", "-"),
    (27, "Have a soft heart.", "agreeableness", "+"),
    (28, "Often forget to put things back in their proper place.", "conscientiousness", "-"),
    (29, "Get upset easily.", "emotional_stability", "-"),
    (30, "Do not have a good imagination.", "intellect", "-"),
    (31, "Talk to a lot of different people at parties.", "extraversion", "+"),
    (32, "Am not really interested in others.", "agreeableness", "-"),
    (33, "Like order.", "conscientiousness", "+"),
    (34, "Change my mood a lot.", "emotional_stability", "-"),
    (35, "Am quick to understand things.", "intellect", "+"),
    (36, "Don't like to draw attention to myself.", "extraversion", "-"),
    (37, "Take time out for others.", "agreeableness", "+"),
    (38, "Shirk my duties.", "conscientiousness", "-"),
    (39, "Have frequent mood swings.", "emotional_stability", "-"),
    (40, "Use difficult words.", "intellect", "+"),
    (41, "Don't mind being the center of attention.", "extraversion", "+"),
    (42, "Feel others' emotions.", "agreeableness", "+"),
    (43, "Follow a schedule.", "conscientiousness", "+"),
    (44, "Get irritated easily.", "emotional_stability", "-"),
    (45, "Spend time reflecting on things.", "intellect", "+"),
    (46, "Am quiet around strangers.", "extraversion", "-"),
    (47, "Make people feel at ease.", "agreeableness", "+"),
    (48, "Am exacting in my work.", "conscientiousness", "+"),
    (49, "Often feel blue.", "emotional_stability", "-"),
    (50, "Am full of ideas.", "intellect", "+"),
)


def item_id(number: int) -> str:
    return f"ipip50_{number:02d}"


ITEMS: tuple[Item, ...] = tuple(
    Item(id=item_id(number), text=text, scale=scale, keyed=keyed) for number, text, scale, keyed in _ITEMS
)

SCALES: tuple[Scale, ...] = (
    Scale("extraversion", "Extraversion (Factor I, Surgency)",
          Reliability(0.87, f"{KEY_PAGE}: Factor I, 10-item scale (Alpha = .87)")),
    Scale("agreeableness", "Agreeableness (Factor II)",
          Reliability(0.82, f"{KEY_PAGE}: Factor II, 10-item scale (Alpha = .82)")),
    Scale("conscientiousness", "Conscientiousness (Factor III)",
          Reliability(0.79, f"{KEY_PAGE}: Factor III, 10-item scale (Alpha = .79)")),
    Scale("emotional_stability", "Emotional Stability (Factor IV)",
          Reliability(0.86, f"{KEY_PAGE}: Factor IV, 10-item scale (Alpha = .86)")),
    Scale("intellect", "Intellect or Imagination (Factor V)",
          Reliability(0.84, f"{KEY_PAGE}: Factor V, 10-item scale (Alpha = .84)")),
)

INSTRUMENT = Instrument(
    name=NAME,
    title="IPIP 50-item Big-Five Factor Markers",
    items=ITEMS,
    scales=SCALES,
    response_labels=RESPONSE_LABELS,
    sources=(KEY_PAGE, ADMINISTRATION_PAGE),
    norms_file="data/ipip50_norms.json",
)
