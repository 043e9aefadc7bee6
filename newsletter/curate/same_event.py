"""Same event, told twice: which of the day's stories selection joins instead of placing again.

Grouping (:mod:`.cluster`) joins stories whose words overlap enough. Two articles on one event
can still be worded apart — "Roofs torn off as storm Lyra reaches Norland" and "Storm Lyra
batters Norland's coast" — and the redundancy penalty of selection only lowers the second.
What such headlines share are names: a storm's, a town's, a company's, found in few of the
day's stories.

Two stories tell the same event when their headlines share at least ``_MIN_SHARED`` terms
(:func:`..text.matching.terms`), of which ``_MIN_NAMES`` are distinct names that at most
max(2, ``_RARE_SHARE`` of the day's stories) mention, and their headlines and summaries are
not far apart (cosine at least ``_MIN_SIMILARITY``). Names alone are not enough: two pieces
naming the same two countries are often different events (a summit, a shelling), and their
summaries say so. One name is not enough either: a park's name and "crash" are shared by a
new accident and a victim's story of an old one.

A name is a word the day's own text writes with a capital inside a sentence more often than
in lower case: sentence starts and title-case headlines ("Shares Fall As Bank Raises Rates")
tell nothing. Adjacent name words, and those joined by "of (the)" / "de (la)", "du", "des",
are one name ("Bank of Norland"); a possessive ends one. A script without capitals (Arabic)
has no names: there nothing is joined, and the redundancy penalty alone applies.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..models import Story
from ..text.matching import terms, written_words

_MIN_SHARED = 3  # headline terms both stories carry, names included
_MIN_NAMES = 2  # distinct rare names among them
_RARE_SHARE = 0.1  # a name in more of the day's stories than this is a topic, not an event
_MIN_SIMILARITY = 0.1  # and the texts as a whole at least this close (cluster.tfidf_vectors)
_TITLE_CASE = 0.85  # a text whose inner content words are this capitalised is in title case
_OPENERS = frozenset(".!?:;«\"“‘'—–-|([…")  # a word after one of these starts a sentence
_CONNECTORS = {"en": (("of", "the"), ("of",)),
               "fr": (("de", "la"), ("de",), ("du",), ("des",))}
_ELISION = re.compile(r"^(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu|quoiqu)['’]")
_POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)
_HYPHENS = frozenset("-‐‑")  # "Saint-Denis", "Rolls-Royce": one name


@dataclass(frozen=True)
class _Headline:
    """One headline as the test reads it: its terms, and its names (terms, as written)."""

    terms: frozenset[str]
    names: tuple[tuple[frozenset[str], str], ...]


class SameEvent:
    """The day's names and how many stories use each word; the same-event test on two of them."""

    def __init__(self, stories: Sequence[Story]) -> None:
        capital: Counter[str] = Counter()
        lower: Counter[str] = Counter()
        self._df: Counter[str] = Counter()
        for story in stories:
            seen: set[str] = set()
            for text in (story.title, story.summary):
                words = _read(text, story.language)
                seen.update(t for _, _, _, word_terms in words for t in word_terms)
                if _title_case(words):
                    continue
                for _, capitalised, initial, word_terms in words:
                    if not initial:
                        (capital if capitalised else lower).update(word_terms)
            self._df.update(seen)
        self._names = frozenset(t for t, n in capital.items() if n > lower[t])
        self._rare = max(2.0, _RARE_SHARE * len(stories))
        self._headlines: dict[str, _Headline] = {}

    def names_shared(self, a: Story, b: Story, similarity: float) -> tuple[str, ...]:
        """The rare names the two headlines share when they tell the same event, else ().

        ``similarity`` is the stories' cosine in selection's redundancy test (headline and
        summary): below ``_MIN_SIMILARITY`` their texts tell different things.
        """
        if similarity < _MIN_SIMILARITY:
            return ()
        first, second = self._headline(a), self._headline(b)
        if len(first.terms & second.terms) < _MIN_SHARED:
            return ()
        shared = _union(first.names) & _union(second.names)
        rare = [group for group in _groups(shared, [n for n, _ in first.names + second.names])
                if min(self._df[t] for t in group) <= self._rare]
        if len(rare) < _MIN_NAMES:
            return ()
        found: list[str] = []  # as the first headline writes them, in its order
        for group in sorted(rare, key=lambda g: min(k for k, (n, _) in enumerate(first.names)
                                                      if n & g)):
            found.append(next(written for n, written in first.names if n & group))
        return tuple(found)

    def _headline(self, story: Story) -> _Headline:
        known = self._headlines.get(story.id)
        if known is None:
            known = self._headlines[story.id] = self._read_headline(story)
        return known

    def _read_headline(self, story: Story) -> _Headline:
        title, language = story.title, story.language
        words = written_words(title)
        per_word = [_terms(word, language) for word, _, _ in words]
        is_name = [bool(ts) and all(t in self._names for t in ts) for ts in per_word]
        names: list[tuple[frozenset[str], str]] = []
        start: int | None = None
        k = 0
        while k < len(words):
            if is_name[k]:
                start = k if start is None else start
                step = _joined(words, is_name, k, title, language)
                if step:
                    k += step
                    continue
                names.append((frozenset(t for ts in per_word[start:k + 1] for t in ts),
                              _as_shown(title[words[start][1]:words[k][2]])))
                start = None
            k += 1
        return _Headline(frozenset(t for ts in per_word for t in ts), tuple(names))


