"""Words for telling whether two stories are about the same thing (fr, en, ar).

Separate from :mod:`.words`, whose tokens feed the summariser: these are tuned for matching
headlines. Lower-cased content words, with:

- French elisions split off ("l'Élysée" gives "élysée"), English possessives dropped;
- acronyms written with dots joined ("U.N." gives "un"), decimals kept ("2,5" gives "2.5");
- stems: Snowball for French, a light prefix/suffix stripper for Arabic. English words keep
  their written form, because on labelled English headlines Snowball grouped slightly worse
  (benchmarks/clusters.py);
- broad stopword lists, since function words and calendar words link unrelated stories.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import snowballstemmer  # type: ignore[import-untyped]

_STOPWORDS = {
    "en": """a about above across after afterwards again against ago all almost alone along
        already also although always am amid among an and another any anyone anything anyway are
        around as at away back be became because become becomes been before behind being below
        beside besides between beyond both but by can cannot could did do does doing done down due
        during each either else enough especially even ever every everyone everything few first for
        former from full further get gets getting give given go goes going gone got had has have
        having he her here hers herself him himself his how however i if in inc including into is
        it its itself just keep last later least less like made make makes many may me meanwhile
        might more most mostly much must my myself near neither never new next no none nor not now
        of off often on once one only onto or other others otherwise our ours ourselves out over
        own per perhaps please put quite rather really said same say says see seem seems several
        she should show since so some someone something sometimes soon still such take than that
        the their theirs them themselves then there these they this those though through
        throughout thus to today together too top toward towards under unless until up upon us
        very via was way we well were what whatever when where whether which while who whoever
        whole whom whose why will with within without would yet you your yours yourself
        yourselves yesterday tomorrow two three four five six seven eight nine ten second third
        monday tuesday wednesday thursday friday saturday sunday year years week weeks day days
        co corp ltd plc don""",
    "fr": """a à afin ai ainsi alors après as au aucun aucune aujourd auprès aussi autre autres aux
        avaient avait avant avec avoir ayant bien c ça car ce ceci cela celle celles celui cependant
        ces cet cette ceux chaque chez comme comment contre d dans de depuis des deux dès donc dont
        du elle elles en encore entre est et été être eu eux fait faire fois font hier hui il ils
        j je jusqu l la là le les leur leurs lors lorsqu lui m ma mais me même mêmes mes moi moins
        mon n ne ni non nos notre nous on ont ou où par parce pas peu peut plus plusieurs pour
        pourquoi près puis qu quand que quel quelle quelles quels qui quoi s sa sans se selon ses
        si sien soi son sont sous sur t ta tandis te tes toi ton tous tout toute toutes très trois
        tu un une unes uns va vers via vont vos votre vous y demain an ans année années semaine
        jour jours lundi mardi mercredi jeudi vendredi samedi dimanche premier première""",
    "ar": """في من على إلى الى عن مع هذا هذه ذلك تلك التي الذي الذين اللذين ما لا لم لن قد كان كانت
        يكون تكون أن ان إن أو او ثم كما بعد قبل حتى عند بين كل هو هي هم هما نحن أنا أنت و ف ب ل ك
        وقد وفي خلال اليوم أمس منذ ضد حول لدى غير بعض أي أيضا حيث إذا اذا عام يوم""",
}

_WORD = re.compile(r"[^\W_]+(?:['’.,][^\W_]+)*\.?", re.UNICODE)
_ELISION = re.compile(r"^(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu|quoiqu)['’]")
_ACRONYM = re.compile(r"^(?:[^\W\d_]\.){2,}$")
_DECIMAL = re.compile(r"^\d+(?:[.,]\d+)*$")
_AR_DIACRITICS = re.compile(r"[\u064b-\u0652\u0670\u0640]")  # harakat, dagger alef, tatweel
_AR_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ؤ": "و", "ئ": "ي"})
_AR_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال", "و")
_AR_SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ية", "ه", "ة", "ي")
_SNOWBALL = {"fr": "french"}


def terms(text: str, language: str) -> list[str]:
    """The matching forms of a text's content words, in order (see the module docstring)."""
    stop = stopwords(language)
    stem = _stemmer(language)
    out = []
    for word in _WORD.findall(text.lower()):
        if _ACRONYM.match(word):  # "U.S.": a name, even when it spells a stopword
            out.append(word.replace(".", ""))
            continue
        for part in _parts(word, language):
            if language == "ar":
                part = normalise_arabic(part)
            if len(part) < 2 or part in stop:
                continue
            out.append(part if _DECIMAL.match(part) else stem(part))
    return out


def written_words(text: str) -> list[tuple[str, int, int]]:
    """The words :func:`terms` reads, as written (case kept), with their start and end offsets."""
    return [(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]


def stopwords(language: str) -> frozenset[str]:
    """The matching stopwords of a language, normalised like the words they stop."""
    return _stopword_set(language)


def normalise_arabic(word: str) -> str:
    """Arabic spelling variants folded: diacritics and tatweel dropped, alef, yeh and hamza seats unified."""
    return _AR_DIACRITICS.sub("", word).translate(_AR_FOLD)


def stem_arabic(word: str) -> str:
    """A light Arabic stem: one article or conjunction prefix and one suffix off, three letters kept."""
    word = normalise_arabic(word)
    for prefix in _AR_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 3:
            word = word[len(prefix):]
            break
    for suffix in _AR_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _parts(word: str, language: str) -> list[str]:
    """One written word as matching parts: "l'état" -> ["état"], "2,5" -> ["2.5"]."""
    word = word.rstrip(".,")
    if _DECIMAL.match(word):
        return [word.replace(",", ".")]
    if language == "fr":
        word = _ELISION.sub("", word)
    elif language == "en" and word.endswith(("'s", "’s")):
        word = word[:-2]
    return [p for p in re.split(r"['’.,]", word) if p]


@lru_cache(maxsize=8)
def _stopword_set(language: str) -> frozenset[str]:
    words = _STOPWORDS.get(language, "").split()
    if language == "ar":
        words += [normalise_arabic(w) for w in words]
    return frozenset(words)


@lru_cache(maxsize=8)
def _stemmer(language: str) -> Callable[[str], str]:
    if language == "ar":
        return stem_arabic
    name = _SNOWBALL.get(language)
    if name is None:
        return _same
    stem_word: Callable[[str], str] = lru_cache(maxsize=65536)(snowballstemmer.stemmer(name).stemWord)
    return stem_word


def _same(word: str) -> str:
    return word
