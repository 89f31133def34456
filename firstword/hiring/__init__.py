"""Hiring: validated questionnaires, their scoring and campaign-level reliability.

Pure Python, off the live path: nothing here touches the audio pipeline or the server.
"""
