"""Extractive summaries: whole sentences of an article, lead-biased, within a word budget.

The publisher's standfirst, when it is a real sentence, may lead the summary; the rest is
picked from the article (a lead-position prior blended with centrality, minus redundancy;
captions left in the text, "Pictured: …", are never picked).
Furniture (datelines, bylines, photo credits, "Lire aussi", "Read more", "اقرأ أيضا" …) is
dropped first. ``fix_relative_days`` rewrites "hier", "today", "أمس" … that no longer read
right on the issue's morning. Everything here is pure: no I/O, no clock.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import combinations

from ..text import split_sentences, tokens, word_count

# ---------------------------------------------------------------------------------------------
# Furniture
# ---------------------------------------------------------------------------------------------

# A whole paragraph (or line) that is furniture: bylines, credits, "read more", sign-ups, ads.
_FURNITURE_BLOCK = re.compile(
    r"^(?:lire (?:la suite|aussi|également)|à lire (?:aussi|également)|read more|continue reading"
    r"|en savoir plus|voir aussi|see also|related(?: articles?| stories)?\s*:|more on this"
    r"|photos?\s*[:/©]|crédits?\b|credits?\s*:|©|\(c\)|source\s*:"
    r"|(?:publicité|advertisement|إعلان)\s*$|sign up|subscribe|inscrivez-vous|abonnez-vous|newsletter\b"
    r"|follow us|suivez-nous|share this|partager|(?:mis à jour|publié|updated|published)\b.{0,30}\d"
    r"|اقرأ أيضا|اقرأ ايضا|اقرأ أيضاً|إقرأ أيضا|شاهد أيضا|شاهد أيضاً|اقرأ المزيد|تابعونا|المصدر\s*:"
    r"|مصدر الصورة|حقوق الصورة|الصورة\s*:)"
    r"|^(?:par|by|avec|with|بقلم|كتب|كتبت)\s+[^\W\d_][^.!?]{0,80}$",
    re.IGNORECASE,
)
# Furniture inside a paragraph, at its end (syndication footers, "… Read more").
_FURNITURE_TAIL = re.compile(
    r"(?:the post .{1,200}? appeared first on .{1,100}?\.?$)"
    r"|(?:cet article .{1,200}? est apparu en premier sur .{1,100}?\.?$)"
    r"|(?:\[?(?:…|\.\.\.)\]?\s*(?:lire la suite|read more|continue reading|اقرأ المزيد)\W*$)"
    r"|(?:\s(?:lire la suite|read more|اقرأ المزيد)\s*(?:»|›|→)?\s*$)",
    re.IGNORECASE,
)
# A sentence that is furniture wherever it sits (text flattened without line breaks).
_FURNITURE_SENTENCE = re.compile(
    r"(?:^|\s|[«\"(])(?:lire aussi|à lire aussi|lire également|read more|sign up|subscribe to"
    r"|inscrivez-vous|abonnez-vous|click here|cliquez ici|appeared first on|est apparu en premier"
    r"|all rights reserved|tous droits réservés|getty images|afp photo|photo d'illustration"
    r"|اقرأ أيضا|اقرأ ايضا|اقرأ أيضاً|إقرأ أيضا|شاهد أيضا|اقرأ المزيد|جميع الحقوق محفوظة)"
    r"|©|\b(?:PHOTOS?|VID[ÉE]OS?|INFOGRAPHIE)\b",
    re.IGNORECASE,
)
_FURNITURE_SENTENCE_CASED = re.compile(r"\b(?:PHOTOS?|VID[ÉE]OS?|INFOGRAPHIE|EN DIRECT|LIVE)\b")
# Labels glued before the first words of a sentence: "Publicité", "VIDÉO. ", "PHOTO - ".
_LABEL_PREFIX = re.compile(
    r"^(?:(?:Publicité|PUBLICITÉ|Advertisement|ADVERTISEMENT|إعلان)\s+"
    r"|(?:VID[ÉE]OS?|PHOTOS?|INFOGRAPHIE|EXCLUSIF|EXCLUSIVE|DIRECT|LIVE|WATCH|فيديو|بالصور)"
    r"\s*[.:–—-]\s*)+"
)
# "(Video)", "(Vidéo)", "(PHOTOS)", "(فيديو)" and "Scroll down for video" anywhere in a sentence.
_MEDIA_TAG = re.compile(
    r"\s*\bscroll down for (?:video|more)\b\s*[.:–—-]?"
    r"|\s*[(\[](?:vid[ée]os?|photos?|audio|diaporama|infographie|graphic|watch|فيديو|صور|بالصور)[)\]]",
    re.IGNORECASE,
)

# "PARIS, 26 novembre (AFP) – ", "New Delhi, India (CNN) -- ", "(CNN)": a dateline.
_DATELINE = re.compile(
    r"^(?:[A-ZÀ-Ý][^()\n.!?,]{0,40},[^()\n!?]{0,40}\s)?\((?:[A-ZÀ-Ý][\w .&'’-]{0,40})\)\s*"
    r"(?:--|[-–—:])?\s*"
    r"(?=[\"“«A-ZÀ-Ý0-9])"
    # "WASHINGTON — ", "SAN FRANCISCO, Nov. 26 -- " (agency style without parentheses)
    r"|^[A-ZÀ-Ý]{2,}(?:[ -][A-ZÀ-Ý]{2,})*(?:,[^–—\n]{0,30})?\s+(?:--|[–—])\s+(?=[\"“«A-ZÀ-Ý0-9])"
    # "القاهرة (رويترز) - ", "بيروت - (أ ف ب) - "
    r"|^[\u0600-\u06ff ]{2,30}\s*(?:[-–—]\s*)?\([\u0600-\u06ff .]{1,20}\)\s*[-–—:]?\s*"
)


_SHORT_BLOCK = 30  # a longer paragraph is prose, whatever its first words: its sentences are checked


def strip_boilerplate(text: str) -> str:
    """Drop the dateline, bylines, credits, 'Read more' and 'The post … appeared first on …' lines."""
    text = _DATELINE.sub("", text.lstrip(), count=1)
    kept = []
    for paragraph in re.split(r"\n\s*\n|\n", text):
        paragraph = _FURNITURE_TAIL.sub("", paragraph.strip()).strip()
        if paragraph and not (_FURNITURE_BLOCK.match(paragraph) and word_count(paragraph) <= _SHORT_BLOCK):
            kept.append(paragraph)
    return "\n\n".join(kept)


def clean_sentences(text: str, language: str) -> list[str]:
    """The article's sentences without furniture, media tags or a leading dateline."""
    out: list[str] = []
    for sentence in split_sentences(strip_boilerplate(text), language):
        sentence = _MEDIA_TAG.sub("", _LABEL_PREFIX.sub("", sentence)).strip()
        if not out:
            sentence = _DATELINE.sub("", sentence, count=1)
        if word_count(sentence) and not _is_furniture(sentence):
            out.append(sentence)
    return out


