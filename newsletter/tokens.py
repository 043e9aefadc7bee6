"""Signed, opaque tokens for links in emails: one salt per purpose, SHA-256, no address inside."""

from __future__ import annotations

import hashlib

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from .errors import TokenError

UNSUBSCRIBE = "unsubscribe"
CONFIRM = "confirm"
PREFERENCES = "preferences"


class Tokens:
    """Makes and checks tokens that carry only a subscriber id."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _serializer(self, purpose: str) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(
            self._secret, salt=f"newsletter.{purpose}",
            signer_kwargs={"digest_method": hashlib.sha256},
        )

    def make(self, purpose: str, subscriber_id: int) -> str:
        return str(self._serializer(purpose).dumps({"s": subscriber_id}))

    def read(self, purpose: str, token: str, max_age: int | None = None) -> int:
        """The subscriber id in a token; TokenError if tampered, expired or for another purpose."""
        try:
            payload = self._serializer(purpose).loads(token, max_age=max_age)
        except SignatureExpired as exc:
            raise TokenError("this link has expired") from exc
        except BadSignature as exc:
            raise TokenError("this link is invalid or was altered") from exc
        if not isinstance(payload, dict) or not isinstance(payload.get("s"), int):
            raise TokenError("this link is invalid or was altered")
        return int(payload["s"])
