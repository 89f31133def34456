"""STAR stories given as objects are normalised to the markdown a stories file holds."""

from __future__ import annotations

import pytest

from firstword.answerer.profile import MAX_FIELD_CHARS, MAX_STORIES, Profile, ProfileError


def test_plain_strings_still_work_unchanged():
    profile = Profile.from_dict({"stories": ["### Outage\nI fixed it.", "Another one"]})
    assert profile.stories == ["### Outage\nI fixed it.", "Another one"]


def test_a_star_object_becomes_the_markdown_form():
    story = {
        "title": "Payments outage",
        "situation": " Checkout failed for 20% of users. ",
        "task": "Restore it before the sale.",
        "action": "Rolled back the deploy and added a canary.",
        "result": "Back in 12 minutes; no repeat since.",
    }
    profile = Profile.from_dict({"stories": [story, "a plain one"]})
    assert profile.stories == [
        "### Payments outage\n"
        "Situation: Checkout failed for 20% of users.\n"
        "Task: Restore it before the sale.\n"
        "Action: Rolled back the deploy and added a canary.\n"
        "Result: Back in 12 minutes; no repeat since.",
        "a plain one",
    ]
    # Stored and returned as strings: the round trip is stable.
    assert Profile.from_dict(profile.to_dict()) == profile


def test_title_and_empty_parts_are_left_out():
    profile = Profile.from_dict({"stories": [
        {"situation": "Team of three.", "task": "", "action": "Paired daily.", "result": None},
        {"title": "Only a title"},
    ]})
    assert profile.stories == ["Situation: Team of three.\nAction: Paired daily.", "### Only a title"]


@pytest.mark.parametrize(
    ("story", "message"),
    [
        ({"situation": "x", "lesson": "y"}, "unknown fields: lesson"),
        ({"result": 42}, "profile.stories[0].result must be a string"),
        ({"action": ["a", "b"]}, "profile.stories[0].action must be a string"),
        ({"title": "  ", "task": ""}, "profile.stories[0] is empty"),
        ({}, "profile.stories[0] is empty"),
        (7, "profile.stories[0] must be a string or an object"),
    ],
)
def test_bad_story_objects_are_refused_with_a_clear_message(story, message):
    with pytest.raises(ProfileError, match=message.replace("[", r"\[").replace("]", r"\]")):
        Profile.from_dict({"stories": [story]})


def test_stories_must_be_a_list():
    with pytest.raises(ProfileError, match="list of strings or STAR objects"):
        Profile.from_dict({"stories": {"situation": "x"}})


def test_limits_refuse_rather_than_cut():
    enough = [{"title": f"Story {i}", "result": "ok"} for i in range(MAX_STORIES)]
    assert len(Profile.from_dict({"stories": enough}).stories) == MAX_STORIES
    with pytest.raises(ProfileError, match=f"at most {MAX_STORIES}"):
        Profile.from_dict({"stories": [*enough, "one more"]})
    with pytest.raises(ProfileError, match=r"stories\[0\] is longer than"):
        Profile.from_dict({"stories": [{"action": "x" * (MAX_FIELD_CHARS + 10)}]})
