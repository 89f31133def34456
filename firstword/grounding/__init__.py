"""Grounding: the profile as facts, the question's type, the facts that answer it, and the first
words of an answer made only of them (see ``grounding.Grounding``)."""

from firstword.grounding.grounding import Grounded, Grounding

__all__ = ["Grounded", "Grounding"]
