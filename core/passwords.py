"""Argon2id password hashing; cost parameters come from settings (tests use cheap ones)."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024


class PasswordHasher:
    """Hashes and verifies off the event loop, since argon2 is deliberately slow."""

    def __init__(self, time_cost: int = 3, memory_kib: int = 65536) -> None:
        self._argon2 = _Argon2(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)
        # A hash to verify against when the user does not exist, so timing does not reveal usernames.
        self._dummy = self._argon2.hash("not-a-real-password-for-timing")

    def hash(self, password: str) -> str:
        return self._argon2.hash(password)

    async def hash_async(self, password: str) -> str:
        return await asyncio.to_thread(self._argon2.hash, password)

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        def _check() -> bool:
            try:
                return self._argon2.verify(stored_hash or self._dummy, password) and stored_hash is not None
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return False

        return await asyncio.to_thread(_check)
