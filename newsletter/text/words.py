"""Words and stopwords for fr, en and ar: counting reading time, tokens for comparing texts."""

from __future__ import annotations

import re
from functools import lru_cache

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


WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)
_ELISION = re.compile(r"^(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu|quoiqu)['’]", re.IGNORECASE)


def words(text: str) -> list[str]:
    """The words of a text, as written (for counting reading time)."""
    return WORD.findall(text)


def word_count(text: str) -> int:
    return len(WORD.findall(text))


def tokens(text: str, language: str) -> list[str]:
    """Lower-cased content words: elisions split off, stopwords and short tokens dropped."""
    stop = stopwords(language)
    out = []
    for word in WORD.findall(text.lower()):
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
