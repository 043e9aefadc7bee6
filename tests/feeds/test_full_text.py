"""Full text in the collection: pages fetched once, cached by URL, used as the story's body."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from newsletter import pipeline
from newsletter.cli import main
from newsletter.config import config_from_dict
from newsletter.demo import SampleFeedServer
from newsletter.demo.articles import expected_text
from newsletter.store import Store
from tests.conftest import DEMO_DATE, make_config, new_store

TEASER = "Un conseil municipal a voté un budget."  # a teaser: far under 80 words


class _Site(BaseHTTPRequestHandler):
    """A feed of three teasers; their pages: one fine, one failing (503), one paywalled."""

    server: Site

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.server.hits[self.path] += 1
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        if self.path == "/feed.xml":
            items = "".join(
                f"<item><title>Nouvelle {n}</title><link>{base}/{n}</link><guid>{n}</guid>"
                f"<pubDate>Fri, 27 Nov 2026 04:00:00 +0000</pubDate>"
                f"<description>{TEASER}</description></item>" for n in ("ok", "down", "paid"))
            self._send(200, f"<rss version='2.0'><channel><title>S</title>{items}</channel></rss>",
                       "application/rss+xml")
        elif self.path == "/robots.txt":
            self._send(200, "User-agent: *\nAllow: /\n", "text/plain")
        elif self.path == "/ok":
            paragraphs = "".join(f"<p>Le conseil a voté le budget de l'année, paragraphe {i}, avec "
                                 "une hausse des dépenses pour les routes, les écoles et les "
                                 "marchés de la ville, selon la majorité municipale.</p>"
                                 for i in range(6))
            self._send(200, f"<html lang='fr'><body><nav>Accueil Politique Sport</nav><article>"
                            f"<h1>Nouvelle ok</h1>{paragraphs}</article>"
                            f"<footer>Mentions légales</footer></body></html>")
        elif self.path == "/paid":
            self._send(200, "<html><body><article><h1>Nouvelle</h1><p>Le conseil a voté.</p>"
                            "<p>Cet article est réservé aux abonnés. Abonnez-vous pour lire la "
                            "suite.</p></article></body></html>")
        else:
            self._send(503, "busy", "text/plain")

    def _send(self, code: int, body: str, kind: str = "text/html; charset=utf-8") -> None:
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Site(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Site)
        self.hits: Counter[str] = Counter()


@pytest.fixture
def site() -> Iterator[Site]:
    server = Site()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _config(tmp_path: Path, site: Site, full_text: str = "auto") -> Any:
    base = f"http://127.0.0.1:{site.server_address[1]}"
    return config_from_dict({
        "store": {"url": "sqlite:///db.sqlite3"},
        "collect": {"retries": 0, "backoff": 0.01},
        "feeds": [{"url": f"{base}/feed.xml", "name": "Site", "language": "fr",
                   "full_text": full_text}],
    }, source=str(tmp_path / "t.toml"), base_dir=tmp_path)


def test_pages_are_fetched_once_and_a_failure_retried_once(tmp_path: Path, site: Site) -> None:
    config = _config(tmp_path, site)
    store = Store.open(config.database_url)
    results = [pipeline.collect_stage(config, store, issue_date=DEMO_DATE) for _ in range(3)]
    assert results[0].articles == {"fetched": 2, "extracted": 1, "refused": 0, "failed": 1,
                                   "not_used": {"paywall": 1}}
    assert results[1].articles["failed"] == 1 and results[1].articles["fetched"] == 0
    assert results[2].articles in ({}, {"fetched": 0, "extracted": 0, "refused": 0, "failed": 0,
                                        "not_used": {}})
    assert (site.hits["/ok"], site.hits["/paid"], site.hits["/down"]) == (1, 1, 2)
    records = store.article_records([f"http://127.0.0.1:{site.server_address[1]}/{n}"
                                     for n in ("ok", "down", "paid")])
    assert sorted((r.status, r.attempts) for r in records.values()) == [
        ("extracted", 1), ("failed", 2), ("paywall", 1)]
    bodies = {s.url.rsplit("/", 1)[1]: s for s in store.stories_between(
        pipeline.utc_now().replace(year=2000), pipeline.utc_now().replace(year=2100))}
    assert "paragraphe 5" in bodies["ok"].body and "Accueil" not in bodies["ok"].body
    assert bodies["paid"].body == "" and bodies["paid"].summary == TEASER  # the teaser stays


def test_never_fetches_no_page(tmp_path: Path, site: Site) -> None:
    config = _config(tmp_path, site, full_text="never")
    result = pipeline.collect_stage(config, Store.open(config.database_url), issue_date=DEMO_DATE)
    assert result.articles == {}
    assert set(site.hits) == {"/feed.xml"}


def test_a_bad_full_text_value_names_the_feed(tmp_path: Path, site: Site) -> None:
    with pytest.raises(Exception, match=r"\[\[feeds\]\] #1 full_text must be one of auto, always, never"):
        _config(tmp_path, site, full_text="sometimes")


def test_the_demo_summaries_come_from_the_article_pages(tmp_path: Path) -> None:
    with SampleFeedServer(0) as server:
        config = make_config(tmp_path, server.base_url)
        store = Store.open(config.database_url)
        result = pipeline.collect_stage(config, store, issue_date=DEMO_DATE)
    assert result.articles["extracted"] == result.articles["fetched"] > 100
    stories = store.stories_between(pipeline.utc_now().replace(year=2000),
                                    pipeline.utc_now().replace(year=2100))
    storm = next(s for s in stories if "storm-mirna" in s.url and s.language == "en")
    assert storm.body == expected_text(storm.url)  # the article alone: no menu, banner, comments
    assert len(storm.body.split()) > 3 * len(storm.summary.split())


def test_feeds_check_and_collect_json_report_the_pages(tmp_path: Path, site: Site) -> None:
    config = _config(tmp_path, site)
    path = tmp_path / "t.toml"
    base = f"http://127.0.0.1:{site.server_address[1]}"
    path.write_text('[store]\nurl = "sqlite:///db.sqlite3"\n[collect]\nretries = 0\n'
                    f'[[feeds]]\nurl = "{base}/feed.xml"\nname = "Site"\nlanguage = "fr"\n',
                    encoding="utf-8")
    new_store(path)
    runner = CliRunner()
    collected = runner.invoke(main, ["collect", "--config", str(path), "--json",
                                     "--date", DEMO_DATE.isoformat()])
    assert '"extracted": 1' in collected.output and '"paywall": 1' in collected.output
    checked = runner.invoke(main, ["feeds", "check", "--config", str(path)])
    assert "full text: 1 of 3 pages (33 %); not used: failed 1, paywall 1" in checked.output
    assert config.feeds[0].full_text == "auto"


def test_a_broken_extractor_install_is_reported_and_caches_nothing(
        tmp_path: Path, site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    config = _config(tmp_path, site)
    store = Store.open(config.database_url)
    with monkeypatch.context() as m:
        m.setitem(sys.modules, "trafilatura", None)  # as when a dependency is missing
        broken = pipeline.collect_stage(config, store, issue_date=DEMO_DATE)
    assert "the article extractor cannot be loaded" in broken.articles["error"]
    base = f"http://127.0.0.1:{site.server_address[1]}"
    assert store.article_records([f"{base}/ok", f"{base}/paid"]) == {}  # nothing cached as empty
    fixed = pipeline.collect_stage(config, store, issue_date=DEMO_DATE)  # the install repaired
    assert fixed.articles["extracted"] == 1 and "error" not in fixed.articles
