"""Newsroom furniture around a story's words: live blogs, rubric labels, photo captions.

Pure functions over strings, shared by collection (feeds) and curation; imports nothing of ours.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# A live blog says so in its address (/live/, Le Monde and the Guardian) or in its headline.
_LIVE_PATH = re.compile(r"(?:^|/)(?:live|direct|en-direct|live-news|liveblog)(?:/|$)", re.I)
_LIVE_TITLE = re.compile(
    r"""
      (?i:\ben\s+direct\b)                   # « Suivez en direct … », « … EN DIRECT »
    | (?i:^\s*(?:direct|live)\s*(?:[.:|\-–—]|$))  # « DIRECT. … », « Live: … »
    | [-–—|]\s*(?:[\w'’ ]{0,30}\s)?live!?\s*$  # « … – live! », « … – UK politics live »
    | \blive\s*(?:updates?|blog|coverage)\b  # « … live updates »
    | \bas\s+it\s+happened\s*$               # a live blog, once closed
    | \blive\s*:                             # « Ukraine war live: … »
    | \bLIVE\b                               # the capitals are the label
    | (?<!غير\s)\bمباشر\b(?!\s*(?:ة|ا))       # « مباشر: … », not « غير مباشر » (indirect)
    | \bبث\s+مباشر                           # « بث مباشر » (live broadcast)
    | \bتغطية\s+مباشرة                        # « تغطية مباشرة » (live coverage)
    """,
    re.X,
)


def is_live_blog(title: str, url: str) -> bool:
    """Whether a story is a live blog (« en direct », « … – live », « مباشر », /live/ in its URL)."""
    path = urlsplit(url).path if url else ""
    return bool(_LIVE_PATH.search(path) or _LIVE_TITLE.search(title or ""))


# Rubric labels publishers put in front of a headline or a standfirst, by language
# ("EN IMAGES. …", "LIVE: …", "فيديو: …"). Matched whole, case-insensitively, before a separator.
RUBRIC_LABELS: dict[str, tuple[str, ...]] = {
    "fr": ("EN IMAGES", "EN VIDÉO", "VIDÉO", "VIDÉOS", "VIDEO", "PHOTOS", "EN PHOTOS", "REPORTAGE",
           "INFO FRANCEINFO", "INFO", "INFOS", "EXCLUSIF", "ENQUÊTE", "TRIBUNE", "DIRECT",
           "EN DIRECT", "LE SCAN POLITIQUE", "LE SCAN ÉCO", "LE SCAN SPORT", "FIGAROVOX",
           "FIGAROVOX/GRAND ENTRETIEN", "FIGAROVOX/TRIBUNE", "FIGAROVOX/ENTRETIEN",
           "GRAND ENTRETIEN", "ENTRETIEN", "INTERVIEW", "SONDAGE", "SONDAGE EXCLUSIF",
           "NOS CONSEILS", "DÉCRYPTAGE", "ANALYSE", "CHRONIQUE", "ÉDITO", "ÉDITORIAL", "PORTRAIT",
           "RÉCIT", "TÉMOIGNAGE", "INFOGRAPHIE", "FLASH ACTU", "ALERTE", "URGENT", "LIVE",
           "PODCAST", "VRAI OU FAUX", "FACT-CHECK", "TÉMOIGNAGES", "ÉCLAIRAGE"),
    "en": ("LIVE", "WATCH", "PHOTOS", "PICTURED", "IN PICTURES", "VIDEO", "EXCLUSIVE", "BREAKING",
           "UPDATE", "UPDATED", "EXPLAINER", "LISTEN", "PODCAST", "FACT CHECK", "REVEALED"),
    "ar": ("فيديو", "بالفيديو", "بالصور", "صور", "مباشر", "عاجل", "حصري", "شاهد", "خاص", "تقرير",
           "فيديوغراف", "إنفوغراف"),
}
_SEPARATOR = r"\s*(?:[.:|]|\s[-–—]|[-–—]\s)\s*"
# The general rule: a lead-in of 1–5 words in capitals, then ". ", " - " or ": ".
_CAPS_LEAD = re.compile(
    r"^\s*((?:[A-ZÀ-ÖØ-Þ0-9'’/&]+[-\s]){0,4}[A-ZÀ-ÖØ-Þ'’/&]+)(?:\s*[.:]|\s[-–—])\s+(?=\S)"
)
_RUBRIC_CACHE: dict[tuple[str, tuple[str, ...]], re.Pattern[str]] = {}


def _rubric_pattern(language: str, extra: tuple[str, ...]) -> re.Pattern[str]:
    key = (language, extra)
    pattern = _RUBRIC_CACHE.get(key)
    if pattern is None:
        labels = sorted({*RUBRIC_LABELS.get(language, ()), *RUBRIC_LABELS["en"], *extra},
                        key=len, reverse=True)
        alternatives = "|".join(re.escape(label).replace(r"\ ", r"\s+") for label in labels if label)
        pattern = re.compile(rf"^\s*(?:{alternatives}){_SEPARATOR}(?=\S)", re.I)
        _RUBRIC_CACHE[key] = pattern
    return pattern


def strip_rubric(text: str, language: str, extra: tuple[str, ...] = ()) -> str:
    """The text without the rubric label in front of it (« VIDÉO. », « LIVE: », « بالصور: »).

    Known labels (per language, plus ``extra``) go in any case; any other lead-in of
    1–5 words in capitals goes too, unless it is a single short word (« SNCF : », « NHS: »
    are the story's subject) or the whole text is in capitals.
    """
    pattern = _rubric_pattern(language, tuple(extra))
    for _ in range(2):  # « VIDÉO. EXCLUSIF. … »
        match = pattern.match(text) or _caps_rubric(text)
        if match is None:
            break
        rest = text[match.end():]
        if len(rest.split()) < 2:
            break
        text = rest[0].upper() + rest[1:]
    return text


def _caps_rubric(text: str) -> re.Match[str] | None:
    match = _CAPS_LEAD.match(text)
    if match is None:
        return None
    lead = match.group(1)
    letters = [c for c in lead if c.isalpha()]
    if len(letters) < 2 or not any(c.islower() for c in text[match.end():]):
        return None
    if " " not in lead.strip() and (len(letters) < 6 or any(c.isdigit() for c in lead)):
        return None  # an acronym that is the subject: « OTAN : … », « COVID-19: … »
    return match


_FR_MONTHS = ("janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|"
              "novembre|décembre|decembre")
_FR_DAYS = "lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
_EN_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|"
              "December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec")
_EN_DAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_AR_MONTHS = ("يناير|فبراير|مارس|أبريل|إبريل|مايو|يونيو|يوليو|أغسطس|سبتمبر|أكتوبر|نوفمبر|ديسمبر|"
              "كانون الثاني|شباط|آذار|نيسان|أيار|حزيران|تموز|آب|أيلول|تشرين الأول|تشرين الثاني|"
              "كانون الأول")
_AR_DAYS = "الاثنين|الإثنين|الثلاثاء|الأربعاء|الخميس|الجمعة|السبت|الأحد"
_DAY = r"\d{1,2}(?:er|st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d\d"
# A caption ends on a date, often after a place: « …, à Lyon, le 12 mars 2024. »
_DATE_END = {
    "fr": re.compile(
        rf"(?:,|\ble|\ben|\bce|\bdu)\s+(?:(?:{_FR_DAYS})\s+)?(?:{_DAY}\s+(?:{_FR_MONTHS})(?:\s+{_YEAR})?"
        rf"|(?:{_FR_DAYS})|(?:{_FR_MONTHS})\s+{_YEAR}|{_YEAR})\s*[.)]?\s*$", re.I),
    "en": re.compile(
        rf"(?:,|\bon|\bin)\s+(?:(?:{_EN_DAYS}),?\s+)?(?:(?:{_EN_MONTHS})\.?\s+{_DAY}(?:,?\s+{_YEAR})?"
        rf"|{_DAY}\s+(?:{_EN_MONTHS})(?:\s+{_YEAR})?|(?:{_EN_DAYS})|(?:{_EN_MONTHS})\s+{_YEAR}|{_YEAR})"
        r"\s*[.)]?\s*$"),
    "ar": re.compile(
        rf"(?:،|,|\s)\s*(?:(?:يوم\s+)?(?:{_AR_DAYS})\s*)?(?:[\d٠-٩]{{1,2}}\s+(?:{_AR_MONTHS})"
        rf"(?:\s+[\d٠-٩]{{4}})?|(?:{_AR_DAYS}))\s*[.)]?\s*$"),
}
# Finite verbs (a sentence, not a caption): auxiliaries, common verbs, telling endings.
_FINITE = {
    "fr": re.compile(
        r"(?i:\b(?:est|sont|a|ont|avait|avaient|était|étaient|sera|seront|serait|fut|va|vont|fait|"
        r"font|doit|doivent|peut|peuvent|veut|dit|disent|annonce|annoncent|affirme|estime|"
        r"reste|restent|devient|vient|viennent|semble|meurt|meurent|naît|part|partent|prend|"
        r"prennent|perd|perdent|met|mettent|sort|sortent|tient|obtient|reçoit|rejoint|atteint|"
        r"bat|battent|quitte|lance|signe|frappe|tue|remporte|condamne|dénonce|demande|appelle|"
        r"promet|propose|refuse|accuse|menace|confirme|révèle|rejette|réclame|exige|attaque|"
        r"il|elle|ils|elles|on|nous|vous|je|j|qui|que|qu|se|s)\b)"
        r"|\b\w{3,}(?:aient|èrent|era|eront|erait|eraient|erons|issent|ait)\b"
        r"|\b\w+[sx]\s+\w{2,}(?<!m)ent\b"),  # « les syndicats manifestent »
    "en": re.compile(
        r"(?i:\b(?:is|are|was|were|has|have|had|will|would|can|could|should|may|might|must|"
        r"does|do|did|says|said|tells|told|he|she|they|we|i|it|who|which|that|"
        # irregular pasts and headline presents: « died » is caught by -ed, « fell » is not
        r"fell|won|lost|beat|took|made|left|met|shot|struck|hit|ran|saw|gave|came|went|got|sent|"
        r"held|led|found|kept|paid|put|sold|spent|stood|thought|threw|wrote|broke|chose|drove|"
        r"flew|grew|knew|rose|spoke|stole|swore|became|began|brought|bought|caught|fought|"
        r"sought|taught|dies|wins|loses|calls|warns|urges|vows|faces|admits|claims|denies|"
        r"insists|plans|wants|needs|gets|makes|takes|goes|comes|gives|shows|finds)\b)"
        r"|\b\w{2,}ed\b"
        r"|(?i:\b(?:the|a|an|this|his|her|its)\s+\w+(?<!s)\s+\w{2,}(?<!s)s\b)"),  # « the vote takes »
    "ar": re.compile(r"(?:^|\s)(?:قال|قالت|أعلن|أعلنت|أكد|أكدت|يقول|تقول|كان|كانت|تم|سيتم|يجب|"
                     r"يمكن|هو|هي|هم|الذي|التي)(?=\s|$)"),
}
# Photo credits: « Photograph: Name/Agency », « AFP PHOTO / NAME », « © Agency »,
# « AGENCE / PHOTOGRAPHER », « Pic: … », « Name via Getty Images », a picture desk's phone.
_CREDIT = re.compile(
    r"""^\s*(?:
        (?i:photo(?:graph|s)?|pic(?:ture)?s?|image|credits?(?:\s+photo)?|crédits?(?:\s+photo)?|
            illustration|source\s+photo)\s*:\s*\S.*
      | ©\s*\S.*
      | .*\b(?:Getty\s+Images|Shutterstock|REX|AFP(?:\s+PHOTO)?|AP(?:\s+Photo)?|REUTERS|Reuters|
            EPA|SIPA|Sipa|MAXPPP|Hans\s+Lucas|Alamy|PA\s+Wire|PA\s+Images)
            (?:\s*/\s*[\w .'’-]+)*\s*\)?\s*\.?
      | [A-ZÀ-Þ][A-ZÀ-Þ.'’-]*(?:\s+[A-ZÀ-Þ][A-ZÀ-Þ.'’-]*)*\s*/\s*[^\s/]+(?:\s+[^\s/]+){0,4}
      | .*\(\s*0\d{3,4}\s?\d{5,7}\s*\).*
    )\s*$""",
    re.X | re.S,
)
_TRAILING_CREDIT = re.compile(
    r"(?<=[.)])\s+(?:[A-ZÀ-Þ][A-ZÀ-Þ.'’-]*(?:\s+[A-ZÀ-Þ][A-ZÀ-Þ.'’-]*)*\s*/\s*[\w .'’/-]+"
    r"|AFP|REUTERS|AP|EPA|SIPA|MAXPPP)\s*$")
_CAPTION_WORDS = 24
_CREDIT_WORDS = 14


def looks_like_caption(text: str, language: str) -> bool:
    """Whether a text reads like a photo caption or credit rather than a story's words.

    A credit (« Photograph: A. Name/AP », « AGENCE / PHOTOGRAPHE »), or a short phrase with
    no finite verb that ends in a date, often after a place: « Le port de Sète, le 12 mars 2024. »,
    « A protester in Lyon on Tuesday. ».
    """
    text = " ".join(text.split())
    words = text.split()
    if not words:
        return False
    if len(words) <= _CREDIT_WORDS and _CREDIT.match(text):
        return True
    if len(words) > _CAPTION_WORDS:
        return False
    text = _TRAILING_CREDIT.sub("", text)  # « …, le 12 mars 2024. NOM PRÉNOM / AFP »
    date_end = _DATE_END.get(language)
    finite = _FINITE.get(language)
    if date_end is None or finite is None or not date_end.search(text):
        return False
    head = date_end.sub("", text)
    return finite.search(head) is None and not re.search(r"[.!?;:]\s", head)


# French typography: a no-break space before « : » and inside « « » », a narrow one
# before « ; ! ? ». Only existing spaces are replaced: nothing is inserted.
_FR_SPACE_BEFORE = re.compile(r"[ \u2009\u200a\u2007](?=[:;!?»])")
_FR_SPACE_AFTER = re.compile(r"(?<=«)[ \u2009\u200a\u2007]")


def french_spacing(text: str) -> str:
    """Plain, thin and hair spaces before : ; ! ? » and after « made non-breaking."""
    if not any(c in text for c in ":;!?«»"):
        return text
    text = _FR_SPACE_AFTER.sub("\u00a0", text)
    return _FR_SPACE_BEFORE.sub(lambda m: _FR_NBSP[text[m.end()]], text)


_FR_NBSP = {":": "\u00a0", "»": "\u00a0", ";": "\u202f", "!": "\u202f", "?": "\u202f"}
