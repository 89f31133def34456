"""Random ids and bearer tokens, and what is stored of a token (its SHA-256)."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_id() -> str:
    return secrets.token_hex(16)


def new_token() -> str:
    # 256 random bits: guessing one is out of reach, so a fast hash is enough to store it.
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