def _is_furniture(sentence: str) -> bool:
    return bool(_FURNITURE_SENTENCE.search(sentence) and _furniture_hit(sentence))


def _furniture_hit(sentence: str) -> bool:
    """Upper-case labels (PHOTO, VIDÉO) count only in upper case: 'une vidéo' is prose."""
    for match in _FURNITURE_SENTENCE.finditer(sentence):
        found = match.group(0).strip(" «\"(")
        if not re.fullmatch(r"(?i)photos?|vid[ée]os?|infographie", found):
            return True
        if _FURNITURE_SENTENCE_CASED.fullmatch(found):
            return True
    return False


# ---------------------------------------------------------------------------------------------
# Selection
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Weights:
    """The few knobs of the scorer (tuned by benchmarks/summaries.py with a held-out split)."""

    lead: float = 0.7  # weight of the position prior against centrality
    decay: float = 1.0  # prior of sentence i: 1 / (1 + i) ** decay
    redundancy: float = 0.35  # a sentence this similar (cosine) to one already chosen is skipped
    min_words: int = 6  # shorter sentences say little alone ("Living under ISIS.")
    length: float = 0.0  # a sentence's value: score x words ** length (0: count sentences only)


WEIGHTS = Weights()


def summarise(text: str, language: str, *, max_words: int, max_sentences: int = 3,
              standfirst: str = "", weights: Weights | None = None) -> str:
    """At most ``max_sentences`` whole sentences within ``max_words``, in article order.

    A ``standfirst`` that is a real sentence (or two) and fits leads the summary; the
    article's sentences then fill the rest, skipping those that repeat it. No sentence is
    ever cut: if none fits, the result is empty (the caller may fall back to a truncation).
    """
    w = weights or WEIGHTS
    lead = _standfirst(standfirst, language, max_words, max_sentences)
    sentences = [s for s in clean_sentences(text, language) if not _same(s, lead)]
    budget = max_words - sum(word_count(s) for s in lead)
    slots = max_sentences - len(lead)
    chosen = _select(sentences, language, budget, slots, lead, w) if slots > 0 else []
    return " ".join(lead + [sentences[i] for i in sorted(chosen)])


