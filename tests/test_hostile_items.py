"""One hostile item never stops the day's issue: bounded at ingestion, skipped at the build."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from click.testing import CliRunner

from newsletter.cli import main
from newsletter.compose.checks import SUBJECT_MAX
from newsletter.config import config_to_dict
from newsletter.demo import SampleFeedServer
from newsletter.models import SourceRef, Story
from newsletter.pipeline import build_stage, issue_window, open_store
from newsletter.text import limits
from tests.conftest import DEMO_DATE, make_config, new_store, parse_eml

SAMPLE_CSV = Path(__file__).parent.parent / "subscribers" / "sample.csv"
HOSTILE_URL = "https://hostile.example/alerte"


def hostile_feed() -> bytes:
    title = "Alerte " + "tempête " * 12_500  # 100,007 characters
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Fil hostile</title><link>https://hostile.example/</link>"
            f"<language>fr</language><item><title>{title}</title><link>{HOSTILE_URL}</link>"
            f"<guid>h-1</guid><pubDate>Thu, 26 Nov 2026 20:00:00 +0000</pubDate>"
            f"<description>{'Le vent souffle. ' * 20_000}</description></item>"
            f"</channel></rss>").encode()


@pytest.fixture
def hostile_server() -> Iterator[str]:
    body = hostile_feed()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hostile.xml"
    finally:
        server.shutdown()
        server.server_close()


def test_a_100000_character_lead_title_no_longer_stops_the_run(
        tmp_path: Path, feed_server: SampleFeedServer, hostile_server: str) -> None:
    config = make_config(tmp_path, feed_server.base_url, overrides={"pin": [HOSTILE_URL]})
    data = config_to_dict(config)
    data["feeds"].append({"url": hostile_server, "name": "Hostile"})
    path = tmp_path / "newsletter.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    new_store(path)
    runner = CliRunner()
    runner.invoke(main, ["subscribers", "import", str(SAMPLE_CSV), "--config", str(path)])
    result = runner.invoke(main, ["run", "--config", str(path), "--date", DEMO_DATE.isoformat()])
    assert "even without stories" not in result.output
    assert "messages: 5 written" in result.output, result.output
    store = open_store(make_config(tmp_path))
    start, end = issue_window(make_config(tmp_path), DEMO_DATE)
    hostile = [s for s in store.stories_between(start, end) if s.url == HOSTILE_URL]
    assert hostile and len(hostile[0].title) <= limits.MAX_TITLE
    assert len(hostile[0].summary) <= limits.MAX_SUMMARY
    message = parse_eml(sorted((tmp_path / "outbox").glob("*.eml"))[0])
    assert str(message["Subject"]).startswith("Alerte tempête")  # the pinned lead ...
    assert len(str(message["Subject"])) <= SUBJECT_MAX  # ... cut by characters


def test_a_story_stored_whole_is_skipped_and_named_in_the_report(tmp_path: Path) -> None:
    """Stories stored before the bounds (or by another writer) are skipped, not fatal."""
    config = make_config(tmp_path, overrides={"pin": [HOSTILE_URL]})
    store = open_store(config)
    start, end = issue_window(config, DEMO_DATE)
    when = end.replace(hour=0, minute=0)
    source = SourceRef("Le Quotidien", "https://q.example/", "https://q.example/rss")
    # Two different events (the same summary twice would rightly be grouped as one story).
    good = [Story(id=f"g{i}", url=f"https://q.example/{i}", title=title, language="fr",
                  summary=summary, published=when, source=source)
            for i, (title, summary) in enumerate([
                ("Le port rouvre", "Le port de Casablanca rouvre après deux jours de fermeture."),
                ("Grève des dockers levée", "Les syndicats de dockers d'Agadir ont signé un "
                                            "accord salarial avec la direction mercredi.")])]
    hostile = Story(id="h", url=HOSTILE_URL, title="Alerte " * 14_000, summary="Du vent.",
                    published=when, source=source, language="fr")
    store.add_stories([hostile, *good], datetime.now(UTC))
    notes: list[str] = []
    briefing, issue = build_stage(config, store, DEMO_DATE, notes=notes)
    assert HOSTILE_URL not in {i.url for i in briefing.items + briefing.in_brief}
    assert {i.url for i in briefing.items} == {s.url for s in good}
    assert any("story skipped" in n and HOSTILE_URL in n for n in notes), notes
    assert "Alerte Alerte" not in issue.html


def test_newsletter_build_prints_the_skipped_story(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from newsletter.cli import main

    config_path = tmp_path / "newsletter.toml"
    config_path.write_text('[store]\nurl = "sqlite:///db.sqlite3"\n[overrides]\n'
                           f'pin = ["{HOSTILE_URL}"]\n', encoding="utf-8")
    config = make_config(tmp_path, overrides={"pin": [HOSTILE_URL]})
    store = open_store(config)
    _, end = issue_window(config, DEMO_DATE)
    source = SourceRef("Le Quotidien", "https://q.example/", "https://q.example/rss")
    when = end.replace(hour=0, minute=0)
    store.add_stories([
        Story(id="h", url=HOSTILE_URL, title="Alerte " * 14_000, summary="Du vent.",
              published=when, source=source, language="fr"),
        Story(id="g", url="https://q.example/g", title="Le port rouvre", language="fr",
              summary="Le port de Casablanca rouvre après deux jours de fermeture.",
              published=when, source=source)], datetime.now(UTC))
    result = CliRunner().invoke(main, ["build", "--config", str(config_path),
                                       "--date", DEMO_DATE.isoformat()])
    assert result.exit_code == 0, result.output
    assert "note: fr: story skipped" in result.output and HOSTILE_URL in result.output
