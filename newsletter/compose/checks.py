"""Pre-send checks of a stored issue: what an editor verifies before approving (pure).

Each check passes or fails with a short detail (numbers, the first culprits). They read
the artifact that will be sent (HTML and text with their placeholders), never the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

from ..models import Briefing, RenderedIssue
from .mime import encoded_size
from .placeholders import PREFERENCES_PLACEHOLDER, UNSUBSCRIBE_PLACEHOLDER

GMAIL_CLIP_BYTES = 102_000  # Gmail clips a message's HTML past ~102 KB (empirical)
SUBJECT_MAX = 90  # longer subjects are cut on phones
# What one subscriber's unsubscribe link adds to the HTML (a signed token, ~160 characters).
_SAMPLE_LINK = "/unsubscribe/" + "x" * 160

CHECK_NAMES = ("size", "reading_time", "https_links", "alt_text", "preheader", "unsubscribe",
               "postal_address", "text_part", "subject")
# What the law asks of every commercial email: an issue failing one of these is never
# stored, so never sent (pipeline.render_briefing). Only a template of [render]
# templates_dir can drop them; the other checks only make an issue better.
REQUIRED = ("unsubscribe", "postal_address")


@dataclass(frozen=True)
class Check:
    """One pre-send check: its name (a key of CHECK_NAMES), the verdict, and why."""

    name: str
    ok: bool
    detail: str  # in English (logs, the command line)
    key: str = ""  # the locale string for pages: t["check_" + key].format(**params)
    params: tuple[tuple[str, str], ...] = ()

    def localised(self, strings: dict[str, str]) -> str:
        template = strings.get(f"check_{self.key}") if self.key else None
        return template.format(**dict(self.params)) if template else self.detail


@dataclass(frozen=True)
class Limits:
    """What the issue must fit in (from [render] max_html_bytes and [newsletter])."""

    public_url: str
    max_html_bytes: int
    reading_minutes: int
    postal_address: str = ""  # [newsletter] postal_address; "": not looked for


class _Parts(HTMLParser):
    """Links, images and visible-or-not text of an HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.images: list[dict[str, str | None]] = []
        self.text: list[str] = []
        self.ids: set[str] = set()  # targets of in-page links (L'essentiel -> its stories)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.ids.update(v for k, v in attrs if k in ("id", "name") and v)
        if tag == "a" and values.get("href") is not None:
            self.links.append(values["href"] or "")
        elif tag == "img":
            self.images.append(values)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(html: str) -> _Parts:
    parts = _Parts()
    parts.feed(html)
    parts.close()
    return parts


def _squash(text: str) -> str:
    return " ".join(text.split())


def _first(items: list[str], n: int = 3) -> str:
    more = f" (+{len(items) - n})" if len(items) > n else ""
    return ", ".join(items[:n]) + more


def presend_checks(issue: RenderedIssue, briefing: Briefing, limits: Limits) -> list[Check]:
    """Every check of CHECK_NAMES, in that order."""
    parts = _parse(issue.html)
    return [
        check_size(issue, limits),
        check_reading_time(briefing, limits),
        check_links(parts, limits),
        check_alt_text(parts),
        check_preheader(issue, parts),
        check_unsubscribe(issue, parts),
        check_postal_address(issue, parts, limits.postal_address),
        check_text_part(issue, briefing, parts),
        check_subject(issue),
    ]


def check_size(issue: RenderedIssue, limits: Limits) -> Check:
    """The HTML part, as encoded in a message with one subscriber's link, under the limit."""
    size = encoded_size(issue.html, limits.public_url.rstrip("/") + _SAMPLE_LINK)
    limit = min(limits.max_html_bytes, GMAIL_CLIP_BYTES)
    return Check("size", size <= limit, f"{size / 1000:.1f} KB / {limit / 1000:.0f} KB", "size",
                 (("size", f"{size / 1000:.1f}"), ("limit", f"{limit / 1000:.0f}")))


def check_reading_time(briefing: Briefing, limits: Limits) -> Check:
    ok = briefing.reading_minutes <= limits.reading_minutes
    return Check("reading_time", ok, f"{briefing.reading_minutes} min / {limits.reading_minutes} min "
                                     f"({briefing.word_count} words)", "reading",
                 (("minutes", str(briefing.reading_minutes)),
                  ("budget", str(limits.reading_minutes)), ("words", str(briefing.word_count))))