def _standfirst(standfirst: str, language: str, max_words: int, max_sentences: int) -> list[str]:
    """The standfirst's sentences if they read as a summary: whole sentences, within budget."""
    sentences = clean_sentences(standfirst, language) if standfirst.strip() else []
    if not sentences or len(sentences) > min(2, max_sentences):
        return []
    if sum(word_count(s) for s in sentences) > max_words * 2 // 3:
        return []
    if not all(_is_real_sentence(s) for s in sentences):
        return []
    return sentences


def _is_real_sentence(sentence: str) -> bool:
    """A statement of some length that ends like one (not a teaser, a question or a list)."""
    return (word_count(sentence) >= 8 and sentence.rstrip("\"”»’) ")[-1:] in ".!…"
            and not sentence.rstrip().endswith(("...", "…")))


def _same(sentence: str, lead: list[str]) -> bool:
    key = _key(sentence)
    return any(_key(s) == key for s in lead)


def _key(sentence: str) -> str:
    return re.sub(r"\W+", " ", sentence.lower()).strip()


def _select(sentences: list[str], language: str, budget: int, slots: int, avoid: list[str],
            w: Weights) -> list[int]:
    """The best few sentences that fit: most score-weighted words, no two saying the same thing.

    Among the ``_POOL`` best-scored sentences, every set of at most ``slots`` that fits the
    budget is tried; its value is the sum of score x words (a summary that uses its budget on
    central, early sentences), and sets with a near-duplicate pair are ruled out.
    """
    if not sentences or budget <= 0:
        return []
    bags = [Counter(tokens(s, language)) for s in sentences]
    scores = _scores(bags, w)
    lengths = [word_count(s) for s in sentences]
    taken = [Counter(tokens(s, language)) for s in avoid]
    pool = [i for i in sorted(range(len(sentences)), key=lambda i: (-scores[i], i))
            if lengths[i] <= budget and (lengths[i] >= w.min_words or len(sentences) == 1)
            and not _CAPTION.match(sentences[i])
            and all(_cosine(bags[i], other) < w.redundancy for other in taken)][:_POOL]
    clash = {(a, b) for a, b in combinations(pool, 2) if _cosine(bags[a], bags[b]) >= w.redundancy}
    best: tuple[float, tuple[int, ...]] = (0.0, ())
    for size in range(1, min(slots, len(pool)) + 1):
        for combo in combinations(pool, size):
            if sum(lengths[i] for i in combo) > budget or any(p in clash for p in combinations(combo, 2)):
                continue
            value = sum(scores[i] * lengths[i] ** w.length for i in combo)
            if value > best[0]:
                best = (value, combo)
    return list(best[1])


_POOL = 10
# A caption left in the text: a short label, a colon, then a capital ("Tragic: The man …",
# "Pictured: …"). Not "He said: …" (speech) nor French "Bilan : …" (space before the colon).
_CAPTION = re.compile(
    r"^(?![^:]*\b(?:said|says|told|tells|added|adds|wrote|writes|asked|asks|explained)\b)"
    r"[A-Z][\w'’-]*(?: [\w'’-]+){0,2}:\s+[\"“‘']?[A-Z]"
)


def _scores(bags: list[Counter[str]], w: Weights) -> list[float]:
    """Lead-position prior blended with centrality (cosine to the rest of the article).

    Words are weighted by their rarity across the article's sentences (log (n + 1) / df):
    a word in every sentence (the subject's name) says nothing about which one is central.
    """
    df: Counter[str] = Counter()
    for bag in bags:
        df.update(bag.keys())
    rarity = {word: math.log((len(bags) + 1) / n) for word, n in df.items()}
    weighted = [{k: v * rarity[k] for k, v in bag.items()} for bag in bags]
    document: dict[str, float] = {}
    for vector in weighted:
        for k, v in vector.items():
            document[k] = document.get(k, 0.0) + v
    norm = sum(v * v for v in document.values())
    centrality = [_cosine_to_rest(vector, document, norm) for vector in weighted]
    top = max(centrality, default=0.0) or 1.0
    return [w.lead / (1 + i) ** w.decay + (1 - w.lead) * c / top for i, c in enumerate(centrality)]


def _cosine_to_rest(bag: dict[str, float], document: dict[str, float], document_norm: float) -> float:
    """Cosine of a sentence with the rest of the article (document minus the sentence)."""
    own = sum(v * v for v in bag.values())
    dot = sum(v * document[k] for k, v in bag.items()) - own
    rest = document_norm - 2 * (dot + own) + own
    return dot / math.sqrt(own * rest) if own and rest > 0 and dot > 0 else 0.0


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    """Cosine similarity of two bags of words."""
    if not a or not b:
        return 0.0
    dot = sum(v * b.get(k, 0) for k, v in a.items())
    return dot / (math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values())))


