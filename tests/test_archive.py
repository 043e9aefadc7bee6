"""`newsletter archive --out`: the public site as static files, from the demo's data."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.conftest import run_cli

ATOM = {"a": "http://www.w3.org/2005/Atom"}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def archive(config: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_cli("archive", "--out", str(out), "--config", str(config), *extra,
                   cwd=out.parent, env={"NEWSLETTER_SECRET": ""})


def test_archive_of_the_demo(demo_run: tuple[Path, subprocess.CompletedProcess[str]],
                             tmp_path: Path) -> None:
    demo, _ = demo_run
    out = tmp_path / "site"
    result = archive(demo / "newsletter.toml", out)
    assert result.returncode == 0, result.stderr
    assert "wrote 3 issue page(s)" in result.stdout
    page = (out / "issues" / "2026-11-27.html").read_text(encoding="utf-8")
    assert "vendredi 27 novembre 2026" in page
    assert "NL__UNSUBSCRIBE" not in page and "/unsubscribe/" not in page  # nothing personal
    assert "personal-footer" not in page and "Se désabonner" not in page
    # The same links as the live site's, as relative files.
    assert 'href="../issues/2026-11-27.ar.html"' in page and 'href="../archive/index.html"' in page
    assert 'href="https://news.example.org/subscribe?lang=fr"' in page
    arabic = (out / "issues" / "2026-11-27.ar.html").read_text(encoding="utf-8")
    assert re.search(r'<html[^>]*lang="ar"[^>]*dir="rtl"', arabic)
    home = (out / "index.html").read_text(encoding="utf-8")
    assert '<form method="post" action="https://news.example.org/subscribe"' in home
    assert 'name="csrf"' not in home and 'name="website"' in home  # no token; the honeypot
    assert 'href="issues/2026-11-27.html"' in home and "vendredi 27 novembre 2026" in home
    index = (out / "archive" / "index.html").read_text(encoding="utf-8")
    assert '<time datetime="2026-11-27">' in index
    assert 'href="../issues/2026-11-27.html"' in index and 'lang="ar" dir="rtl"' in index
    feed = ET.parse(out / "archive" / "atom.xml").getroot()
    entries = feed.findall("a:entry", ATOM)
    assert sorted(e.get(XML_LANG, "") for e in entries) == ["ar", "en", "fr"]
    for entry in entries:
        # The issue's own day, at [schedule] send_at (07:00 in Casablanca, UTC+1).
        assert entry.findtext("a:published", namespaces=ATOM) == "2026-11-27T06:00:00Z"
        links = [link.get("href", "") for link in entry.findall("a:link", ATOM)]
        assert links[0].startswith("https://news.example.org/issues/2026-11-27")


def test_the_feed_links_under_the_base_url(demo_run: tuple[Path, subprocess.CompletedProcess[str]],
                                           tmp_path: Path) -> None:
    demo, _ = demo_run
    out = tmp_path / "site"
    result = archive(demo / "newsletter.toml", out, "--base-url", "https://www.example.org/letter/")
    assert result.returncode == 0, result.stderr
    feed = ET.parse(out / "archive" / "atom.xml").getroot()
    self_link = next(link for link in feed.findall("a:link", ATOM) if link.get("rel") == "self")
    assert self_link.get("href") == "https://www.example.org/letter/archive/atom.xml"
    hrefs = {link.get("href") for link in feed.iter(f"{{{ATOM['a']}}}link")}
    assert "https://www.example.org/letter/issues/2026-11-27.ar.html" in hrefs
    # The home page's form still posts to the live site.
    home = (out / "index.html").read_text(encoding="utf-8")
    assert 'action="https://news.example.org/subscribe"' in home
    bad = archive(demo / "newsletter.toml", tmp_path / "other", "--base-url", "ftp://x")
    assert bad.returncode == 2 and "--base-url" in bad.stderr


def test_a_draft_is_not_in_the_archive(demo_run: tuple[Path, subprocess.CompletedProcess[str]],
                                       tmp_path: Path) -> None:
    demo, _ = demo_run
    copy = tmp_path / "demo"
    shutil.copytree(demo, copy)
    with sqlite3.connect(copy / "newsletter.sqlite3") as db:  # as if not yet approved and sent
        db.execute("UPDATE issues SET status = 'draft' WHERE issue_date = '2026-11-27'")
    out = tmp_path / "site"
    result = archive(copy / "newsletter.toml", out)
    assert result.returncode == 0, result.stderr
    assert not (out / "issues").exists()
    assert "2026-11-27" not in (out / "index.html").read_text(encoding="utf-8")
    assert "2026-11-27" not in (out / "archive" / "index.html").read_text(encoding="utf-8")
    assert "<entry" not in (out / "archive" / "atom.xml").read_text(encoding="utf-8")
