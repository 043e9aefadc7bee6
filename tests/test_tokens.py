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


# -- story links (issue 19): issue, edition and story, never a subscriber ------------------


def test_story_links_round_trip_short_and_url_safe() -> None:
    from datetime import date

    from newsletter.tokens import StoryLinks

    links = StoryLinks(SECRET)
    hex_id = "0123456789abcdef0123456789abcdef"
    made = links.make(date(2026, 12, 3), "fr", hex_id)
    assert len(made) == 47 and made.replace("-", "").replace("_", "").isalnum()
    assert links.read(made) == (date(2026, 12, 3), "fr", hex_id)
    assert links.make(date(2026, 12, 3), "fr", hex_id) == made  # the same for every reader
    odd = links.make(date(2026, 12, 4), "ar", "Edited-Story 7")  # not 32 hex: kept as text
    assert links.read(odd) == (date(2026, 12, 4), "ar", "Edited-Story 7")


def test_story_links_refuse_forged_altered_and_foreign_tokens() -> None:
    from datetime import date

    from newsletter.tokens import StoryLinks

    made = StoryLinks(SECRET).make(date(2026, 12, 3), "fr", "0123456789abcdef0123456789abcdef")
    flipped = made[:10] + ("A" if made[10] != "A" else "B") + made[11:]  # another date/story
    others = [flipped, made[:-1], made + "A", "", "x" * 20, "é" * 20, "A" * 401,
              Tokens(SECRET).make(UNSUBSCRIBE, 1),
              StoryLinks(b"another secret, also forty characters!!").make(
                  date(2026, 12, 3), "fr", "0123456789abcdef0123456789abcdef")]
    for token in others:
        with pytest.raises(TokenError):
            StoryLinks(SECRET).read(token)
