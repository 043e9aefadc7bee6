"""The public site: home page, archive, the web version of an issue, the Atom feed.

One rendering path for the live site (`newsletter serve`) and its static copy
(`newsletter archive --out`): the pages are built here from the store's public issues
(those whose send has begun) with the same templates; only their links differ
(``Links``: the live routes, or the files of the static folder).
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal
from jinja2 import Environment

from ..compose import impersonal, strings
from ..config import LANGUAGES, Config, parse_hhmm
from ..people.signup import HONEYPOT_FIELD, known_sections
from ..store import Store
from .templating import web_environment

PUBLIC_ISSUES = ("sending", "sent")  # statuses whose web version anyone may read
HOME_DAYS = 6  # issue dates shown as cards on the home page
ARCHIVE_DAYS = 60  # issue dates per archive page
FEED_DAYS = 30  # issue dates in the Atom feed (each with all its editions)
ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# The part of an issue's footer that speaks to one subscriber (templates/email/briefing.html).
PERSONAL_FOOTER = re.compile(r"<!-- personal-footer -->.*?<!-- /personal-footer -->", re.S)


@dataclass(frozen=True)
class Edition:
    """One language edition of a public issue."""

    issue_date: date
    language: str
    subject: str
    preheader: str


@dataclass(frozen=True)
class IssueDay:
    """The public editions of one issue date: the newsletter's language first."""

    issue_date: date
    editions: tuple[Edition, ...]

    def edition(self, language: str) -> Edition:
        """The edition in ``language``, else the first (the newsletter's own language)."""
        return next((e for e in self.editions if e.language == language), self.editions[0])


def public_days(store: Store, main_language: str) -> list[IssueDay]:
    """Every issue date with a public edition, newest first; drafts stay in the editor's desk."""
    by_day: dict[date, list[Edition]] = {}
    for row in store.list_issues():
        if row["status"] in PUBLIC_ISSUES:
            by_day.setdefault(row["issue_date"], []).append(
                Edition(row["issue_date"], row["language"], row["subject"], row["preheader"]))
    order = [main_language, *(code for code in LANGUAGES if code != main_language)]

    def rank(e: Edition) -> int:
        return order.index(e.language) if e.language in order else len(order)

    return [IssueDay(day, tuple(sorted(editions, key=rank)))
            for day, editions in sorted(by_day.items(), reverse=True)]


def issue_file(issue_date: date, language: str, main_language: str) -> str:
    """The static copy's file name of an edition (beside the others in issues/)."""
    return (f"{issue_date}.html" if language == main_language
            else f"{issue_date}.{language}.html")


@dataclass(frozen=True)
class Links:
    """Where the public pages point: the live site's routes, or the static folder's files.

    ``base_url`` makes the Atom feed's absolute links (the live site's public URL, or where
    the static folder is served); ``subscribe`` is where sign-up forms post (absolute in the
    static copy: the live site takes the sign-ups). A static page in a sub-folder reaches
    the others through ``up`` ("../").
    """

    base_url: str
    main_language: str
    subscribe: str
    static: bool = False
    up: str = ""

    @classmethod
    def live(cls, config: Config) -> Links:
        return cls(config.newsletter.public_url.rstrip("/"), config.newsletter.language,
                   "/subscribe")

    @classmethod
    def files(cls, config: Config, base_url: str | None = None) -> Links:
        public = config.newsletter.public_url.rstrip("/")
        return cls((base_url or public).rstrip("/"), config.newsletter.language,
                   f"{public}/subscribe", static=True)

    def below(self) -> Links:
        """The links of a page one folder down (archive/, issues/) of the static copy."""
        return replace(self, up=self.up + "../") if self.static else self

    def _path(self, kind: str, issue_date: date | None = None, language: str = "",
              page: int = 1) -> str:
        """The path from the site's root, without its leading slash."""
        if kind == "home":
            return "index.html" if self.static else ""
        if kind == "archive" and page > 1:
            return f"archive/page-{page}.html" if self.static else f"archive/?page={page}"
        if kind == "archive":
            return "archive/index.html" if self.static else "archive/"
        if kind == "feed":
            return "archive/atom.xml"
        assert issue_date is not None
        if self.static:
            return f"issues/{issue_file(issue_date, language, self.main_language)}"
        query = "" if language in ("", self.main_language) else f"?lang={language}"
        return f"issues/{issue_date}{query}"

    def _local(self, path: str) -> str:
        return self.up + path if self.static else "/" + path

    def home(self) -> str:
        return self._local(self._path("home"))

    def archive(self, page: int = 1) -> str:
        return self._local(self._path("archive", page=page))

    def feed(self) -> str:
        return self._local(self._path("feed"))

    def issue(self, issue_date: date, language: str) -> str:
        return self._local(self._path("issue", issue_date, language))

    def absolute(self, kind: str, issue_date: date | None = None, language: str = "") -> str:
        """An absolute URL (the feed's links): ``kind`` is home, archive, feed or issue."""
        return f"{self.base_url}/{self._path(kind, issue_date, language)}"


