"""Session hub: one ordered event log per session, fanned out to every subscriber."""
