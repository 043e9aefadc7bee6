"""Optional abstractive summaries from any OpenAI-compatible chat-completions endpoint.

Off by default. Every answer is cached in the store by a hash of what was asked, so a
re-build costs nothing; any error, timeout or unusable answer falls back to the
extractive summary (the caller keeps it), and after a few failures in a row the
endpoint is left alone for the rest of the build.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

import requests

from ..models import Story
from ..text import word_count

log = logging.getLogger(__name__)

LANGUAGE_NAMES = {"fr": "French", "en": "English", "ar": "Arabic"}
PROMPT_VERSION = "v1"
MAX_FAILURES_IN_A_ROW = 3
MAX_INPUT_CHARS = 6000


@dataclass(frozen=True)
class ChatSettings:
    base_url: str
    model: str
    api_key: str
    timeout: float = 20.0


class SummaryCache:
    """What the summariser needs from the store."""

    def __init__(self, get: Callable[[str], str | None], put: Callable[[str, str], None]) -> None:
        self.get = get
        self.put = put


class ChatSummariser:
    """Callable(story, max_words) -> summary or None (None: use the extractive one)."""

    def __init__(self, settings: ChatSettings, cache: SummaryCache,
                 session: requests.Session | None = None) -> None:
        self.settings = settings
        self.cache = cache
        self.session = session or requests.Session()
        self.failures_in_a_row = 0
        self.calls = 0
        self.errors: list[str] = []

    def key(self, story: Story, max_words: int) -> str:
        raw = "\x1f".join([PROMPT_VERSION, self.settings.model, story.language, str(max_words),
                           story.title, story.text[:MAX_INPUT_CHARS]])
        return hashlib.sha256(raw.encode()).hexdigest()

    def __call__(self, story: Story, max_words: int) -> str | None:
        key = self.key(story, max_words)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        if self.failures_in_a_row >= MAX_FAILURES_IN_A_ROW:
            return None
        try:
            summary = self._ask(story, max_words)
        except (requests.RequestException, ValueError, KeyError, IndexError, TypeError) as exc:
            self.failures_in_a_row += 1
            self.errors.append(f"{story.url}: {type(exc).__name__}: {str(exc)[:120]}")
            log.warning("abstractive summary failed for %s: %s", story.url, exc)
            return None
        self.failures_in_a_row = 0
        self.cache.put(key, summary)
        return summary

    def _ask(self, story: Story, max_words: int) -> str:
        language = LANGUAGE_NAMES.get(story.language, "the article's language")
        system = (f"You write the summaries of a morning news briefing. Summarise the article "
                  f"in {language}, in two or three factual sentences and at most {max_words} "
                  f"words. No title, no preamble, no opinion, nothing that is not in the article.")
        body = {
            "model": self.settings.model,
            "temperature": 0.2,
            "max_tokens": max_words * 4,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": f"{story.title}\n\n{story.text[:MAX_INPUT_CHARS]}"},
            ],
        }
        self.calls += 1
        response = self.session.post(
            f"{self.settings.base_url.rstrip('/')}/chat/completions", json=body,
            headers={"Authorization": f"Bearer {self.settings.api_key}"},
            timeout=(min(5.0, self.settings.timeout), self.settings.timeout),
        )
        response.raise_for_status()
        text = clean_answer(response.json()["choices"][0]["message"]["content"])
        if not text:
            raise ValueError("empty answer")
        if word_count(text) > max_words:
            raise ValueError(f"answer of {word_count(text)} words, over {max_words}")
        return text


def clean_answer(text: str) -> str:
    """The answer as plain prose: no markdown emphasis, list marks or wrapping quotes."""
    text = re.sub(r"[*_`#]+", "", str(text)).strip()
    text = re.sub(r"^\s*(?:[-•]\s+|\d+\.\s+)", "", text, flags=re.M)
    text = " ".join(text.split())
    if len(text) > 1 and text[0] in "\"“«" and text[-1] in "\"”»":
        text = text[1:-1].strip()
    return text