def signup_form(config: Config, language: str, *, action: str, csrf: str | None = None,
                values: dict[str, Any] | None = None,
                problems: dict[str, str] | None = None) -> dict[str, Any]:
    """What templates/web/subscribe_form.html needs: the /subscribe page, the home page
    (both with our form token) and the static home page (posting to the live site)."""
    t = strings(language)
    return {"action": action, "csrf": csrf, "entered": values or {}, "problems": problems or {},
            "sections": known_sections(config), "languages": LANGUAGES,
            "honeypot": HONEYPOT_FIELD, "lang": language,
            "consent": t["signup_consent"].format(name=config.newsletter.name)}


def embed_snippet(config: Config, language: str) -> str:
    """The sign-up form for the publisher's own pages (`newsletter signup snippet`): it posts
    to the live site's /subscribe, as a form of an allowed origin (web/embed.py)."""
    public = config.newsletter.public_url.rstrip("/")
    form = signup_form(config, language, action=f"{public}/subscribe")
    return web_environment(config).get_template("snippet.html").render(
        t=strings(language), language=language, name=config.newsletter.name, **form)


def description(config: Config, language: str) -> str:
    """The home page's line on what the newsletter is: the configured one, else the
    language's own sentence."""
    return config.newsletter.description or strings(language)["signup_intro"].format(
        minutes=format_decimal(config.newsletter.reading_minutes, locale=language))


def published_at(config: Config, issue_date: date) -> datetime:
    """When an issue is published: its day's [schedule] send_at in the newsletter's zone."""
    # As the scheduler reads wall-clock times: a time skipped by the clocks moves forward.
    at = datetime.combine(issue_date, parse_hhmm(config.schedule.send_at), tzinfo=config.zone)
    return at.astimezone(UTC)


class Site:
    """The public pages of one newsletter, rendered from its store's public issues."""

    def __init__(self, config: Config, store: Store, env: Environment) -> None:
        self.config = config
        self.store = store
        self.env = env
        self.main = config.newsletter.language

    def days(self) -> list[IssueDay]:
        return public_days(self.store, self.main)

    def _render(self, template: str, language: str, links: Links, **context: Any) -> str:
        return self.env.get_template(template).render(
            t=strings(language), language=language, name=self.config.newsletter.name,
            links=links, languages=LANGUAGES, postal_address=self.config.newsletter.postal_address,
            signup_open=self.config.signup.enabled, **context)

    def _edition_links(self, day: IssueDay, links: Links, current: str | None = None
                       ) -> list[dict[str, Any]]:
        return [{"language": e.language, "label": strings(e.language)[f"language_{e.language}"],
                 "dir": strings(e.language)["direction"], "href": links.issue(e.issue_date, e.language),
                 "current": e.language == current}
                for e in day.editions]

    # -- the home page ---------------------------------------------------------------

    def card(self, day: IssueDay, language: str, links: Links) -> dict[str, Any]:
        """An issue date as the home page shows it, in the edition nearest the reader's
        language: its date, lead headline and reading time, and every edition's link."""
        edition = day.edition(language)
        lang = edition.language
        t = strings(lang)
        stored = self.store.issue_briefing(day.issue_date, lang) or {}
        lead: dict[str, Any] = next(iter([*(stored.get("items") or []),
                                          *(stored.get("in_brief") or [])]), {})
        minutes = stored.get("reading_minutes")
        return {
            "language": lang, "dir": t["direction"],
            "date_long": format_date(day.issue_date, format="full", locale=lang),
            "headline": lead.get("headline") or edition.subject,
            "reading": t["reading_time"].format(minutes=format_decimal(minutes, locale=lang))
                       if isinstance(minutes, int) and minutes > 0 else "",
            "href": links.issue(day.issue_date, lang),
            "editions": self._edition_links(day, links, current=lang),
        }

    def home(self, links: Links, language: str, form: dict[str, Any] | None) -> str:
        """The home page: name, what it is, the subscribe form (None: sign-up closed) and
        the latest issues."""
        cards = [self.card(day, language, links) for day in self.days()[:HOME_DAYS]]
        return self._render("home.html", language, links, cards=cards, form=form,
                            description=description(self.config, language))

    # -- the archive -----------------------------------------------------------------

    def archive_pages(self) -> int:
        return max(1, math.ceil(len(self.days()) / ARCHIVE_DAYS))

    def archive(self, links: Links, language: str, page: int = 1) -> str | None:
        """One page of the archive: each issue date with its editions side by side,
        grouped by year; None past the last page."""
        days = self.days()
        pages = max(1, math.ceil(len(days) / ARCHIVE_DAYS))
        if not 1 <= page <= pages:
            return None
        years: list[tuple[int, list[dict[str, Any]]]] = []
        for day in days[(page - 1) * ARCHIVE_DAYS: page * ARCHIVE_DAYS]:
            entry = {
                "date": day.issue_date.isoformat(),
                "date_long": format_date(day.issue_date, format="full", locale=language),
                "editions": [{**link, "subject": e.subject}
                             for e, link in zip(day.editions, self._edition_links(day, links),
                                                strict=True)],
            }
            if not years or years[-1][0] != day.issue_date.year:
                years.append((day.issue_date.year, []))
            years[-1][1].append(entry)
        return self._render("archive.html", language, links, years=years, page=page,
                            pages=pages)

    # -- the web version of an issue -------------------------------------------------

    def issue(self, links: Links, issue_date: date, language: str) -> tuple[str, str] | None:
        """(the page, its language) of an edition; None unless public. An edition that does
        not exist falls back to the newsletter's language."""
        day = next((d for d in self.days() if d.issue_date == issue_date), None)
        if day is None:
            return None
        edition = day.edition(language)
        stored = self.store.get_issue(issue_date, edition.language)
        if stored is None:
            return None
        return self.issue_page(stored.web_html or stored.html, day, edition, links), \
            edition.language

    def issue_page(self, html: str, day: IssueDay, edition: Edition, links: Links) -> str:
        """The stored web version with no personal link: the subscriber footer (unsubscribe,
        preferences, "you receive this because...") gives way to a call to subscribe and
        links to the other editions and the archive; the postal address stays. Issues
        stored before the footer was marked keep it, with its personal links made
        harmless (compose.impersonal)."""
        lang = edition.language
        context = {"editions": self._edition_links(day, links, current=lang),
                   "dir": strings(lang)["direction"], "edition_language": lang}
        marked = PERSONAL_FOOTER.search(html)
        if marked:
            styles = _footer_styles(marked.group(0))
            footer = self._render("issue_footer.html", lang, links, **context, **styles)
            html = html[:marked.start()] + footer + html[marked.end():]
        html = impersonal(html, self.config.newsletter.public_url)
        bar = self._render("issue_bar.html", lang, links, **context)
        style = self._render("issue_bar.css", lang, links)
        html = _insert_after(html, re.compile(r"<body\b[^>]*>", re.I), bar)
        head_end = html.lower().find("</head>")
        if head_end >= 0:
            html = html[:head_end] + f"<style>\n{style}</style>\n" + html[head_end:]
        return html

    # -- the Atom feed ---------------------------------------------------------------

    def atom(self, links: Links) -> bytes:
        """The feed of the latest issues: one entry per language edition, each dated by its
        issue's send time ([schedule] send_at in the newsletter's zone)."""
        return atom_feed(self.config, self.days()[:FEED_DAYS], links)


