"""Each feed entry's text by role: headline, standfirst, article body, captions.

feedparser flattens the roles of an entry's texts. A ``media:description`` (a photo's
caption or credit) lands in ``entry.content`` when it follows the description, with the
type ``text/plain`` that no RSS body element has, or in ``summary`` when it comes first (the
real description then goes to ``content``); ``content:encoded`` lands in ``content`` as
``text/html``. So the feed's raw bytes are scanned once for its Media RSS captions
(:func:`media_captions`), and :func:`entry_text` gives every text its role back. A caption is
never a story's text, summary or reading-time basis.
"""

from __future__ import annotations

import codecs
import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from ..text import detect_language
from ..text.furniture import looks_like_caption, strip_rubric


@dataclass(frozen=True)
class EntryText:
    """An entry's words by role, cleaned: plain text, paragraphs joined by blank lines."""

    headline: str
    standfirst: str  # the publisher's description / summary ("" when it had none)
    body: str  # article text the feed carries ("" for a teaser-only feed)
    language: str
    captions: tuple[str, ...] = ()  # what was set aside: never a story's text
    teaser: bool = False  # the publisher cut the text short ([…], « Lire la suite », Read more)


# --- HTML to plain text -------------------------------------------------------------------


class _TextExtractor(HTMLParser):
    """Collects text, breaking at block elements; drops scripts, styles and captions.

    In markup a line break is only a space: paragraphs come from the block elements.
    """

    BLOCKS = frozenset({"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
                        "tr", "figure", "section", "article", "ul", "ol", "table", "hr"})
    SKIP = frozenset({"script", "style", "noscript", "iframe", "svg", "figcaption", "template"})
    _CAPTION_CLASS = re.compile(r"caption|credit|legende|légende", re.I)

    def __init__(self, markup: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.markup = markup
        self.parts: list[str] = []
        self.skip_tag: str | None = None
        self.skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skip_tag is not None:
            if tag == self.skip_tag:
                self.skip_depth += 1
            elif self.skip_tag == "p" and tag in self.BLOCKS:  # an unclosed caption <p>
                self.skip_tag, self.skip_depth = None, 0
                self.parts.append("\n")
            return
        if tag in self.SKIP or self._is_caption(attrs):
            self.skip_tag, self.skip_depth = tag, 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def _is_caption(self, attrs: list[tuple[str, str | None]]) -> bool:
        return any(name == "class" and value and self._CAPTION_CLASS.search(value)
                   for name, value in attrs)

    def handle_endtag(self, tag: str) -> None:
        if self.skip_tag is not None:
            if tag == self.skip_tag:
                self.skip_depth -= 1
                if self.skip_depth <= 0:
                    self.skip_tag, self.skip_depth = None, 0
            return
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skip_tag is None:
            self.parts.append(data.replace("\n", " ") if self.markup else data)


_MARKUP = re.compile(r"<\s*/?\s*(?:[a-zA-Z][a-zA-Z0-9]*)(?:\s[^<>]*)?/?\s*>")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});")
_KEPT_SPACES = ("\u00a0", "\u202f")  # no-break spaces: French typography, numbers (12 000 €)
_SPACE_RUN = re.compile(r"\s+")


def clean_text(fragment: str, *, paragraphs: bool = False) -> str:
    """Plain text from an HTML fragment: entities decoded (twice-escaped ones too), tags,
    scripts and captions gone, no-break spaces kept.

    With ``paragraphs`` the block breaks are kept as blank lines; otherwise all
    whitespace collapses to single spaces.
    """
    if not fragment:
        return ""
    plain = "<" not in fragment and "&" not in fragment  # nothing to parse
    text = fragment if plain else _strip_tags(fragment)
    if "<" in text and _MARKUP.search(text):  # markup that the feed escaped once more (&amp;lt;b&amp;gt;)
        text = _strip_tags(text)
    for _ in range(2):  # entities escaped once or twice more (&amp;#039; &amp;amp;eacute;)
        if "&" not in text or not _ENTITY.search(text):
            break
        text = html.unescape(text)
    if not paragraphs:
        return _squash(text)
    lines = (_squash(line) for line in text.split("\n"))
    return "\n\n".join(line for line in lines if line)


def _squash(text: str) -> str:
    # str.split() splits on every Unicode space and is several times faster than a regular
    # expression (this runs for every title and summary): only text with a no-break space
    # takes the slow path, which keeps one where a run of spaces had one.
    if "\u00a0" not in text and "\u202f" not in text:  # _KEPT_SPACES, spelt out: runs per text
        return " ".join(text.split())
    return _SPACE_RUN.sub(_one_space, text).strip()


def _one_space(match: re.Match[str]) -> str:
    run = match.group()
    return "\u202f" if "\u202f" in run else "\u00a0" if "\u00a0" in run else " "


def _strip_tags(fragment: str) -> str:
    extractor = _TextExtractor(markup="<" in fragment and _MARKUP.search(fragment) is not None)
    extractor.feed(fragment)
    extractor.close()
    return "".join(extractor.parts)


# --- mojibake ------------------------------------------------------------------------------

