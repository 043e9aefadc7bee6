"""News value: the lexicon of what counts as hard news, and the signals read from a story.

The lexicon ships as ``data/newsvalue.toml`` (per language: section priors, topic words,
casualty, leader, figure and service phrases) and is read once, at first use. An editor's
file of the same shape ([curate] news_value_file) extends it: the pipeline reads that file
and passes the merged value in CurateSettings, so curation itself stays pure.
"""

from __future__ import annotations

import math
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from functools import cache, cached_property
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from ..errors import ConfigError

WEIGHTS: dict[str, float] = {
    "casualties": 1.25, "casualties_counted": 1.6, "casualties_many": 1.8, "leaders": 1.25,
    "countries_one": 1.1, "countries_many": 1.25, "large_figures": 1.15, "magnitude_cap": 2.2,
    "service": 0.35, "format": 0.5, "opinion": 0.75, "live_blog": 0.4, "front_page_top": 1.6,
    "placement_decay": 0.8,
    "editorial_order_share": 0.1,
}
_LISTS = ("casualties", "events", "ages", "numbers", "many", "leaders", "large_figures",
          "countries", "not_countries", "service", "formats")
# CLDR codes that are not countries.
_NOT_TERRITORIES = frozenset({"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB"})
_ARABIC_PROCLITICS = r"(?:[وفبلك]?(?:ال)?)"


def fold(text: str) -> str:
    """Accents and Arabic short vowels dropped, hyphens and apostrophes read as spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c) and c != "\u0640")
    kept = unicodedata.normalize("NFKC", kept)
    return " ".join(re.sub(r"[-‐‑–—_'’ʼ`/]", " ", kept).split())


def normalise(text: str) -> str:
    """:func:`fold`, casefolded: how labels and phrases are compared."""
    return fold(text).casefold()


@dataclass(frozen=True)
class Lexicon:
    """One language's part of the lexicon (see data/newsvalue.toml)."""

    priors: tuple[tuple[str, float], ...] = ()
    topics: tuple[tuple[str, tuple[str, ...]], ...] = ()
    casualties: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    ages: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    many: tuple[str, ...] = ()
    leaders: tuple[str, ...] = ()
    large_figures: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    not_countries: tuple[str, ...] = ()
    service: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()


@dataclass(frozen=True)
class NewsValue:
    """The whole lexicon: weights and one Lexicon per language. Compiled at first use."""

    weights: tuple[tuple[str, float], ...] = ()
    languages: tuple[tuple[str, Lexicon], ...] = ()
    _compiled: dict[str, _Compiled] = field(default_factory=dict, compare=False, repr=False)

    def weight(self, name: str) -> float:
        return dict(self.weights).get(name, WEIGHTS[name])

    @cached_property
    def _lexicons(self) -> dict[str, Lexicon]:
        return dict(self.languages)

    @cached_property
    def _priors(self) -> dict[str, dict[str, float]]:
        return {lang: {normalise(k): v for k, v in lex.priors}
                for lang, lex in self.languages}

    def prior(self, label: str, language: str) -> tuple[str, float] | None:
        """The built-in prior of a section label (the story's language first, then any)."""
        key = normalise(label)
        order = [language, *(lang for lang in self._priors if lang != language)]
        for lang in order:
            value = self._priors.get(lang, {}).get(key)
            if value is not None:
                return key, value
        return None

    def compiled(self, language: str) -> _Compiled | None:
        if language not in self._lexicons:
            return None
        if language not in self._compiled:
            self._compiled[language] = _Compiled(self._lexicons[language], language)
        return self._compiled[language]


