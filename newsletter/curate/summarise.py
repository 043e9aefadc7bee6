"""Extractive summaries: the central sentences of an article, lead-biased, within a word budget."""

from __future__ import annotations

import math
import re
from collections import Counter

from ..text import split_sentences, tokens, word_count

_BOILERPLATE_PARAGRAPH = re.compile(
    r"^(?:lire (?:la suite|aussi|également)|read more|continue reading|en savoir plus"
    r"|voir aussi|see also|related:|à lire aussi|photo\s*:|crédit|©|\(c\))"
    r"|^(?:par|by|avec|with)\s+[A-ZÀ-Ý][^.!?]{0,80}$",
    re.IGNORECASE,
)
_BOILERPLATE_INLINE = re.compile(
    r"(?:the post .{1,200}? appeared first on .{1,100}?\.?$)"
    r"|(?:cet article .{1,200}? est apparu en premier sur .{1,100}?\.?$)"
    r"|(?:\[?(?:…|\.\.\.)\]?\s*(?:lire la suite|read more|continue reading)\W*$)"
    r"|(?:\s(?:lire la suite|read more)\s*(?:»|›|→)?\s*$)",
    re.IGNORECASE,
)


# "PARIS, 26 novembre (Agence) – ", "New Delhi, India (CNN) -- ", "(CNN)": a dateline.
_DATELINE = re.compile(
    r"^(?:[A-ZÀ-Ý][^()\n.!?,]{0,40},[^()\n.!?]{0,40}\s)?\((?:[A-ZÀ-Ý][\w .&'’-]{0,40})\)\s*"
    r"(?:--|[-–—:])?\s*"
    r"(?=[\"“«A-ZÀ-Ý0-9])"
)


def strip_boilerplate(text: str) -> str:
    """Drop the dateline, bylines, 'Read more' and 'The post … appeared first on …' lines."""
    text = _DATELINE.sub("", text.lstrip(), count=1)
    kept = []
    for paragraph in text.split("\n\n"):
        paragraph = _BOILERPLATE_INLINE.sub("", paragraph.strip()).strip()
        if paragraph and not _BOILERPLATE_PARAGRAPH.match(paragraph):
            kept.append(paragraph)
    return "\n\n".join(kept)


def summarise(text: str, language: str, *, max_words: int, max_sentences: int = 3) -> str:
    """Two or three sentences from the text, in their original order, within max_words."""
    sentences = [s for s in split_sentences(strip_boilerplate(text), language) if word_count(s)]
    if not sentences:
        return ""
    scores = _scores(sentences, language)
    order = sorted(range(len(sentences)), key=lambda i: (-scores[i], i))
    chosen: list[int] = []
    used = 0
    for i in order:
        n = word_count(sentences[i])
        if n < 6 and len(sentences) > 1:  # "Living under ISIS." says little alone
            continue
        if used + n <= max_words:
            chosen.append(i)
            used += n
        if len(chosen) == max_sentences:
            break
    if not chosen:
        return truncate_words(sentences[order[0]], max_words)
    return " ".join(sentences[i] for i in sorted(chosen))


def _scores(sentences: list[str], language: str) -> list[float]:
    """Centrality (mean cosine to the other sentences) blended with a lead-position prior."""
    bags = [Counter(tokens(s, language)) for s in sentences]
    n = len(sentences)
    centrality = []
    for i, bag in enumerate(bags):
        total = sum(_cosine(bag, other) for j, other in enumerate(bags) if j != i)
        centrality.append(total / (n - 1) if n > 1 else 1.0)
    top = max(centrality) or 1.0
    return [0.55 / (1 + i) + 0.45 * (c / top) for i, c in enumerate(centrality)]


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(v * b.get(k, 0) for k, v in a.items())
    return dot / (math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values())))


_QUOTES = {"«": "»", "“": "”", '"': '"'}


def truncate_words(text: str, max_words: int) -> str:
    """At most max_words words, cut between words and never inside a quotation, with '…'."""
    parts = text.split()
    if len(parts) <= max_words:
        return text
    cut = parts[:max_words]
    while cut and _open_quote(" ".join(cut)):
        cut.pop()
    return (" ".join(cut).rstrip(",;:–—-") + " …") if cut else ""


def _open_quote(text: str) -> bool:
    for opening, closing in _QUOTES.items():
        if opening == closing:
            if text.count(opening) % 2:
                return True
        elif text.count(opening) > text.count(closing):
            return True
    return False