# UTF-8 read as Windows-1252 or Latin-1 (« Ã© », « â€™ », « Â« »), or stray C1 controls.
_MOJIBAKE = re.compile("[ÃÂ][\u00a0-\u00bf\u0080-\u009f€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]"
                       "|â€|Å[\u0080-\u00bf“”]|[\u0080-\u009f]")


def repair(text: str) -> str:
    """Mojibake undone (ftfy, loaded only when a text shows the signs); quotes left curly."""
    if not _MOJIBAKE.search(text):
        return text
    import ftfy  # ~85 ms to import: only for the rare broken text

    config = ftfy.TextFixerConfig(unescape_html=False, uncurl_quotes=False,
                                  fix_latin_ligatures=False, fix_character_width=False,
                                  fix_line_breaks=False, explain=False)
    return ftfy.fix_text(text, config)


# --- captions from the raw feed ------------------------------------------------------------

_MRSS_PREFIX = re.compile(rb"""xmlns:([A-Za-z_][\w.-]*)\s*=\s*["']http://search\.yahoo\.com/mrss/?["']""")
_XML_ENCODING = re.compile(rb"""^[^>]{0,200}encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""")
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)


def media_captions(raw: bytes) -> frozenset[str]:
    """The texts of a feed's Media RSS ``description`` and ``text`` elements, as keys
    (:func:`caption_key`): what feedparser may leave in an entry's content or summary."""
    if b"search.yahoo.com/mrss" not in raw:
        return frozenset()
    encoding = _encoding(raw)
    found: set[str] = set()
    for prefix in set(_MRSS_PREFIX.findall(raw)):
        p = re.escape(prefix)
        element = re.compile(rb"<" + p + rb":(description|text)\b[^>]*>(.*?)</" + p + rb":\1\s*>", re.S)
        for match in element.finditer(raw):
            value = match.group(2).decode(encoding, errors="replace")
            value = _CDATA.sub(lambda m: html.escape(m.group(1), quote=False), value)
            key = caption_key(html.unescape(value))
            if key:
                found.add(key)
    return frozenset(found)


def _encoding(raw: bytes) -> str:
    match = _XML_ENCODING.match(raw)
    name = match.group(1).decode("ascii") if match else "utf-8"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "utf-8"


def caption_key(text: str) -> str:
    """A text as compared with the captions: plain, spaces collapsed, case folded."""
    return " ".join(clean_text(text).split()).casefold()


# --- furniture around the words ------------------------------------------------------------

# Whole paragraphs that are the publisher's furniture, not the story.
_FURNITURE_PARAGRAPH = re.compile(
    r"""^(?:
        (?i:continue\s+reading|read\s+more|read\s+the\s+full\s+(?:story|article)|lire\s+la\s+suite|
            voir\s+la\s+suite|la\s+suite\s+sur|(?:lire|voir)\s+aussi|à\s+lire\s+aussi|related|see\s+also|
            also\s+read|more\s+on\s+this\s+story|اقرأ\s+(?:أيضا|أيضاً|المزيد)|تابع\s+القراءة|المزيد)
            \b.{0,300}
      | (?i:the\s+post\s).{1,300}\sappeared\s+first\s+on\s.{1,200}
      | (?i:l[’']article\s).{1,300}\s(?:est\s+apparu|a\s+été\s+publié)\s.{0,40}\s(?:sur|dans)\s.{1,200}
      | (?:ظهرت\s+المقالة|ظهر\s+المقال|المقالة|المقال)\s.{1,300}\s(?:أولاً|أولا)\s+(?:على|في)\s.{1,200}
      | (?i:this\s+(?:article|story)\s+was\s+(?:amended|corrected|updated)\s+on)\b.{0,400}
      | (?i:cet\s+article\s+a\s+été\s+(?:modifié|corrigé|mis\s+à\s+jour))\b.{0,400}
    )$""",
    re.X | re.S,
)
# The same furniture glued to the end of the last paragraph, and the teaser's marks.
_TAIL = re.compile(
    r"""\s*(?:
        (?i:the\s+post\s).{1,300}\sappeared\s+first\s+on\s[^.]{1,200}\.?
      | (?i:l[’']article\s).{1,300}\s(?:est\s+apparu|a\s+été\s+publié)\s.{0,40}\s(?:sur|dans)\s[^.]{1,200}\.?
      | (?:^|(?<=[.!?…»”")\]]))\s*  # « Read more » after a sentence, not « … to read more »
        (?i:continue\s+reading|read\s+more|lire\s+la\s+suite|la\s+suite\s+sur\s+\S+|تابع\s+القراءة)
            \s*(?:\.{2,3}|…|»|›|→|>)?
      | \[\s*(?:…|\.\.\.)\s*\]
      | \(\s*(?:…|\.\.\.)\s*\)
    )\s*$""",
    re.X | re.S,
)
_TEASER_END = re.compile(r"(?:\.\.\.|…)\s*$")
_SENTENCE_END = re.compile(r"[.!?…؟»”\"')]\s*$")
_LAST_SENTENCE = re.compile(r"^(.*[.!?؟](?:\s*[»”\"’)])?)\s+\S[^.!?؟]*$", re.S)


