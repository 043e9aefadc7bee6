"""Language-aware text helpers: sentences, words and stopwords for fr, en and ar."""

from __future__ import annotations

import re
from functools import lru_cache

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

_STOPWORDS = {
    "fr": """a au aux avec ce ces cet cette dans de des du elle elles en et eux il ils je la le
        les leur leurs lui ma mais me même mes moi mon ne nos notre nous on ou où par pas pour
        qu que qui sa se ses son sur ta te tes toi ton tu un une vos votre vous c d j l m n s t y
        été être avoir a ont est sont était sera fait plus moins très aussi ainsi alors comme
        depuis entre sans sous selon après avant contre chez lors dont cela ça tout tous toute
        toutes autre autres deux trois si non oui bien encore déjà peu ici là leur ceux celle
        celui celles hier aujourd hui demain ans an jeudi mercredi mardi lundi vendredi samedi
        dimanche""",
    "en": """a an the and or but if of at by for with about against between into through
        during before after above below to from up down in out on off over under again further
        then once here there when where why how all any both each few more most other some such
        no nor not only own same so than too very s t can will just don should now i me my we
        our you your he him his she her it its they them their what which who whom this that
        these those am is are was were be been being have has had having do does did doing
        would could says said say also new one two three year years monday tuesday wednesday
        thursday friday saturday sunday yesterday today""",
    "ar": """في من على إلى عن مع هذا هذه ذلك التي الذي الذين ما لا لم لن قد كان كانت يكون أن
        إن أو ثم كما بعد قبل حتى عند بين كل هو هي هم نحن أنا""",
}


def stopwords(language: str) -> frozenset[str]:
    """The stopwords of a language (empty for an unknown one)."""
    return _stopword_set(language)


@lru_cache(maxsize=8)
def _stopword_set(language: str) -> frozenset[str]:
    return frozenset(_STOPWORDS.get(language, "").split())


_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)
_ELISION = re.compile(r"^(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu|quoiqu)['’]", re.IGNORECASE)


def words(text: str) -> list[str]:
    """The words of a text, as written (for counting reading time)."""
    return _WORD.findall(text)


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def tokens(text: str, language: str) -> list[str]:
    """Lower-cased content words: elisions split off, stopwords and short tokens dropped."""
    stop = stopwords(language)
    out = []
    for word in _WORD.findall(text.lower()):
        word = _ELISION.sub("", word)
        for part in re.split(r"['’]", word):
            if len(part) > 1 and part not in stop and not part.isdigit():
                out.append(_stem(part, language))
    return out


def _stem(word: str, language: str) -> str:
    """A very light stemmer: plural endings only, enough to match 'tempêtes' and 'tempête'."""
    if language in ("fr", "en") and len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


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


_ARABIC = re.compile(r"[\u0600-\u06ff]")


def detect_language(text: str, candidates: tuple[str, ...] = ("fr", "en")) -> str:
    """The likeliest of fr, en (by stopwords) or ar (by script); 'und' if unsure."""
    if not text.strip():
        return "und"
    letters = sum(ch.isalpha() for ch in text) or 1
    if len(_ARABIC.findall(text)) / letters > 0.3:
        return "ar"
    found = [w.lower() for w in _WORD.findall(text)]
    scores = {lang: sum(w in stopwords(lang) for w in found) for lang in candidates}
    best = max(candidates, key=lambda lang: (scores[lang], lang == candidates[0]))
    return best if scores[best] >= 2 else "und"