# ---------------------------------------------------------------------------------------------
# Truncation (for texts that are not sentences: headlines, feed summaries)
# ---------------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------------
# Relative days
# ---------------------------------------------------------------------------------------------

_FR_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_FR_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
              "octobre", "novembre", "décembre")
_EN_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December")
_AR_DAYS = ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد")
_AR_MONTHS = ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر",
              "أكتوبر", "نوفمبر", "ديسمبر")


def fix_relative_days(text: str, language: str, *, published: date, issue_date: date) -> str:
    """Rewrite relative day words that no longer read right on the issue's morning.

    "aujourd'hui" in a story of Wednesday 26 November read on Thursday becomes
    "mercredi 26 novembre"; "hier", "demain", "today", "yesterday", "tomorrow", "أمس",
    "اليوم", "غدا" and weekday names are resolved against ``published`` and kept only if they
    name the same day seen from ``issue_date``. Pure: both dates are passed in.
    """
    fixer = _FIXERS.get(language)
    if fixer is None or published == issue_date:
        return text
    return fixer(text, published, issue_date)


def _weekday_date(weekday: int, anchor: date, modifier: str = "") -> date:
    """The day a weekday name means in a text of ``anchor``: the nearest, within 3 days either
    way ("lundi prochain" / "next Monday": the next one; "lundi dernier" / "last Monday": the
    previous one)."""
    ahead = (weekday - anchor.weekday()) % 7
    if modifier == "next":
        return anchor + timedelta(days=ahead or 7)
    if modifier == "last":
        return anchor - timedelta(days=(7 - ahead) % 7 or 7)
    return anchor + timedelta(days=ahead if ahead <= 3 else ahead - 7)


def _relative_target(offset: int, published: date, issue_date: date) -> date | None:
    """The day a relative word (today +0, yesterday -1, tomorrow +1) means, or None if it still
    reads right on the issue date (only when read the day it was written)."""
    return None if published == issue_date else published + timedelta(days=offset)


def _capitalise_if_first(text: str, start: int, replacement: str) -> str:
    before = text[:start].rstrip()
    if not before or before[-1] in ".!?«\"“:—–":
        return replacement[:1].upper() + replacement[1:]
    return replacement


# French ---------------------------------------------------------------------------------------

_FR_RELATIVE = re.compile(
    r"\b(?P<word>aujourd['’]hui|hier|demain|ce (?:matin|midi|soir)|cet après-midi)\b"
    r"(?P<part>\s+(?:matin|midi|après-midi|soir))?",
    re.IGNORECASE,
)
_FR_WEEKDAY = re.compile(
    r"\b(?P<day>lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\b"
    r"(?P<mod>\s+(?:prochain|dernier))?(?!\s+\d|\s+(?:prochain|dernier)\s+\d)",
    re.IGNORECASE,
)
_FR_OFFSETS = {"aujourd'hui": 0, "hier": -1, "demain": 1, "ce matin": 0, "ce midi": 0, "ce soir": 0,
               "cet après-midi": 0}


def _fr_date(day: date) -> str:
    return f"{_FR_DAYS[day.weekday()]} {day.day}{'er' if day.day == 1 else ''} {_FR_MONTHS[day.month - 1]}"


def _fix_fr(text: str, published: date, issue_date: date) -> str:
    def relative(match: re.Match[str]) -> str:
        word = match.group("word").lower().replace("’", "'")
        target = _relative_target(_FR_OFFSETS[word], published, issue_date)
        if target is None:
            return match.group(0)
        part = (match.group("part") or "") if not word.startswith("ce") else " " + word.split()[-1]
        return _capitalise_if_first(text, match.start(), _fr_date(target) + part)

    def weekday(match: re.Match[str]) -> str:
        modifier = {"prochain": "next", "dernier": "last"}.get((match.group("mod") or "").strip().lower(), "")
        index = _FR_DAYS.index(match.group("day").lower())
        meant = _weekday_date(index, published, modifier)
        if meant == _weekday_date(index, issue_date, modifier):
            return match.group(0)
        return _capitalise_if_first(text, match.start(), _fr_date(meant))

    return _FR_WEEKDAY.sub(weekday, _FR_RELATIVE.sub(relative, text))


# English --------------------------------------------------------------------------------------

