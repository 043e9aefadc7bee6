"""The optional abstractive backend against a local fake of a chat-completions endpoint."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from newsletter import pipeline
from newsletter.curate import build_briefing
from newsletter.curate.abstractive import ChatSettings, ChatSummariser, SummaryCache, clean_answer
from newsletter.store import Store
from tests.conftest import make_config
from tests.curate.test_briefing import CUTOFF, STORIES, settings

ANSWER = "Résumé écrit par le modèle : la tempête Mirna frappe Casablanca. Les écoles ferment."


class FakeChat(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[dict[str, Any]] = []
        self.mode = "ok"
        self.stop = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class _Handler(BaseHTTPRequestHandler):
    server: FakeChat

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append({"path": self.path, "auth": self.headers["Authorization"],
                                     "body": body})
        if self.server.mode == "slow":
            self.server.stop.wait(3)
        if self.server.mode == "error":
            self.send_response(500)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        answer = ANSWER if self.server.mode != "long" else "mot " * 200
        data = json.dumps({"choices": [{"message": {"role": "assistant",
                                                    "content": f"**{answer}**"}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def chat() -> Iterator[FakeChat]:
    server = FakeChat()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.stop.set()
    server.shutdown()
    server.server_close()


def summariser(chat: FakeChat, store: Store, timeout: float = 5) -> ChatSummariser:
    return ChatSummariser(ChatSettings(chat.url, "tiny-model", "sk-test", timeout),
                          SummaryCache(store.cached_summary,
                                       lambda k, v: store.cache_summary(k, v, CUTOFF)))


def test_summaries_come_from_the_endpoint_and_the_cache(chat: FakeChat, store: Store) -> None:
    first = build_briefing(STORIES, settings(), issue_date=date(2026, 11, 27), now=CUTOFF,
                           summariser=summariser(chat, store))
    assert all(item.summary == ANSWER for item in first.items)
    calls = len(chat.requests)
    assert calls == len(first.items)
    request = chat.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["auth"] == "Bearer sk-test"
    assert request["body"]["model"] == "tiny-model"
    assert "French" in request["body"]["messages"][0]["content"]
    again = build_briefing(STORIES, settings(), issue_date=date(2026, 11, 27), now=CUTOFF,
                           summariser=summariser(chat, store))
    assert again == first and len(chat.requests) == calls  # every answer from the cache


@pytest.mark.parametrize("mode", ["error", "slow", "long"])
def test_failures_fall_back_to_extractive(chat: FakeChat, store: Store, mode: str) -> None:
    chat.mode = mode
    plain = build_briefing(STORIES, settings(), issue_date=date(2026, 11, 27), now=CUTOFF)
    s = summariser(chat, store, timeout=0.5)
    mixed = build_briefing(STORIES, settings(), issue_date=date(2026, 11, 27), now=CUTOFF,
                           summariser=s)
    assert mixed == plain
    assert len(chat.requests) == 3  # then it stops asking for this build
    assert len(s.errors) == 3


def test_clean_answer() -> None:
    assert clean_answer('  "**Une** phrase."  ') == "Une phrase."
    assert clean_answer("- un\n- deux") == "un deux"


def test_run_with_the_backend_from_config(chat: FakeChat, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_LLM_KEY", "sk-run")
    config = make_config(tmp_path, summaries={"backend": "openai", "base_url": chat.url,
                                              "model": "m", "api_key_env": "TEST_LLM_KEY"})
    store = Store.open(config.database_url)
    store.add_stories(STORIES, CUTOFF)
    briefing, issue = pipeline.build_stage(config, store, date(2026, 11, 27))
    assert ANSWER in " ".join(issue.text.split())
    monkeypatch.setenv("TEST_LLM_KEY", "")
    with pytest.raises(Exception, match="TEST_LLM_KEY"):
        pipeline.build_stage(config, store, date(2026, 11, 27))