def _without_furniture(text: str) -> tuple[str, bool]:
    """Paragraphs that are furniture dropped; a teaser's mark and broken last sentence cut."""
    paragraphs = [p for p in text.split("\n\n") if not _FURNITURE_PARAGRAPH.match(p)]
    teaser = False
    while paragraphs:
        last, count = _TAIL.subn("", paragraphs[-1])
        if not count:
            break
        teaser = True
        if last:
            paragraphs[-1] = last
            continue
        paragraphs.pop()
    if paragraphs and (teaser or _TEASER_END.search(paragraphs[-1])):
        teaser = True
        paragraphs[-1] = _whole_sentences(_TEASER_END.sub("", paragraphs[-1]).rstrip())
    return "\n\n".join(p for p in paragraphs if p), teaser


def _whole_sentences(text: str) -> str:
    """A cut-short paragraph back to its last whole sentence (or marked as cut)."""
    if not text or _SENTENCE_END.search(text):
        return text
    match = _LAST_SENTENCE.match(text)
    return match.group(1) if match else f"{text}…"


# --- roles ---------------------------------------------------------------------------------


@dataclass
class _Texts:
    standfirst: str = ""
    displaced: str = ""  # a description feedparser moved into content (a caption came first)
    bodies: tuple[str, ...] = ()
    captions: tuple[str, ...] = ()


def entry_text(entry: Any, *, version: str = "rss20", captions: frozenset[str] = frozenset(),
               language: str | None = None, rubrics: tuple[str, ...] = ()) -> EntryText:
    """The entry's headline, standfirst, body and captions (``language`` None: detected).

    ``captions`` are the feed's Media RSS captions (:func:`media_captions`); ``rubrics``
    are rubric labels to remove besides the built-in ones.
    """
    headline = repair(clean_text(entry.get("title", "")))
    texts = _sort_texts(entry, version, captions)
    standfirst = texts.standfirst or texts.displaced
    body = max(texts.bodies, key=len, default="")
    standfirst, body = _split_standfirst(entry, standfirst, body)
    body, body_teaser = _without_furniture(body)
    standfirst, teaser = _without_furniture(standfirst)
    language = language or detect_language(f"{headline} {standfirst} {body[:2000]}")
    set_aside = list(texts.captions)
    if standfirst and looks_like_caption(standfirst, language):
        set_aside.append(standfirst)
        standfirst = ""
    body, dropped = _drop_caption_paragraphs(body, language)
    set_aside += dropped
    if body and body == standfirst:
        body = ""
    headline = strip_rubric(headline, language, rubrics)
    standfirst = strip_rubric(standfirst, language, rubrics)
    return EntryText(headline=headline, standfirst=repair(standfirst), body=repair(body),
                     language=language, captions=tuple(set_aside),
                     teaser=teaser or body_teaser)


def _sort_texts(entry: Any, version: str, captions: frozenset[str]) -> _Texts:
    out = _Texts()
    summary = clean_text(entry.get("summary", "") or "", paragraphs=True)
    summary_is_caption = bool(summary) and caption_key(summary) in captions
    if summary_is_caption:
        out.captions += (summary,)
    else:
        out.standfirst = summary
    atom = version.startswith("atom")
    for content in entry.get("content", []) or []:
        text = clean_text(content.get("value", "") or "", paragraphs=True)
        if not text or text == summary:
            continue  # empty, or the copy feedparser makes when there is no summary
        plain = content.get("type") == "text/plain"
        if caption_key(text) in captions:
            out.captions += (text,)
        elif plain and summary_is_caption and not out.displaced:
            out.displaced = text  # the description / summary, displaced by a caption before it
        elif plain and not atom:
            # RSS has no plain-text body element: a media:description the scan did not find.
            out.captions += (text,)
        else:
            out.bodies += (text,)
    return out


def _split_standfirst(entry: Any, standfirst: str, body: str) -> tuple[str, str]:
    """A description that is a standfirst followed by the article's first paragraphs
    (the Guardian's shape) split in two, when the feed carries no other body."""
    if body or "\n\n" not in standfirst or "<p" not in (entry.get("summary") or ""):
        return standfirst, body
    first, rest = standfirst.split("\n\n", 1)
    rest_text, _ = _without_furniture(rest)
    if len(rest_text) <= len(first):
        return standfirst, body
    return first, rest


def _drop_caption_paragraphs(body: str, language: str) -> tuple[str, list[str]]:
    if not body:
        return body, []
    kept: list[str] = []
    dropped: list[str] = []
    for paragraph in body.split("\n\n"):
        (dropped if looks_like_caption(paragraph, language) else kept).append(paragraph)
    return "\n\n".join(kept), dropped


def lead_paragraph(body: str, limit: int = 400) -> str:
    """The body's first paragraph, as a summary when the feed has none: whole sentences
    within ``limit`` characters when there are any."""
    first = body.split("\n\n", 1)[0]
    if len(first) <= limit:
        return first
    cut = first[:limit]
    match = _LAST_SENTENCE.match(cut)
    return match.group(1) if match else cut.rsplit(" ", 1)[0] + "…"
