"""LLM engines: an async, cancellable stream of text deltas behind one interface."""
