"""Answerer: persona + profile + question → prompt → LLM stream."""
