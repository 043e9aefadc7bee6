"""`newsletter archive`: a static web archive of past issues (pages, index, Atom feed)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, time
from pathlib import Path

from babel.dates import format_date
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..compose import impersonal, strings
from ..config import Config
from ..resources import resource_dir
from ..store import Store
from .app import PUBLIC_ISSUES

ATOM = "http://www.w3.org/2005/Atom"


def page_name(issue_date: object, language: str, main_language: str) -> str:
    return f"{issue_date}.html" if language == main_language else f"{issue_date}.{language}.html"


def write_archive(config: Config, store: Store, out: Path) -> list[Path]:
    """One page per issue and language (no personal link), index.html and atom.xml; only
    issues whose send has begun, as on the site."""
    out.mkdir(parents=True, exist_ok=True)
    main = config.newsletter.language
    public = config.newsletter.public_url.rstrip("/")
    base = f"{public}/archive"
    written = []
    entries = []
    for row in store.list_issues():
        if row["status"] not in PUBLIC_ISSUES:  # drafts stay in the editor's desk
            continue
        issue = store.get_issue(row["issue_date"], row["language"])
        if issue is None:
            continue
        name = page_name(row["issue_date"], row["language"], main)
        html = impersonal(issue.web_html or issue.html, public)
        (out / name).write_text(html, encoding="utf-8")
        written.append(out / name)
        entries.append({**row, "name": name, "url": f"{base}/{name}",
                        "date_long": format_date(row["issue_date"], format="full",
                                                 locale=row["language"])})
    env = Environment(loader=FileSystemLoader(str(resource_dir("templates") / "web")),
                      autoescape=select_autoescape(["html"]))
    index = env.get_template("archive.html").render(
        entries=entries, name=config.newsletter.name, language=main, t=strings(main))
    (out / "index.html").write_text(index, encoding="utf-8")
    (out / "atom.xml").write_bytes(_atom(config, [e for e in entries if e["language"] == main],
                                         base))
    return [*written, out / "index.html", out / "atom.xml"]


def _atom(config: Config, entries: list[dict[str, object]], base: str) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    feed.set("{http://www.w3.org/XML/1998/namespace}lang", config.newsletter.language)
    domain = config.sending_domain

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    sub(feed, "id", f"tag:{domain},2026:archive")
    sub(feed, "title", config.newsletter.name)
    sub(feed, "link", rel="self", href=f"{base}/atom.xml")
    sub(feed, "link", rel="alternate", href=f"{base}/index.html")
    updated = max((_stamp(e) for e in entries), default=datetime(2026, 1, 1, tzinfo=UTC))
    sub(feed, "updated", updated.isoformat())
    author = sub(feed, "author")
    sub(author, "name", config.newsletter.name)
    for e in entries:
        entry = sub(feed, "entry")
        sub(entry, "id", f"tag:{domain},{e['issue_date']}:issue")
        sub(entry, "title", str(e["subject"]))
        sub(entry, "link", rel="alternate", type="text/html", href=str(e["url"]))
        sub(entry, "updated", _stamp(e).isoformat())
        sub(entry, "published", _stamp(e).isoformat())
        sub(entry, "summary", str(e["preheader"]))
    ET.indent(feed)
    body: bytes = ET.tostring(feed, encoding="utf-8")
    return b"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" + body + b"\n"


def _stamp(entry: dict[str, object]) -> datetime:
    created = entry.get("created_at")
    if isinstance(created, datetime):
        return created
    return datetime.combine(entry["issue_date"], time(0), tzinfo=UTC)  # type: ignore[arg-type]