class _Compiled:
    """One language's phrases as regular expressions."""

    def __init__(self, lex: Lexicon, language: str) -> None:
        self.language = language
        words = [normalise(w) for w in lex.numbers]
        number = r"(?:(?!(?:19|20)\d\d(?!\d))\d+(?:[.,\s]\d{3})*(?:[.,]\d+)?"
        number += "".join(f"|{re.escape(w)}" for w in sorted(words, key=len, reverse=True)) + ")"
        self.number = number
        self.many = frozenset(normalise(w) for w in lex.many)
        cas = _alternation(lex.casualties, number, language)
        self.casualties = _bounded(_alternation((*lex.casualties, *lex.events), number, language),
                                   language)
        gap = r"(?:\s+\S+){0,3}?\s+"
        self.counted = re.compile(
            rf"(?<!\w)(?P<n1>{number}){gap}{cas}(?!\w)|(?<!\w){cas}{gap}(?P<n2>{number})(?!\w)")
        self.leaders = _bounded(_alternation(lex.leaders, number, language), language)
        self.large = _bounded(_alternation(lex.large_figures, number, language), language)
        self.service = _bounded(_alternation(lex.service, number, language), language)
        self.ages = _bounded(_alternation(lex.ages, number, language), language)
        formats = _alternation(lex.formats, number, language)
        # « … – video », « VIDÉO. … », « بالفيديو: … » (on the headline, dashes kept)
        self.formats = re.compile(rf"(?:[-–—|]\s*{formats}\s*$|^\s*{formats}\s*[.:\-–—]\s)")
        self.topics = [(label, _bounded(_alternation(phrases, number, language), language))
                       for label, phrases in lex.topics if phrases]
        self.countries = _country_pattern(lex, language)

    def is_many(self, number: str) -> bool:
        whole = re.match(r"\d+(?:[.,\s]\d{3})*", number)  # « 2,5 » is two and a half
        if whole:
            return int(re.sub(r"\D", "", whole.group(0))) >= 10
        return number in self.many


def _phrase(phrase: str, number: str) -> str:
    pieces: list[str | None] = []
    for token in normalise(phrase).split():
        if token == "*":
            pieces.append(None)
        elif token.startswith("#"):
            rest = token[1:]
            pieces.append(number + (r"\s*" + _word(rest) if rest else ""))
        else:
            pieces.append(_word(token))
    out = ""
    for piece in pieces:
        if piece is None:
            out += r"(?:\s+\S+){0,4}"
        else:
            out += (r"\s+" if out else "") + piece
    return out


def _word(token: str) -> str:
    return re.escape(token[:-1]) + r"\w*" if token.endswith("*") and len(token) > 1 \
        else re.escape(token)


def _alternation(phrases: Iterable[str], number: str, language: str) -> str:
    parts = sorted({_phrase(p, number) for p in phrases if normalise(p)}, key=len, reverse=True)
    if not parts:
        return r"(?!x)x"
    prefix = _ARABIC_PROCLITICS if language == "ar" else ""
    return f"{prefix}(?:{'|'.join(parts)})"


def _bounded(alternation: str, language: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){alternation}(?!\w)")


def _country_pattern(lex: Lexicon, language: str) -> re.Pattern[str]:
    """Country names with their capitals (« Iran », not « iran » in a word)."""
    names = set(_territories(language)) | {fold(n) for n in lex.countries}
    names -= {fold(n) for n in lex.not_countries}
    parts = sorted((re.escape(n) for n in names if n), key=len, reverse=True)
    prefix = _ARABIC_PROCLITICS if language == "ar" else ""
    if not parts:
        return re.compile(r"(?!x)x")
    return re.compile(rf"(?<!\w){prefix}({'|'.join(parts)})(?!\w)")


@cache
def _territories(language: str) -> tuple[str, ...]:
    from babel import Locale, UnknownLocaleError

    try:
        territories = Locale.parse(language).territories
    except (UnknownLocaleError, ValueError):
        return ()
    return tuple(fold(name) for code, name in territories.items()
                 if len(code) == 2 and code.isalpha() and code not in _NOT_TERRITORIES)


# -- signals -----------------------------------------------------------------------------


def url_segments(url: str) -> list[str]:
    """The folders of a story's URL path (not its last part, the article's own name)."""
    parts = [p for p in urlsplit(url).path.split("/") if p]
    return parts[:-1]


def section_labels(section: str | None, categories: Iterable[str], url: str
                   ) -> list[tuple[str, str]]:
    """(label, where) pairs a section prior can match: feed section, categories, URL folders."""
    labels = [(section, "section")] if section else []
    labels += [(c, "category") for c in categories if c]
    labels += [(s, "URL") for s in url_segments(url)]
    return labels


