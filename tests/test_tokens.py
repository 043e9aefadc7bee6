"""Tokens: what the fast path makes is exactly what itsdangerous makes and reads."""

from __future__ import annotations

import hashlib

import pytest
from itsdangerous import URLSafeTimedSerializer

from newsletter.errors import TokenError
from newsletter.tokens import CONFIRM, PREFERENCES, UNSUBSCRIBE, Tokens

SECRET = b"t" * 40


@pytest.mark.parametrize("subscriber_id", [1, 42, 10**9])
def test_made_tokens_are_itsdangerous_tokens(subscriber_id: int) -> None:
    tokens = Tokens(SECRET)
    reference = URLSafeTimedSerializer(SECRET, salt="newsletter.unsubscribe",
                                       signer_kwargs={"digest_method": hashlib.sha256})
    made = tokens.make(UNSUBSCRIBE, subscriber_id)
    assert reference.loads(made) == {"s": subscriber_id}
    assert made.split(".")[0] == reference.dumps({"s": subscriber_id}).split(".")[0]
    assert tokens.read(UNSUBSCRIBE, made) == subscriber_id


def test_a_token_for_one_purpose_is_refused_for_another_and_when_altered() -> None:
    tokens = Tokens(SECRET)
    made = tokens.make(PREFERENCES, 7)
    with pytest.raises(TokenError):
        tokens.read(UNSUBSCRIBE, made)
    with pytest.raises(TokenError):
        tokens.read(PREFERENCES, made[:-2] + ("AA" if not made.endswith("AA") else "BB"))
    with pytest.raises(TokenError):
        Tokens(b"u" * 40).read(PREFERENCES, made)
    assert tokens.read(CONFIRM, tokens.make(CONFIRM, 7)) == 7
