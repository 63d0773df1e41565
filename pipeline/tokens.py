"""Rotating refresh tokens (TikTok; X and others with OAuth 2.0) kept where the next run finds them.

A rotated refresh token must be saved the moment it is issued: the old one stops working. A
GitHub Actions token cannot write repository secrets, but the publish job can already write the
data branch, so the newest token is kept there, encrypted with Fernet (AES-128-CBC + HMAC) under
`KONTEN_TOKEN_KEY`, a secret only the publish environment holds. The secret the admin set
(e.g. `TIKTOK_REFRESH_TOKEN`) is the starting point until a newer one has been saved; the saved
one remembers (as a SHA-256) which secret it descends from, so when the admin authorises the app
again and sets a new secret, that one wins.
"""

from __future__ import annotations

import hashlib
import os

from cryptography.fernet import Fernet, InvalidToken

from pipeline.ledger import Conflict, Store

KEY_ENV = "KONTEN_TOKEN_KEY"


class MissingTokenKey(RuntimeError):
    """A rotated token cannot be kept: without it the next run cannot log in."""


class EncryptedTokens:
    def __init__(self, store: Store, environ: dict[str, str] | None = None) -> None:
        self.store = store
        self.env = dict(os.environ if environ is None else environ)
        key = self.env.get(KEY_ENV, "").strip()
        self.fernet = Fernet(key.encode()) if key else None

    @staticmethod
    def path(name: str) -> str:
        return f"tokens/{name.lower()}.enc"

    def seed(self, name: str) -> str:
        """Which of the admin's secrets a saved token descends from (a hash, never the value)."""
        return "seed:" + hashlib.sha256(self.env.get(name, "").strip().encode()).hexdigest()

    def load(self, name: str) -> str | None:
        """The newest saved value of `name`, unless the admin set a new secret since; else the secret."""
        secret = self.env.get(name, "").strip() or None
        if self.fernet is not None:
            text, _ = self.store.get(self.path(name))
            seed, _, cipher = (text or "").strip().rpartition("\n")
            if cipher and (not seed or seed == self.seed(name)):
                try:
                    return self.fernet.decrypt(cipher.encode()).decode()
                except InvalidToken:
                    pass  # saved under another key: fall back to the admin's secret
        return secret

    def save(self, name: str, value: str) -> None:
        if self.fernet is None:
            raise MissingTokenKey(name)
        data = f"{self.seed(name)}\n{self.fernet.encrypt(value.encode()).decode()}\n"
        for _ in range(5):
            _, version = self.store.get(self.path(name))
            try:
                self.store.put(self.path(name), data, version, f"tokens: rotate {name.lower()}")
                return
            except Conflict:
                continue
        raise Conflict(self.path(name))