def section_prior(nv: NewsValue, labels: list[tuple[str, str]], title: str, language: str
                  ) -> tuple[float, str]:
    """The geometric mean of the priors the labels match; else a topic word of the title."""
    found: dict[str, float] = {}
    where: dict[str, str] = {}
    for label, kind in labels:
        match = nv.prior(label, language)
        if match is not None and match[0] not in found:
            found[match[0]] = match[1]
            where[match[0]] = kind
    if found:
        value = math.exp(sum(math.log(max(v, 1e-6)) for v in found.values()) / len(found))
        reason = ", ".join(f"{k} {v:g} ({where[k]})" for k, v in found.items())
        return value, reason
    compiled = nv.compiled(language)
    if compiled is not None:
        text = normalise(title)
        for label, pattern in compiled.topics:
            hit = pattern.search(text)
            prior = nv.prior(label, language)
            if hit and prior is not None:
                return prior[1], f"{prior[0]} {prior[1]:g} (headline word «{hit.group(0)}»)"
    return 1.0, "no section matched"


def magnitude(nv: NewsValue, text: str, language: str) -> tuple[float, str]:
    """Casualties, leaders acting, countries named, large figures: a factor and its reasons."""
    compiled = nv.compiled(language)
    if compiled is None:
        return 1.0, f"no lexicon for {language!r}"
    folded = fold(text)
    plain = folded.casefold()
    factor, reasons = 1.0, []
    counts = [(compiled.is_many(m.group("n1") or m.group("n2") or ""), m.group(0))
              for m in compiled.counted.finditer(plain)
              if not compiled.ages.search(plain[m.start(): m.end() + 12])]  # « 88 ans »
    if counts:
        many, words = max(counts, key=lambda c: (c[0], -len(c[1])))
        factor *= nv.weight("casualties_many" if many else "casualties_counted")
        reasons.append(f"casualties «{words}»")
    elif hit := compiled.casualties.search(plain):
        factor *= nv.weight("casualties")
        reasons.append(f"casualty word «{hit.group(0)}»")
    if hit := compiled.leaders.search(plain):
        factor *= nv.weight("leaders")
        reasons.append(f"leaders «{hit.group(0)}»")
    countries = list(dict.fromkeys(m.group(1) for m in compiled.countries.finditer(folded)))
    if countries:
        factor *= nv.weight("countries_many" if len(countries) > 1 else "countries_one")
        reasons.append("countries " + ", ".join(countries[:4]))
    if hit := compiled.large.search(plain):
        factor *= nv.weight("large_figures")
        reasons.append(f"figure «{hit.group(0)}»")
    cap = nv.weight("magnitude_cap")
    if factor > cap:
        factor = cap
        reasons.append(f"capped at {cap:g}")
    return factor, "; ".join(reasons) or "none"


# A signed opinion: « Headline | Firstname Lastname », « « Quote », par Firstname Lastname ».
_OPINION = re.compile(r"\|\s*[A-ZÀ-Ý][\w'’.-]*(?:\s+[\w'’.-]+){0,3}\s*$"
                      r"|[»\"”]\s*,?\s*(?:par|by)\s+[A-ZÀ-Ý][\w'’.-]*(?:\s+[\w'’.-]+){0,3}\s*$")


def piece_kind(nv: NewsValue, title: str, url: str, language: str) -> tuple[str, str] | None:
    """("service" | "format" | "opinion", what matched) for a piece that is not news, or None."""
    if hit := service_piece(nv, title, url, language):
        return "service", hit
    compiled = nv.compiled(language)
    plain = "".join(c for c in unicodedata.normalize("NFKD", title) if not unicodedata.combining(c))
    if compiled is not None and (m := compiled.formats.search(" ".join(plain.casefold().split()))):
        return "format", m.group(0).strip(" -–—|.:")
    if m := _OPINION.search(title):
        return "opinion", m.group(0).strip(" |»\"”,")
    return None


