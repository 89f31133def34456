"""Personas as data: the shipped files, a user directory that adds and overrides, and bad files
reported one by one without stopping the others."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from firstword.answerer.personas import current_personas, persona_prompt, use_personas
from firstword.config import Settings
from firstword.llm.scripted import ScriptedLlm
from firstword.personas import UnknownPersona, load_personas
from firstword.server.app import create_app
from firstword.testing import ScriptedToolRunner
from tests.conftest import InLoopServer
from tests.test_server import fake_engines

GOOD = """
id = "{id}"
name = "Sage"
title = "Finance advisor"
description = "Reads the numbers."
instructions = "You are Sage. Answer with the one number that matters."
greeting = "Hello."
tools = ["profile_facts"]
[sampling]
temperature = 0.1
"""


@pytest.fixture(autouse=True)
def _restore_personas():
    before = current_personas()
    yield
    use_personas(before)


def test_the_shipped_personas_load_with_their_fields():
    personas = load_personas()
    assert personas.errors == []
    assert set(personas) == {"atlas", "cipher", "nova", "copilot"}
    cipher = personas["cipher"]
    assert (cipher.name, cipher.title) == ("Cipher", "Technical advisor")
    assert "analyze_repository" in cipher.tools and cipher.routing.path_tool == "analyze_repository"
    assert personas["nova"].voice is not None and personas["nova"].voice.engine == "piper"
    assert personas["copilot"].grounded and not personas["atlas"].grounded
    for persona in personas.values():
        assert persona.greeting and persona.description and persona.instructions


def test_earlier_ids_still_name_their_persona():
    personas = load_personas()
    assert personas.get_persona("technical_advisor").id == "cipher"
    assert personas.get_persona("strategic_advisor").id == "atlas"
    assert personas.get_persona("practice_interviewer").id == "nova"
    assert persona_prompt("technical_advisor") == personas["cipher"].instructions
    with pytest.raises(UnknownPersona, match="choose one of: atlas, cipher, copilot, nova"):
        personas.get_persona("oracle")


def test_sampling_overrides_only_what_the_file_sets():
    base = Settings().llm.sampling
    atlas = load_personas()["atlas"].sampling_over(base)
    assert atlas.temperature == 0.4 and atlas.max_tokens == 160 and atlas.top_p == base.top_p


def test_a_user_directory_adds_and_overrides(tmp_path: Path):
    (tmp_path / "sage.toml").write_text(GOOD.format(id="sage"))
    (tmp_path / "atlas.toml").write_text(GOOD.format(id="atlas").replace("Sage", "Atlas Prime"))
    personas = load_personas(tmp_path)
    assert personas.errors == []
    assert personas["sage"].title == "Finance advisor"
    assert personas["atlas"].name == "Atlas Prime"
    assert personas.sources["atlas"] == str(tmp_path / "atlas.toml")
    assert set(personas) == {"atlas", "cipher", "nova", "copilot", "sage"}


@pytest.mark.parametrize(
    ("content", "field", "fix"),
    [
        ('id = "x"\nname = "X"\ntitle = ', "", "fix the TOML syntax"),
        (GOOD.format(id="bad").replace('title = "Finance advisor"\n', ""), "title", "add it"),
        ('colour = "red"\n' + GOOD.format(id="bad"), "colour", "remove it or check its spelling"),
        (GOOD.format(id="Bad Id"), "id", "lowercase"),
        (GOOD.format(id="bad").replace('tools = ["profile_facts"]', 'tools = "profile_facts"'), "tools", "write it as a list"),
        (GOOD.format(id="bad").replace("temperature = 0.1", "temperature = 9"), "sampling.temperature", ""),
        (GOOD.format(id="bad").replace("temperature = 0.1", "temprature = 0.1"), "sampling.temprature", "spelling"),
    ],
)
def test_a_malformed_file_names_the_file_the_field_and_the_fix_and_the_rest_still_load(tmp_path, content, field, fix):
    (tmp_path / "bad.toml").write_text(content)
    (tmp_path / "sage.toml").write_text(GOOD.format(id="sage"))
    personas = load_personas(tmp_path)
    assert "sage" in personas and "bad" not in personas and "cipher" in personas
    assert len(personas.errors) >= 1
    error = personas.errors[0]
    assert error.path == str(tmp_path / "bad.toml")
    assert error.field == field
    text = str(error)
    assert str(tmp_path / "bad.toml") in text and fix in text


def test_a_missing_directory_and_unreadable_bytes_are_reported(tmp_path):
    assert "does not exist" in str(load_personas(tmp_path / "nope").errors[0])
    (tmp_path / "latin.toml").write_bytes(b'name = "caf\xe9"')
    assert "UTF-8" in str(load_personas(tmp_path).errors[0])


async def test_the_server_reads_FIRSTWORD_PERSONAS_DIR_and_lists_personas_and_errors(tmp_path, monkeypatch):
    (tmp_path / "sage.toml").write_text(GOOD.format(id="sage"))
    (tmp_path / "broken.toml").write_text("name = ")
    monkeypatch.setenv("FIRSTWORD_PERSONAS_DIR", str(tmp_path))
    settings = Settings()
    assert settings.personas_dir == str(tmp_path)
    app = create_app(settings, fake_engines(ScriptedLlm(reply=["Ok", "."])), tools=ScriptedToolRunner())
    async with InLoopServer(app) as srv, httpx.AsyncClient(base_url=srv.url) as http:
        listed = (await http.get("/personas")).json()
        assert {p["id"] for p in listed["personas"]} == {"atlas", "cipher", "nova", "copilot", "sage"}
        assert "copilot" not in listed["board"] and "sage" in listed["board"]
        assert len(listed["errors"]) == 1 and "broken.toml" in listed["errors"][0]
        created = await http.post("/sessions", json={"persona": "sage"})
        assert created.status_code == 201, created.text
        unknown = await http.post("/sessions", json={"persona": "oracle"})
        assert unknown.status_code == 400 and "choose one of" in unknown.json()["error"]["message"]
