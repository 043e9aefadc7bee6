"""`newsletter send --worker`: parallel workers share one issue, each copy sent once."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from aiosmtpd.controller import Controller

from newsletter.config import Config, config_to_dict
from newsletter.models import RenderedIssue
from newsletter.ops import workers
from newsletter.store import Store, migrate
from newsletter.store.engine import open_engine
from tests.conftest import make_config
from tests.pg import database_url
from tests.smtp_sink import SinkHandler, SmtpSink, free_port

DAY = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 6, tzinfo=UTC)
ISSUE = RenderedIssue(DAY, "fr", "Le sujet", "p",
                      '<p>Bonjour<a href="NL__UNSUBSCRIBE_URL__NL">x</a></p>', "t NL__UNSUBSCRIBE_URL__NL\n")


def setup(tmp_path: Path, url: str, port: int, subscribers: int, **sections: dict[str, Any]
          ) -> tuple[Config, Store]:
    sections["delivery"] = {"sender": "smtp", **sections.get("delivery", {})}
    sections["smtp"] = {"host": "127.0.0.1", "port": port, "tls": "none", "timeout": 5.0,
                        **sections.get("smtp", {})}
    config = make_config(tmp_path, store={"url": url}, **sections)
    engine = open_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    store = Store.open(url)
    for i in range(subscribers):
        store.add_subscriber(f"s{i}@example.org", now=NOW)
    store.save_issue(ISSUE, {}, NOW)
    return config, store


def copies(messages: list[tuple[str, list[str], bytes]]) -> Counter[str]:
    return Counter(r for _, rcpts, _ in messages for r in rcpts)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_workers_in_turn_send_everything_once(tmp_path: Path, backend: str) -> None:
    with SmtpSink() as sink, database_url(backend, tmp_path) as url:
        sink.handler.refuse = {"s3@example.org": "550 5.1.1 no such mailbox"}
        sink.handler.defer_once = {"s5@example.org"}
        config, store = setup(tmp_path, url, sink.port, 30,
                              workers={"claim_batch": 4}, delivery={"retry_backoff": 0.05})
        assert workers.prepare_stage(config, store, DAY) == 30
        first = workers.worker_stage(config, store, DAY, worker="w1")
        assert (first.sent, first.failed, first.suppressed, first.deferred) == (29, 1, 1, 1)
        assert first.batches >= 8 and first.prepared == 0
        again = workers.worker_stage(config, store, DAY, worker="w2")
        assert (again.sent, again.batches) == (0, 0)
        assert store.delivery_counts(DAY) == {"sent": 29, "suppressed": 1}
        assert store.issue_status(DAY, "fr") == "sent"
        assert store.find_subscriber("s3@example.org").status == "bounced"  # type: ignore[union-attr]
        store.close()
    sent = copies(sink.messages)
    assert set(sent.values()) == {1} and len(sent) == 29  # s5 once, after its retry


def test_sigterm_gives_the_lease_back(tmp_path: Path) -> None:
    with SmtpSink() as sink, database_url("sqlite", tmp_path) as url:
        config, store = setup(tmp_path, url, sink.port, 12, workers={"claim_batch": 10})
        stop = threading.Event()
        calls = []

        def progress(n: int) -> None:
            calls.append(n)
            stop.set()  # asked to stop after the first lease

        result = workers.worker_stage(config, store, DAY, worker="w1", stop=stop,
                                      progress=progress)
        assert result.interrupted and result.sent == 10 and calls == [10]
        assert store.delivery_counts(DAY) == {"sent": 10, "pending": 2}  # nothing left claimed
        rest = workers.worker_stage(config, store, DAY, worker="w2")
        assert rest.sent == 2
        store.close()
    assert set(copies(sink.messages).values()) == {1}


class KillingHandler(SinkHandler):
    """Stores the message, then SIGKILLs the victim before answering its Nth DATA.

    The victim dies with exactly one row `sending` whose message did arrive: the sharpest
    moment for exactly-once (a resend would be a duplicate; a lost row a missing copy).
    """

    victim_address = "victim@news.example.org"

    def __init__(self, kill_at: int) -> None:
        super().__init__()
        self.kill_at = kill_at
        self.victim: subprocess.Popen[bytes] | None = None
        self.killed = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        from_victim = [m for m in self.messages if m[0] == self.victim_address]
        if self.victim and len(from_victim) == self.kill_at and not self.killed.is_set():
            self.victim.send_signal(signal.SIGKILL)
            self.victim.wait()
            self.killed.set()
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        return "250 Message accepted"


def test_four_workers_one_killed_mid_send_each_subscriber_gets_one_copy(tmp_path: Path) -> None:
    total = 300
    handler = KillingHandler(kill_at=15)
    handler.data_delay = 0.002
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        with database_url("postgresql", tmp_path) as url:
            config, store = setup(tmp_path, url, int(controller.port), total,
                                  workers={"claim_batch": 10, "lease_seconds": 2.0},
                                  smtp={"connections": 1}, delivery={"retries": 0})
            paths = []
            for name, address in (("victim", handler.victim_address), ("w1", None), ("w2", None),
                                  ("w3", None)):
                cfg = config_to_dict(config)
                if address:
                    cfg["newsletter"]["sender_address"] = f"Le Brief <{address}>"
                path = tmp_path / f"{name}.toml"
                path.write_text(tomli_w.dumps(cfg), encoding="utf-8")
                paths.append(path)
            env = {**os.environ, "NEWSLETTER_SECRET": "s" * 40}

            def command(path: Path, *flags: str) -> list[str]:
                return [sys.executable, "-m", "newsletter", "send", *flags, "--date",
                        DAY.isoformat(), "--config", str(path)]

            prepared = subprocess.run(command(paths[1], "--prepare", "--json"), env=env,
                                      capture_output=True, text=True, timeout=60, check=False)
            assert prepared.returncode == 0, prepared.stderr
            assert '"prepared": 300' in prepared.stdout
            handler.victim = subprocess.Popen(command(paths[0], "--worker"), env=env,
                                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            others = [subprocess.Popen(command(p, "--worker", "--json"), env=env,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                      for p in paths[1:]]
            outputs = [p.communicate(timeout=240) for p in others]
            handler.victim.wait(timeout=60)
            assert handler.killed.is_set(), "the victim finished before it could be killed"
            assert handler.victim.returncode == -signal.SIGKILL
            reports = [json.loads(out) for out, _ in outputs]
            for proc, report, (_, err) in zip(others, reports, outputs, strict=True):
                # the worker that found the victim's message in doubt reports it, exit 1
                assert proc.returncode == (1 if report["unknown"] else 0), err
            counts = store.delivery_counts(DAY)
            store.close()
    finally:
        controller.stop()
    sent = copies(handler.messages)
    assert sorted(sent) == sorted(f"s{i}@example.org" for i in range(total))
    assert set(sent.values()) == {1}, [a for a, n in sent.items() if n > 1]
    # the victim's last hand-over (its final dot sent, no reply read) is `handed`: a
    # survivor makes it unknown (never resent blindly) once the victim's lease ran out;
    # the rest it had leased went to the others
    assert counts == {"sent": total - 1, "unknown": 1}
    assert sum(r["unknown"] for r in reports) == sum(r["stranded"] for r in reports) == 1
    assert sum(r["sent"] for r in reports) == total - handler.kill_at
