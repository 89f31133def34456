"""Pipelines: the stages wired together for one session."""
