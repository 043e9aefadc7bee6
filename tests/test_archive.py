from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.conftest import run_cli


def test_archive_of_the_demo(demo_run: tuple[Path, subprocess.CompletedProcess[str]],
                             tmp_path: Path) -> None:
    out, _ = demo_run
    archive = tmp_path / "archive"
    result = run_cli("archive", "--out", str(archive), "--config", str(out / "newsletter.toml"),
                     cwd=tmp_path, env={"NEWSLETTER_SECRET": ""})
    assert result.returncode == 0, result.stderr
    page = (archive / "2026-11-27.html").read_text(encoding="utf-8")
    assert "vendredi 27 novembre 2026" in page
    assert "NL__UNSUBSCRIBE" not in page and "/unsubscribe/ey" not in page  # nothing personal
    index = (archive / "index.html").read_text(encoding="utf-8")
    assert 'href="2026-11-27.html"' in index and "vendredi 27 novembre 2026" in index
    feed = ET.parse(archive / "atom.xml").getroot()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = feed.findall("a:entry", ns)
    assert len(entries) == 1
    link = entries[0].find("a:link", ns)
    assert link is not None and link.get("href", "").endswith("/archive/2026-11-27.html")
    assert entries[0].findtext("a:title", namespaces=ns)


def test_a_draft_is_not_in_the_archive(demo_run: tuple[Path, subprocess.CompletedProcess[str]],
                                       tmp_path: Path) -> None:
    import shutil
    import sqlite3

    out, _ = demo_run
    copy = tmp_path / "demo"
    shutil.copytree(out, copy)
    with sqlite3.connect(copy / "newsletter.sqlite3") as db:  # as if not yet approved and sent
        db.execute("UPDATE issues SET status = 'draft' WHERE issue_date = '2026-11-27'")
    archive = tmp_path / "archive"
    result = run_cli("archive", "--out", str(archive), "--config", str(copy / "newsletter.toml"),
                     cwd=tmp_path, env={"NEWSLETTER_SECRET": ""})
    assert result.returncode == 0, result.stderr
    assert not (archive / "2026-11-27.html").exists()
    assert "2026-11-27" not in (archive / "index.html").read_text(encoding="utf-8")
    assert "<entry" not in (archive / "atom.xml").read_text(encoding="utf-8")
