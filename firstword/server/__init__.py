"""Transports: HTTP, WebSocket and SSE (FastAPI + uvicorn)."""
