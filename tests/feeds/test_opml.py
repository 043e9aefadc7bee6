from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from newsletter.cli import main
from tests.conftest import new_store

OPML = """<?xml version="1.0" encoding="utf-8"?>
<opml version="2.0"><head><title>Mes fils</title></head><body>
<outline text="Actualité">
  <outline type="rss" text="Fil A" xmlUrl="https://a.example/rss" language="fr-FR" category="Politique"/>
  <outline type="rss" text="Fil B" xmlUrl="https://b.example/atom.xml"/>
  <outline type="rss" text="Mauvais" xmlUrl="ftp://c.example/rss"/>
  <outline type="rss" text="Déjà là" xmlUrl="https://known.example/rss"/>
</outline></body></opml>"""


def test_import_then_export_round_trip(tmp_path: Path) -> None:
    config = tmp_path / "newsletter.toml"
    config.write_text('[store]\nurl = "sqlite:///db.sqlite3"\n'
                      '[[feeds]]\nurl = "https://known.example/rss"\nname = "Known"\n')
    new_store(config)
    source = tmp_path / "in.opml"
    source.write_text(OPML, encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["feeds", "import-opml", str(source), "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "added 2 feed(s)" in result.output
    assert "ftp://c.example/rss" in result.output and "already listed" in result.output
    again = runner.invoke(main, ["feeds", "import-opml", str(source), "--config", str(config)])
    assert "added 0 feed(s)" in again.output
    exported = runner.invoke(main, ["feeds", "export-opml", "--config", str(config)]).output
    assert exported.count("<outline") == 3
    assert 'xmlUrl="https://a.example/rss"' in exported and 'category="Politique"' in exported
    listing = runner.invoke(main, ["feeds", "check", "--json", "--config", str(config)]).output
    assert [row["url"] for row in json.loads(listing)] == [
        "https://known.example/rss", "https://a.example/rss", "https://b.example/atom.xml"]


def test_a_broken_opml_file_is_named(tmp_path: Path) -> None:
    config = tmp_path / "newsletter.toml"
    config.write_text('[store]\nurl = "sqlite:///db.sqlite3"\n')
    bad = tmp_path / "bad.opml"
    bad.write_text("<opml><body><outline", encoding="utf-8")
    result = CliRunner().invoke(main, ["feeds", "import-opml", str(bad), "--config", str(config)])
    assert result.exit_code == 2 and str(bad) in result.output


def test_feeds_enable_names_unknown_feeds(tmp_path: Path) -> None:
    config = tmp_path / "newsletter.toml"
    config.write_text('[store]\nurl = "sqlite:///db.sqlite3"\n')
    new_store(config)
    result = CliRunner().invoke(main, ["feeds", "enable", "https://nowhere.example/rss",
                                       "--config", str(config)])
    assert result.exit_code == 2 and "not known" in result.output  # a usage error (README)