def check_links(parts: _Parts, limits: Limits) -> Check:
    """Every link absolute https (the personal links are made from [newsletter] public_url),
    or a jump to an element of the email itself."""
    base = limits.public_url.rstrip("/")
    bad = []
    for href in parts.links:
        url = href.replace(UNSUBSCRIBE_PLACEHOLDER, base + "/unsubscribe/x").replace(
            PREFERENCES_PLACEHOLDER, base + "/preferences/x")
        if url.startswith("#") and url[1:] in parts.ids:
            continue  # a jump to a story further down the same email
        if not url.startswith("https://") and not url.startswith("mailto:"):
            bad.append(url or "(empty)")
    if bad:
        return Check("https_links", False, f"not https: {_first(bad)}", "links_bad",
                     (("which", _first(bad)),))
    return Check("https_links", True, f"{len(parts.links)} links", "links_ok",
                 (("n", str(len(parts.links))),))


def check_alt_text(parts: _Parts) -> Check:
    missing = [str(img.get("src") or "(no src)") for img in parts.images if img.get("alt") is None]
    if missing:
        return Check("alt_text", False, f"no alt: {_first(missing)}", "alt_missing",
                     (("which", _first(missing)),))
    return Check("alt_text", True, f"{len(parts.images)} images", "images_ok",
                 (("n", str(len(parts.images))),))


def check_preheader(issue: RenderedIssue, parts: _Parts) -> Check:
    preheader = _squash(issue.preheader)
    ok = bool(preheader) and preheader in _squash(" ".join(parts.text))
    if not preheader:
        return Check("preheader", ok, "empty", "empty")
    return Check("preheader", ok, f"{len(preheader)} characters", "characters",
                 (("n", str(len(preheader))),))


def check_unsubscribe(issue: RenderedIssue, parts: _Parts) -> Check:
    in_html = UNSUBSCRIBE_PLACEHOLDER in parts.links
    in_text = UNSUBSCRIBE_PLACEHOLDER in issue.text
    where = [name for name, ok in (("HTML", in_html), ("text", in_text)) if not ok]
    if not where:
        return Check("unsubscribe", True, "HTML and text", "unsubscribe_ok")
    key = "unsubscribe_missing_" + ("both" if len(where) == 2 else where[0].lower())
    return Check("unsubscribe", False, f"missing from the {' and '.join(where)} part", key)


def check_postal_address(issue: RenderedIssue, parts: _Parts, address: str) -> Check:
    """The sender's postal address, as configured, in the HTML (as text) and the text part."""
    wanted = _squash(address)
    if not wanted:
        return Check("postal_address", True, "no address configured", "no_address")
    where = [name for name, text in (("HTML", " ".join(parts.text)), ("text", issue.text))
             if wanted not in _squash(text)]
    if not where:
        return Check("postal_address", True, "HTML and text", "unsubscribe_ok")
    key = "unsubscribe_missing_" + ("both" if len(where) == 2 else where[0].lower())
    return Check("postal_address", False, f"missing from the {' and '.join(where)} part", key)


def required_failures(issue: RenderedIssue, postal_address: str) -> list[Check]:
    """The REQUIRED checks ``issue`` fails (none: it may be sent)."""
    parts = _parse(issue.html)
    checks = (check_unsubscribe(issue, parts), check_postal_address(issue, parts, postal_address))
    return [c for c in checks if not c.ok]


def check_text_part(issue: RenderedIssue, briefing: Briefing, parts: _Parts) -> Check:
    """Every story of the HTML part is in the text part too (headline and link)."""
    text = _squash(issue.text)
    links = set(parts.links)
    shown = [i for i in (*briefing.items, *briefing.in_brief) if i.url in links]
    missing = [i.headline for i in shown
               if i.url not in text or _squash(i.headline) not in text]
    if missing:
        return Check("text_part", False, f"missing: {_first(missing, 2)}", "stories_missing",
                     (("which", _first(missing, 2)),))
    return Check("text_part", bool(shown), f"{len(shown)} stories", "stories_ok",
                 (("n", str(len(shown))),))


def check_subject(issue: RenderedIssue) -> Check:
    subject = issue.subject.strip()
    ok = 0 < len(subject) <= SUBJECT_MAX
    return Check("subject", ok, f"{len(subject)} / {SUBJECT_MAX} characters", "subject",
                 (("n", str(len(subject))), ("max", str(SUBJECT_MAX))))
