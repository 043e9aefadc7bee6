"""Sentences of a text, knowing each language's abbreviations and quotation marks."""

from __future__ import annotations

import re

_ABBREVIATIONS = {
    "fr": {"m", "mm", "mme", "mmes", "mlle", "dr", "pr", "me", "mgr", "st", "ste", "cf",
           "p", "ex", "env", "av", "apr", "j.-c", "n°", "no", "vol", "chap", "art", "min",
           "max", "hab", "tél", "ibid", "op", "cit", "gén", "col", "cdt", "lt", "sgt"},
    "en": {"mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "gen", "gov", "sen", "rep",
           "lt", "col", "capt", "sgt", "inc", "ltd", "co", "corp", "vs", "no", "nos",
           "jan", "feb", "mar", "apr", "aug", "sept", "sep", "oct", "nov", "dec", "approx",
           "dept", "est", "fig", "a.m", "p.m", "u.s", "u.k", "u.n", "e.g", "i.e", "d.c"},
    "ar": set(),
}


_GLUED = re.compile(r"(?<=[a-zà-ÿ])([.!?])(?=[A-ZÀ-Ý][a-zà-ÿ])")
_BOUNDARY = re.compile(r"[.!?…؟]+(?:\u00a0?\s?[\"”»’)\]])*(?=\s+|$)|[\"”»’][.!?…]+(?=\s+|$)")
_OPENING = {"«": "»", "“": "”"}


def split_sentences(text: str, language: str) -> list[str]:
    """Sentences of a text, knowing each language's abbreviations and quotation marks.

    A sentence never ends inside « … » or “ … ”, after an abbreviation (« M. », « U.S. »)
    or after a single initial.
    """
    text = _GLUED.sub(r"\1 ", re.sub(r"\s+", " ", text.replace("\u00a0", " "))).strip()
    if not text:
        return []
    abbreviations = _ABBREVIATIONS.get(language, set()) | _ABBREVIATIONS["en"]
    sentences, start = [], 0
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        candidate = text[start:end]
        if _inside_quote(candidate) or _ends_with_abbreviation(candidate, abbreviations):
            continue
        following = text[end:].lstrip()
        if following and following[0].islower():  # "etc., etc. et puis": no new sentence
            continue
        sentences.append(candidate.strip())
        start = end
    rest = text[start:].strip()
    if rest:
        sentences.append(rest)
    return sentences


def _inside_quote(text: str) -> bool:
    return any(text.count(opening) > text.count(closing) for opening, closing in _OPENING.items())


def _ends_with_abbreviation(text: str, abbreviations: set[str]) -> bool:
    stripped = text.rstrip("\"”»’)] ")
    if not stripped.endswith("."):
        return False
    last = stripped.rsplit(None, 1)[-1].lstrip("(«“\"'")
    bare = last.rstrip(".").lower()
    if bare in abbreviations:
        return True
    if len(bare) == 1 and bare.isalpha():  # an initial: « J. Dupont »
        return True
    return bool(re.fullmatch(r"(?:[a-z]\.){1,}[a-z]", bare))  # U.S, e.g, a.m