def service_piece(nv: NewsValue, title: str, url: str, language: str) -> str | None:
    """The phrase that makes a story an evergreen, service or consumer piece, or None."""
    compiled = nv.compiled(language)
    if compiled is None:
        return None
    path = " / ".join(p for p in urlsplit(url).path.split("/") if p)
    for text in (title, path):
        hit = compiled.service.search(normalise(text))
        if hit:
            return hit.group(0)
    return None


# -- loading -------------------------------------------------------------------------------


@cache
def default_news_value() -> NewsValue:
    """The lexicon shipped with the package (read once)."""
    text = resources.files(__package__).joinpath("data", "newsvalue.toml").read_text("utf-8")
    return news_value_from_dict(tomllib.loads(text), "newsletter/curate/data/newsvalue.toml")


def news_value_from_dict(raw: Mapping[str, Any], where: str) -> NewsValue:
    """A NewsValue from parsed TOML; ConfigError names the first wrong key."""
    weights: list[tuple[str, float]] = []
    languages: list[tuple[str, Lexicon]] = []
    for key, value in raw.items():
        if key == "weights":
            weights = _weights(value, where)
        elif isinstance(value, dict):
            languages.append((key, _lexicon(value, f"{where}: [{key}]")))
        else:
            raise ConfigError(f"{where}: {key!r} must be [weights] or a language table "
                              "such as [fr]")
    return NewsValue(weights=tuple(weights), languages=tuple(languages))


def _weights(value: Any, where: str) -> list[tuple[str, float]]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: [weights] must be a table of name = number")
    out = []
    for name, weight in value.items():
        if name not in WEIGHTS:
            raise ConfigError(f"{where}: unknown weight {name!r} in [weights]",
                              hint=f"known: {', '.join(WEIGHTS)}")
        if isinstance(weight, bool) or not isinstance(weight, int | float) or weight < 0:
            raise ConfigError(f"{where}: [weights] {name} must be a number ≥ 0, not {weight!r}")
        out.append((name, float(weight)))
    return out


def _lexicon(value: dict[str, Any], where: str) -> Lexicon:
    kwargs: dict[str, Any] = {}
    for key, item in value.items():
        if key == "priors":
            kwargs[key] = tuple(_priors(item, f"{where}.priors"))
        elif key == "topics":
            kwargs[key] = tuple((label, _strings(phrases, f"{where}.topics {label!r}"))
                                for label, phrases in _table(item, f"{where}.topics").items())
        elif key in _LISTS:
            kwargs[key] = _strings(item, f"{where} {key}")
        else:
            raise ConfigError(f"{where}: unknown key {key!r}",
                              hint=f"known keys: priors, topics, {', '.join(_LISTS)}")
    return Lexicon(**kwargs)


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a table")
    return value


def _priors(value: Any, where: str) -> list[tuple[str, float]]:
    out = []
    for label, prior in _table(value, where).items():
        if isinstance(prior, bool) or not isinstance(prior, int | float) or prior < 0:
            raise ConfigError(f"{where}: {label!r} must be a number ≥ 0, not {prior!r}")
        out.append((label, float(prior)))
    return out


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} must be a list of strings")
    return tuple(value)


def extend(base: NewsValue, extra: NewsValue) -> NewsValue:
    """``base`` with an editor's additions: weights and priors replaced, lists added to."""
    weights = dict(base.weights) | dict(extra.weights)
    languages = dict(base.languages)
    for lang, lex in extra.languages:
        old = languages.get(lang, Lexicon())
        changes: dict[str, Any] = {}
        for f in fields(Lexicon):
            mine, theirs = getattr(old, f.name), getattr(lex, f.name)
            if not theirs:
                continue
            if f.name == "priors":
                changes[f.name] = tuple((dict(mine) | dict(theirs)).items())
            elif f.name == "topics":
                merged = dict(mine)
                for label, phrases in theirs:
                    merged[label] = tuple(dict.fromkeys((*merged.get(label, ()), *phrases)))
                changes[f.name] = tuple(merged.items())
            else:
                changes[f.name] = tuple(dict.fromkeys((*mine, *theirs)))
        languages[lang] = replace(old, **changes)
    return NewsValue(weights=tuple(weights.items()), languages=tuple(languages.items()))
