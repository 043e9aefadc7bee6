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
