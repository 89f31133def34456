"""Passwords: argon2id (argon2-cffi), hashed and verified off the event loop.

Each hash takes ``memory_kib`` of memory and most of a core for tens of milliseconds, so hashing
runs in a worker thread and at most ``concurrency`` at once: a burst of logins queues here rather
than stalling every other request or multiplying the memory.
"""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from firstword.config import HiringConfig
from firstword.hiring.service.errors import invalid

# NIST SP 800-63B-4 asks for at least 15 characters when a password is the only factor and
# allows 8 with another one; 12 is a long passphrase's floor for a tool that has no second
# factor yet but is not public-facing by default.
MIN_LENGTH = 12
# Long enough for any passphrase or manager-made password; bounds the work one request buys.
MAX_LENGTH = 1024


def check_new_password(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise invalid(f"the password must have at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise invalid(f"the password must have at most {MAX_LENGTH} characters")


class Passwords:
    def __init__(self, config: HiringConfig) -> None:
        self._hasher = PasswordHasher(
            time_cost=config.argon2_time_cost,
            memory_cost=config.argon2_memory_kib,
            parallelism=config.argon2_parallelism,
        )
        self._slots = asyncio.Semaphore(max(1, config.argon2_concurrency))
        # Verified against when the email is unknown, so that the answer takes as long as for a
        # known one (no account discovery by timing).
        self._dummy = self._hasher.hash("not a password of anyone")

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, stored: str | None, password: str) -> bool:
        async with self._slots:
            return await asyncio.to_thread(self._verify, stored, password)

    def _verify(self, stored: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(stored or self._dummy, password) and stored is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        return self._hasher.check_needs_rehash(stored)