def atom_feed(config: Config, days: list[IssueDay], links: Links) -> bytes:
    """RFC 4287: feed id, title, updated, author, self link; per entry id, title, updated,
    published, an alternate link and a summary, with xml:lang on each edition."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {XML_LANG: config.newsletter.language})
    domain = config.sending_domain

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    sub(feed, "id", f"tag:{domain},2026:archive")
    sub(feed, "title", config.newsletter.name)
    sub(feed, "subtitle", description(config, config.newsletter.language))
    sub(feed, "link", rel="self", type="application/atom+xml", href=links.absolute("feed"))
    sub(feed, "link", rel="alternate", type="text/html", href=links.absolute("archive"))
    stamps = [published_at(config, day.issue_date) for day in days]
    updated = max(stamps, default=datetime(2026, 1, 1, tzinfo=UTC))
    sub(feed, "updated", _rfc3339(updated))
    author = sub(feed, "author")
    sub(author, "name", config.newsletter.name)
    sub(author, "uri", links.absolute("home"))
    for day, stamp in zip(days, stamps, strict=True):
        for e in day.editions:
            entry = sub(feed, "entry", **{XML_LANG: e.language})
            # The newsletter's own edition keeps the id it always had: readers see no new item.
            suffix = "" if e.language == config.newsletter.language else f":{e.language}"
            sub(entry, "id", f"tag:{domain},{e.issue_date}:issue{suffix}")
            sub(entry, "title", e.subject)
            sub(entry, "link", rel="alternate", type="text/html", hreflang=e.language,
                href=links.absolute("issue", e.issue_date, e.language))
            for other in day.editions:
                if other.language != e.language:
                    sub(entry, "link", rel="alternate", type="text/html",
                        hreflang=other.language,
                        href=links.absolute("issue", other.issue_date, other.language))
            sub(entry, "published", _rfc3339(stamp))
            sub(entry, "updated", _rfc3339(stamp))
            sub(entry, "summary", e.preheader or e.subject)
    ET.indent(feed)
    body: bytes = ET.tostring(feed, encoding="utf-8")
    return b"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" + body + b"\n"


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _footer_styles(footer: str) -> dict[str, str]:
    """The inlined styles of the footer being replaced, so what replaces it looks the same
    whatever the email's colours."""
    found = {}
    for key, cls, tag in (("text_style", "footer-text", "p"), ("link_style", "footer-link", "a")):
        match = re.search(rf'<{tag}\b[^>]*class="{cls}"[^>]*style="([^"]*)"', footer)
        found[key] = match.group(1) if match else ""
    return found


def _insert_after(html: str, pattern: re.Pattern[str], fragment: str) -> str:
    match = pattern.search(html)
    if match is None:
        return fragment + html
    return html[:match.end()] + "\n" + fragment + html[match.end():]
