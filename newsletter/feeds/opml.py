"""OPML: the format feed readers exchange subscription lists in (import and export)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..errors import ConfigError
from ..models import FeedSource

if TYPE_CHECKING:
    from ..config import Config


def read_opml(path: Path) -> tuple[list[FeedSource], list[str]]:
    """Feeds of an OPML file, and a reason for each outline that was left out."""
    try:
        root = ET.parse(path).getroot()
    except FileNotFoundError as exc:
        raise ConfigError(f"OPML file not found: {path}") from exc
    except ET.ParseError as exc:
        raise ConfigError(f"{path}: not valid OPML/XML ({exc})") from exc
    if root.tag != "opml":
        raise ConfigError(f"{path}: not an OPML file (root element <{root.tag}>)")
    feeds, problems, seen = [], [], set()
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or "").strip()
        title = (outline.get("title") or outline.get("text") or "").strip()
        if not url:
            continue  # a folder
        line = f"outline {title or url!r}"
        if urlsplit(url).scheme not in ("http", "https"):
            problems.append(f"{line}: xmlUrl is not an http(s) URL: {url!r}")
            continue
        if url in seen:
            problems.append(f"{line}: listed twice")
            continue
        seen.add(url)
        language = (outline.get("language") or "").split("-")[0].lower() or None
        feeds.append(FeedSource(url=url, name=title or urlsplit(url).hostname or url,
                                section=outline.get("category") or None, language=language))
    return feeds, problems


def write_opml(feeds: Sequence[FeedSource], title: str) -> str:
    """An OPML 2.0 document listing the feeds."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    body = ET.SubElement(root, "body")
    for feed in feeds:
        attrs = {"type": "rss", "text": feed.name, "title": feed.name, "xmlUrl": feed.url}
        if feed.section:
            attrs["category"] = feed.section
        if feed.language:
            attrs["language"] = feed.language
        ET.SubElement(body, "outline", attrs)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def opml_path(config: Config) -> Path | None:
    return config.path(config.collect.feeds_opml) if config.collect.feeds_opml else None


def opml_feeds(config: Config) -> tuple[FeedSource, ...]:
    """Feeds of the configured OPML file that the config does not list already."""
    path = opml_path(config)
    if path is None or not path.exists():
        return ()
    feeds, _problems = read_opml(path)
    listed = {f.url for f in config.feeds}
    return tuple(f for f in feeds if f.url not in listed)


def import_opml(config: Config, source: Path) -> tuple[list[FeedSource], list[str]]:
    """Merge the feeds of ``source`` into the configured OPML file; returns (added, problems)."""
    path = opml_path(config)
    if path is None:
        raise ConfigError(f"{config.source}: [collect] feeds_opml is empty; set it to a file name")
    incoming, problems = read_opml(source)
    current = list(read_opml(path)[0]) if path.exists() else []
    known = {f.url for f in current} | {f.url for f in config.feeds}
    added = [f for f in incoming if f.url not in known]
    problems += [f"{f.url}: already listed" for f in incoming if f.url in known]
    if added:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(write_opml(current + added, config.newsletter.name), encoding="utf-8")
        tmp.replace(path)
    return added, problems
