"""Language detection: fr or en by stopwords, ar by script."""

from __future__ import annotations

import re

from .words import WORD, stopwords

_ARABIC = re.compile(r"[\u0600-\u06ff]")


def detect_language(text: str, candidates: tuple[str, ...] = ("fr", "en")) -> str:
    """The likeliest of fr, en (by stopwords) or ar (by script); 'und' if unsure."""
    if not text.strip():
        return "und"
    letters = sum(ch.isalpha() for ch in text) or 1
    if len(_ARABIC.findall(text)) / letters > 0.3:
        return "ar"
    found = [w.lower() for w in WORD.findall(text)]
    scores = {lang: sum(w in stopwords(lang) for w in found) for lang in candidates}
    best = max(candidates, key=lambda lang: (scores[lang], lang == candidates[0]))
    return best if scores[best] >= 2 else "und"