_EN_RELATIVE = re.compile(
    r"(?P<prep>\b(?:on|until|since|from|by|before|after|for|of|as of|through|till)\s+)?"
    r"\b(?P<word>today|yesterday|tomorrow|this morning|this afternoon|this evening|tonight|last night)"
    r"(?P<poss>['’]s)?\b",
    re.IGNORECASE,
)
_EN_WEEKDAY = re.compile(
    r"(?P<mod>\b(?:next|last|this)\s+)?\b(?P<day>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
    r"\b(?!,?\s+(?:\d|January|February|March|April|May|June|July|August|September|October|November"
    r"|December))"
)
_EN_OFFSETS = {"today": (0, ""), "yesterday": (-1, ""), "tomorrow": (1, ""),
               "this morning": (0, " morning"), "this afternoon": (0, " afternoon"),
               "this evening": (0, " evening"), "tonight": (0, " night"), "last night": (-1, " night")}


def _en_date(day: date) -> str:
    return f"{_EN_DAYS[day.weekday()]}, {_EN_MONTHS[day.month - 1]} {day.day}"


def _fix_en(text: str, published: date, issue_date: date) -> str:
    def relative(match: re.Match[str]) -> str:
        offset, part = _EN_OFFSETS[match.group("word").lower()]
        target = _relative_target(offset, published, issue_date)
        if target is None:
            return match.group(0)
        prep, day = match.group("prep") or "", _EN_DAYS[target.weekday()]
        if match.group("poss"):  # "yesterday's vote" -> "Tuesday's vote"
            return f"{prep}{day}{part}{match.group('poss')}"
        written = f"{prep or 'on '}{day}{part}, {_EN_MONTHS[target.month - 1]} {target.day}"
        return _capitalise_if_first(text, match.start(), written)

    def weekday(match: re.Match[str]) -> str:
        mod = (match.group("mod") or "").strip().lower()
        modifier = mod if mod in ("next", "last") else ""
        index = _EN_DAYS.index(match.group("day"))
        meant = _weekday_date(index, published, modifier)
        if mod == "this" or meant == _weekday_date(index, issue_date, modifier):
            return match.group(0)
        return (match.group("mod") or "") * (not modifier) + _en_date(meant)

    return _EN_WEEKDAY.sub(weekday, _EN_RELATIVE.sub(relative, text))


# Arabic ---------------------------------------------------------------------------------------

_AR_BOUNDARY = r"(?<![\w\u0600-\u06ff])"
_AR_END = r"(?![\w\u0600-\u06ff])"
_AR_RELATIVE = re.compile(
    _AR_BOUNDARY + r"(?P<prefix>[وف]?)(?P<word>(?:يوم\s+)?أمس|اليوم|غدا|غداً)" + _AR_END
    + r"(?!\s+(?:ال(?!اثنين|إثنين|ثلاثاء|أربعاء|خميس|جمعة|سبت|أحد)\w+))"
    + r"(?P<named>\s+(?:" + "|".join(_AR_DAYS) + r"))?"
)
_AR_WEEKDAY = re.compile(
    _AR_BOUNDARY + r"(?P<prefix>[وف]?)(?P<yawm>يوم\s+)?(?P<day>" + "|".join(_AR_DAYS) + r"|الإثنين)"
    + _AR_END + r"(?!\s+\d)(?P<mod>\s+(?:المقبل|القادم|الماضي))?"
)


def _ar_date(day: date) -> str:
    return f"{_AR_DAYS[day.weekday()]} {day.day} {_AR_MONTHS[day.month - 1]}"


def _fix_ar(text: str, published: date, issue_date: date) -> str:
    def relative(match: re.Match[str]) -> str:
        word = match.group("word").split()[-1]
        offset = {"أمس": -1, "اليوم": 0}.get(word, 1)
        target = _relative_target(offset, published, issue_date)
        if target is None:
            return match.group(0)
        return f"{match.group('prefix')}يوم {_ar_date(target)}"

    def weekday(match: re.Match[str]) -> str:
        mod = (match.group("mod") or "").strip()
        modifier = "next" if mod in ("المقبل", "القادم") else "last" if mod == "الماضي" else ""
        index = 0 if match.group("day") == "الإثنين" else _AR_DAYS.index(match.group("day"))
        meant = _weekday_date(index, published, modifier)
        if meant == _weekday_date(index, issue_date, modifier):
            return match.group(0)
        return f"{match.group('prefix')}{match.group('yawm') or ''}{_ar_date(meant)}"

    return _AR_WEEKDAY.sub(weekday, _AR_RELATIVE.sub(relative, text))


_FIXERS: dict[str, Callable[[str, date, date], str]] = {"fr": _fix_fr, "en": _fix_en, "ar": _fix_ar}
