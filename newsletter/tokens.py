"""Signed, opaque tokens for links in emails: one salt per purpose, SHA-256, no address inside."""

from __future__ import annotations

import hashlib

from itsdangerous import BadSignature, SignatureExpired, Signer, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode, int_to_bytes

from .errors import TokenError

UNSUBSCRIBE = "unsubscribe"
CONFIRM = "confirm"
PREFERENCES = "preferences"


class Tokens:
    """Makes and checks tokens that carry only a subscriber id."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        self._serializers: dict[str, URLSafeTimedSerializer] = {}
        self._signers: dict[str, Signer] = {}

    def _serializer(self, purpose: str) -> URLSafeTimedSerializer:
        serializer = self._serializers.get(purpose)
        if serializer is None:
            serializer = self._serializers[purpose] = URLSafeTimedSerializer(
                self._secret, salt=f"newsletter.{purpose}",
                signer_kwargs={"digest_method": hashlib.sha256},
            )
        return serializer

    def make(self, purpose: str, subscriber_id: int, *, at: int | None = None) -> str:
        """What ``URLSafeTimedSerializer.dumps({"s": id})`` gives, five times faster.

        A send makes two tokens per message; the payload is always one small integer,
        so its compact JSON is written directly (itsdangerous compresses only payloads
        that shrink, never this one) and the signer is made once per purpose. ``at`` (a
        Unix time) dates the token then instead of now: a message built again after a
        crash is then byte-identical, as an idempotent provider's replay requires.
        """
        signer = self._signers.get(purpose)
        if signer is None:
            serializer = self._serializer(purpose)
            signer = self._signers[purpose] = serializer.make_signer(serializer.salt)
        payload = base64_encode(b'{"s":%d}' % int(subscriber_id))
        if at is None:
            return signer.sign(payload).decode("ascii")
        sep = signer.sep  # bytes in itsdangerous 2.x
        value = payload + sep + base64_encode(int_to_bytes(at))
        return (value + sep + signer.get_signature(value)).decode("ascii")

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
