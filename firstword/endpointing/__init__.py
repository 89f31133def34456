"""Endpointing: voice activity per chunk, and a turn policy that turns it into speech events."""
