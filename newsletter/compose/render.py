"""Rendering a Briefing into the stored issue: inlined HTML and its plain-text twin."""

from __future__ import annotations

import re
import textwrap
import tomllib
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal
from jinja2 import Environment, StrictUndefined, select_autoescape

from ..brand import Brand
from ..errors import ConfigError, RenderError
from ..models import Briefing, BriefingItem, RenderedIssue
from ..resources import resource_dir
from ..text import bound
from ..text.furniture import french_spacing
from .checks import SUBJECT_MAX
from .inline import inline_css
from .mime import encoded_size
from .placeholders import NAME_PLACEHOLDER, PLACEHOLDERS, PREFERENCES_PLACEHOLDER, UNSUBSCRIBE_PLACEHOLDER
from .templates import template_failure, template_loader

# Opaque per-subscriber placeholders: no spaces or braces, so the inliner leaves them alone.
TEXT_WIDTH = 72


@lru_cache(maxsize=16)
def strings(language: str, override: Path | None = None) -> dict[str, str]:
    """The fixed strings of one language, from templates/locale/<language>.toml; with
    ``override`` ([render] templates_dir), its locale/<language>.toml replaces some."""
    path = resource_dir("templates") / "locale" / f"{language}.toml"
    try:
        ours: dict[str, str] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RenderError(f"cannot read the {language!r} strings at {path}: {exc}") from exc
    theirs = override / "locale" / f"{language}.toml" if override is not None else None
    if theirs is None or not theirs.is_file():
        return ours
    try:
        return ours | tomllib.loads(theirs.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"[render] templates_dir: cannot read {theirs}: {exc}") from exc


@lru_cache(maxsize=8)
def _environment(autoescape: bool, override: Path | None = None) -> Environment:
    env = Environment(
        loader=template_loader(override),
        autoescape=select_autoescape(["html"]) if autoescape else False,
        undefined=StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=True,
    )
    env.filters["wrap"] = wrap_text
    return env


def wrap_text(text: str, width: int = TEXT_WIDTH, indent: str = "") -> str:
    """Wrap at ``width`` columns, never breaking a word or a URL, nor after « or before ».

    textwrap breaks only at ASCII whitespace: no-break spaces hold their words together.
    """
    return textwrap.fill(_GUILLEMET_SPACE.sub("\u00a0", text), width=width,
                         subsequent_indent=indent, break_long_words=False,
                         break_on_hyphens=False)


_GUILLEMET_SPACE = re.compile(r"(?<=«) | (?=»)")


def typeset(briefing: Briefing) -> Briefing:
    """A French issue's headlines and summaries with French spacing: the spaces before
    : ; ! ? » and after « made non-breaking (summaries are rebuilt from sentences, which
    lose them). Nothing is inserted where the text has no space."""
    if briefing.language != "fr":
        return briefing

    def fix(item: BriefingItem) -> BriefingItem:
        return replace(item, headline=french_spacing(item.headline),
                       summary=french_spacing(item.summary))

    return replace(briefing, items=tuple(map(fix, briefing.items)),
                   in_brief=tuple(map(fix, briefing.in_brief)))


# Gmail clips a message past ~102 KB and hides the footer (and its unsubscribe link) with
# it: the HTML part, as encoded in the message, stays under this.
EMAIL_HTML_LIMIT = 90_000
_SAMPLE_URL = "https://news.example.org/unsubscribe/" + "x" * 160


