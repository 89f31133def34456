"""The pages people use: the copilot overlay and the read-only observer page (static files)."""