def _read(text: str, language: str) -> list[tuple[str, bool, bool, tuple[str, ...]]]:
    """Each word of ``text``: as written, capitalised, first of its sentence, its terms."""
    out = []
    for word, start, _ in written_words(text):
        before = text[:start].rstrip()
        mark = before[-1:]  # a hyphen opens a clause only with a space after it, not in "Saint-Aubin"
        initial = not mark or mark in _OPENERS and (mark not in _HYPHENS or len(before) < start)
        out.append((word, _ELISION.sub("", word)[:1].isupper(), initial, _terms(word, language)))
    return out


def _as_shown(name: str) -> str:
    """A name as a reason shows it: "Ambrac" for "d'Ambrac", "Norland" for "Norland's"."""
    return _POSSESSIVE.sub("", _ELISION.sub("", name))


def _title_case(words: list[tuple[str, bool, bool, tuple[str, ...]]]) -> bool:
    """Whether a text capitalises its content words throughout (its capitals say nothing)."""
    inner = [capitalised for _, capitalised, initial, word_terms in words
             if word_terms and not initial]
    return len(inner) >= 3 and sum(inner) >= _TITLE_CASE * len(inner)


def _joined(words: list[tuple[str, int, int]], is_name: list[bool], k: int, title: str,
            language: str) -> int:
    """How many words on the name word ``k``'s name goes on (to the next name word), or 0."""
    if _POSSESSIVE.search(words[k][0]):
        return 0
    for connector in ((), *_CONNECTORS.get(language, ())):
        after = k + 1 + len(connector)
        if after >= len(words) or not is_name[after]:
            continue
        between = [w.lower() for w, _, _ in words[k + 1:after]]
        gaps = [title[words[i][2]:words[i + 1][1]] for i in range(k, after)]
        if tuple(between) == connector and all(not g.strip() or g in _HYPHENS for g in gaps):
            return 1 + len(connector)
    return 0


def _union(names: tuple[tuple[frozenset[str], str], ...]) -> frozenset[str]:
    return frozenset(t for group, _ in names for t in group)


def _groups(shared: frozenset[str], names: list[frozenset[str]]) -> list[frozenset[str]]:
    """The shared name terms, grouped: terms of one name in either headline are one name."""
    groups: list[frozenset[str]] = []
    for term in sorted(shared):
        linked = frozenset({term} | {t for n in names if term in n for t in n if t in shared})
        touching = [g for g in groups if g & linked]
        groups = [g for g in groups if not g & linked] + [linked.union(*touching)]
    return groups


@lru_cache(maxsize=65536)
def _terms(word: str, language: str) -> tuple[str, ...]:
    return tuple(terms(word, language))