def render_issue(briefing: Briefing, *, postal_address: str, web_url: str,
                 inliner: str = "premailer", limit: int = EMAIL_HTML_LIMIT,
                 brand: Brand | None = None, templates_dir: Path | None = None,
                 clicks_counted: bool = False) -> RenderedIssue:
    """HTML (inlined once) and text of the issue, with the unsubscribe placeholder in both.

    When the HTML would pass ``limit`` bytes, the lowest-ranked stories stay in the web
    version only (``web_html``, which has them all) and the email says how many. The
    subject is cut to SUBJECT_MAX characters (between words, never inside a letter).
    ``brand`` is the look (ours by default); ``templates_dir`` a folder whose
    email/briefing.html, email/briefing.txt and locale files replace ours.
    ``clicks_counted``: the story links go through the counting redirect ([readership]
    clicks), and the footer says what is counted (``clicks_note``).
    """
    briefing = typeset(replace(briefing, subject=bound(briefing.subject, SUBJECT_MAX)))
    look = _Look(brand or Brand(), templates_dir, clicks_counted)
    web_html, text = _render(briefing, postal_address, web_url, inliner, look, more=0)
    html, kept, moved = web_html, briefing, 0
    size = encoded_size(html, _SAMPLE_URL)
    total = len(briefing.items) + len(briefing.in_brief)
    while size > limit and moved < total:
        # Jump close to the right count, then step one story at a time.
        estimate = int((total - moved) * (1 - limit / size)) if size > limit * 1.1 else 1
        moved = min(total, moved + max(1, estimate))
        kept = _keep(briefing, total - moved)
        html, text = _render(kept, postal_address, web_url, inliner, look, more=moved)
        size = encoded_size(html, _SAMPLE_URL)
    if size > limit:
        raise RenderError(f"the {briefing.issue_date} issue is {size} bytes even without stories")
    return RenderedIssue(
        issue_date=briefing.issue_date, language=briefing.language, subject=briefing.subject,
        preheader=briefing.preheader, html=html, text=text, web_html=web_html,
        moved_online=moved,
    )


def _keep(briefing: Briefing, count: int) -> Briefing:
    items = briefing.items[:count]
    brief = briefing.in_brief[: max(0, count - len(items))]
    return replace(briefing, items=items, in_brief=brief)


@dataclass(frozen=True)
class _Look:
    brand: Brand
    templates_dir: Path | None
    clicks_counted: bool = False


def _render(briefing: Briefing, postal_address: str, web_url: str, inliner: str, look: _Look,
            *, more: int) -> tuple[str, str]:
    context = _context(briefing, postal_address=postal_address, web_url=web_url, look=look)
    context["more_online"] = more
    what = f"the {briefing.issue_date} issue"
    try:
        html = _environment(True, look.templates_dir).get_template(
            "email/briefing.html").render(context)
        text = _environment(False, look.templates_dir).get_template(
            "email/briefing.txt").render(context)
    except Exception as exc:
        raise template_failure(exc, look.templates_dir, what) from exc
    inlined = inline_css(html, backend=inliner)
    for placeholder in PLACEHOLDERS:
        if inlined.count(placeholder) != html.count(placeholder):
            raise RenderError(f"the inliner altered the placeholder {placeholder}")
    return inlined, _tidy_text(text)


def _context(briefing: Briefing, *, postal_address: str, web_url: str, look: _Look
             ) -> dict[str, Any]:
    t = strings(briefing.language, look.templates_dir)
    sections = [(name or t["other_news"], items) for name, items in briefing.sections]
    return {
        "language": briefing.language,
        "t": t,
        "start": "right" if t["direction"] == "rtl" else "left",
        "title": briefing.title,
        "subject": briefing.subject,
        "preheader": briefing.preheader,
        "date_long": format_date(briefing.issue_date, format="full", locale=briefing.language),
        "reading_label": t["reading_time"].format(
            minutes=format_decimal(briefing.reading_minutes, locale=briefing.language)),
        "num": lambda n: format_decimal(n, locale=briefing.language),
        "sections": sections,
        # L'essentiel: the three lead stories, one line each, linking to their item below.
        "essentials": briefing.items[:3] if len(briefing.items) > 1 else (),
        "in_brief": briefing.in_brief,
        "postal_address": postal_address,
        "unsubscribe_url": UNSUBSCRIBE_PLACEHOLDER,
        "preferences_url": PREFERENCES_PLACEHOLDER,
        "greeting": t["greeting"].format(name=NAME_PLACEHOLDER),
        "web_url": web_url,
        "brand": look.brand,
        "colors": look.brand.colors,
        "clicks_note": t["clicks_note"] if look.clicks_counted else "",
    }


def _tidy_text(text: str) -> str:
    """At most one blank line in a row; lines end without trailing spaces (but '-- ')."""
    out: list[str] = []
    for line in text.splitlines():
        line = line if line == "-- " else line.rstrip()
        if line == "" and out and out[-1] == "":
            continue
        out.append(line)
    return "\n".join(out).strip("\n") + "\n"


def impersonal(html: str, public_url: str) -> str:
    """The issue with no personal link or name: for the web version and previews."""
    base = public_url.rstrip("/")
    return (html.replace(UNSUBSCRIBE_PLACEHOLDER, f"{base}/unsubscribe")
            .replace(PREFERENCES_PLACEHOLDER, f"{base}/unsubscribe")
            .replace(NAME_PLACEHOLDER, ""))
