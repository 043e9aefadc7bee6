"""Ops: alerts (local webhook server, aiosmtpd sink), JSON logs, status, /metrics, send-due."""

from __future__ import annotations

import email
import io
import json
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families

from newsletter import pipeline
from newsletter.cli import main
from newsletter.config import Config, config_to_dict, load_config
from newsletter.errors import NewsletterError, StaleIssue
from newsletter.models import DeliveryStatus, RenderedIssue
from newsletter.ops import jobs
from newsletter.ops.logs import configure_logging
from newsletter.store import Store
from newsletter.web import create_app
from tests.conftest import make_config
from tests.smtp_sink import SmtpSink

DAY = date(2026, 11, 27)
ISSUE = RenderedIssue(DAY, "fr", "Le sujet", "p",
                      '<p>Bonjour<a href="NL__UNSUBSCRIBE_URL__NL">x</a></p>',
                      "t NL__UNSUBSCRIBE_URL__NL\n")


class OpsServer(ThreadingHTTPServer):
    """127.0.0.1: receives webhook POSTs (JSON) and serves a feed that always fails."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.posts: list[dict[str, Any]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: OpsServer

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.posts.append({"path": self.path, "type": self.headers["Content-Type"],
                                  "body": json.loads(body)})
        self.send_response(204)
        self.end_headers()

    def do_GET(self) -> None:  # noqa: N802
        self.send_response(500)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def ops_server() -> Iterator[OpsServer]:
    server = OpsServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def alerting_config(tmp_path: Path, server: OpsServer, sink: SmtpSink, **sections: Any
                    ) -> Config:
    raw: dict[str, Any] = {
        "alerts": {"webhook_url": f"{server.url}/hook", "email": "ops@example.org, oncall@example.org",
                   "feed_failures": 2},
        "delivery": {"sender": "smtp", "send_window_hours": 3.0},
        "smtp": {"host": "127.0.0.1", "port": sink.port, "tls": "none", "timeout": 5.0},
        "collect": {"retries": 0},
    }
    for name, values in sections.items():
        raw.setdefault(name, {}).update(values)
    config = make_config(tmp_path, **raw)
    data = config_to_dict(config)
    data["feeds"] = [{"url": f"{server.url}/feed.xml", "name": "Always down"}]
    path = tmp_path / "newsletter.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return load_config(path)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_each_alert_goes_once_by_webhook_and_email(tmp_path: Path, ops_server: OpsServer) -> None:
    with SmtpSink() as sink:
        config = alerting_config(tmp_path, ops_server, sink)
        store = Store.open(config.database_url)
        clock = lambda: at("2026-11-27 03:00")  # noqa: E731
        jobs.collect_job(config, store, clock)  # 1st failure: below the threshold
        assert ops_server.posts == [] and sink.messages == []
        jobs.collect_job(config, store, clock)  # 2nd in a row: alert
        jobs.collect_job(config, store, clock)  # 3rd: same streak, no new alert
        assert [p["body"]["kind"] for p in ops_server.posts] == ["feed_failing"]
        post = ops_server.posts[0]
        assert post["path"] == "/hook" and post["type"] == "application/json"
        assert post["body"]["details"]["url"] == f"{ops_server.url}/feed.xml"
        assert post["body"]["details"]["failures"] == 2
        assert sorted(r for _, rcpts, _ in sink.messages for r in rcpts) == [
            "oncall@example.org", "ops@example.org"]
        mail = parse_eml_bytes(sink.messages[0][2])
        assert "feed failing 2 times in a row" in mail["Subject"]
        assert mail["Auto-Submitted"] == "auto-generated"

        # The build at the cut-off fails (no story at all): one alert, not one per attempt.
        for _ in range(2):
            with pytest.raises(NewsletterError, match="no story"):
                jobs.build_job(config, store, lambda: at("2026-11-27 05:00"))
        kinds = [p["body"]["kind"] for p in ops_server.posts]
        assert kinds == ["feed_failing", "run_failed"]
        assert "build failed for the 2026-11-27 issue" in ops_server.posts[1]["body"]["subject"]

        # A stored issue whose send window closed: missed, alerted once.
        store.add_subscriber("reader@example.org", now=at("2026-11-26 12:00"))
        store.save_issue(ISSUE, {}, at("2026-11-27 05:00"))
        for _ in range(2):
            with pytest.raises(StaleIssue):
                jobs.send_due(config, store, lambda: at("2026-11-27 11:00"))
        kinds = [p["body"]["kind"] for p in ops_server.posts]
        assert kinds == ["feed_failing", "run_failed", "missed_window"]
        assert len(sink.messages) == 3 * 2  # three alerts, two ops addresses
        assert [a["kind"] for a in store.recent_alerts()] == ["missed_window", "run_failed",
                                                              "feed_failing"]
        runs = store.last_runs(10)
        assert [r["outcome"] for r in runs if r["command"] == "send"] == ["error", "error"]


def test_a_failed_alert_delivery_is_tried_again_at_the_next_run(tmp_path: Path,
                                                                ops_server: OpsServer) -> None:
    with SmtpSink() as sink:
        config = alerting_config(tmp_path, ops_server, sink, alerts={"email": ""})
    # the webhook now points to a closed port: nothing is recorded as sent
    dead = make_config(tmp_path, alerts={"webhook_url": "http://127.0.0.1:9/hook",
                                         "feed_failures": 1}, collect={"retries": 0})
    store = Store.open(config.database_url)
    store.record_feed_failure(f"{ops_server.url}/feed.xml", "Always down", error="HTTP 500",
                              now=at("2026-11-27 03:00"))
    from newsletter.ops.alerts import deliver, feed_alerts

    assert deliver(dead, store, feed_alerts(dead, store), at("2026-11-27 03:00")) == []
    live = make_config(tmp_path, alerts={"webhook_url": f"{ops_server.url}/hook",
                                         "feed_failures": 1})
    assert len(deliver(live, store, feed_alerts(live, store), at("2026-11-27 03:05"))) == 1
    assert len(ops_server.posts) == 1


def parse_eml_bytes(data: bytes) -> Any:
    return email.message_from_bytes(data, policy=policy.default)


def test_logs_as_json_lines(tmp_path: Path) -> None:
    import logging

    config = make_config(tmp_path, logging={"format": "json", "level": "INFO"})
    stream = io.StringIO()
    handler = configure_logging(config, stream)
    try:
        store = Store.open(config.database_url)
        store.add_subscriber("a@example.org", now=at("2026-11-26 12:00"))
        store.save_issue(ISSUE, {}, at("2026-11-27 05:00"))
        jobs.send_due(config, store, lambda: at("2026-11-27 06:05"))
        logging.getLogger("newsletter.test").debug("hidden at INFO")
    finally:
        logging.getLogger().removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    (entry,) = [e for e in lines if e.get("command") == "send"]
    assert entry["level"] == "INFO" and entry["logger"] == "newsletter.alerts"
    assert entry["outcome"] == "ok" and entry["report"]["messages_sent"] == 1
    assert entry["time"].endswith("+00:00") and "send 2026-11-27: ok" in entry["message"]
    assert not any("hidden" in e["message"] for e in lines)


def test_text_logs_are_one_line_per_record(tmp_path: Path) -> None:
    import logging

    stream = io.StringIO()
    handler = configure_logging(make_config(tmp_path, logging={"level": "warning"}), stream)
    try:
        logging.getLogger("newsletter.x").warning("feed %s failed", "a")
        logging.getLogger("newsletter.x").info("not shown")
    finally:
        logging.getLogger().removeHandler(handler)
    (line,) = stream.getvalue().splitlines()
    assert line.endswith("WARNING newsletter.x: feed a failed")


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def write(config: Config, tmp_path: Path) -> str:
    path = tmp_path / "newsletter.toml"
    path.write_text(tomli_w.dumps(config_to_dict(config)), encoding="utf-8")
    return str(path)


def test_status_shows_runs_next_runs_feeds_ledger_and_lock(tmp_path: Path) -> None:
    config = make_config(tmp_path, newsletter={"timezone": "Europe/Paris"},
                         logging={"level": "ERROR"})
    path = write(config, tmp_path)
    store = Store.open(config.database_url)
    now = pipeline.utc_now()
    today = now.astimezone(config.zone).date()
    store.add_subscriber("a@example.org", now=now)
    store.add_subscriber("b@example.org", now=now)
    store.save_issue(RenderedIssue(today, "fr", "S", "p", ISSUE.html, ISSUE.text), {}, now)
    store.claim_deliveries(today, [(1, "<m1@x>")], now)
    run_id = store.start_run("run", today, now - timedelta(seconds=42))
    store.finish_run(run_id, "failed", {"messages_sent": 1, "messages_failed": 1,
                                        "notes": ["error: boom"]}, now)
    store.record_feed_failure("https://feeds.example.org/a.xml", "A", error="HTTP 503", now=now)
    store.acquire_lock("send", "host:123:abcd", now, timedelta(minutes=5))

    code, out = invoke("status", "--config", path)
    assert code == 0
    assert f"issue {today}: draft; deliveries: sending 1" in out
    assert "send lock: host:123:abcd" in out
    assert "next runs (from the config (no daemon has run)):" in out
    assert "send     " in out and "build    " in out
    assert f"#{run_id} run {today} failed: started" in out and "in 42.0 s, 1 sent, 1 failed" in out
    assert "error: boom" in out
    assert "https://feeds.example.org/a.xml: 1 in a row — HTTP 503" in out

    code, out = invoke("status", "--json", "--config", path)
    data = json.loads(out)
    assert data["issue"]["deliveries"] == {"sending": 1}
    assert data["runs"][0]["seconds"] == 42.0 and data["runs"][0]["outcome"] == "failed"
    assert data["send_lock"].startswith("host:123:abcd")
    assert [j["job"] for j in data["next_runs"]["jobs"]] == ["collect", "build", "send"]
    assert data["failing_feeds"][0]["failures"] == 1

    from newsletter.ops.scheduler import start_scheduler

    start_scheduler(config, echo=lambda _m: None, paused=True).shutdown()
    data = json.loads(invoke("status", "--json", "--config", path)[1])
    assert data["next_runs"]["source"] == "job store"
    assert sorted(j["job"] for j in data["next_runs"]["jobs"]) == ["build", "collect", "send"]


def test_metrics_in_prometheus_text_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    monkeypatch.setenv("NEWSLETTER_METRICS_TOKEN", "metrics-token-0123456789")
    config = make_config(tmp_path)
    store = Store.open(config.database_url)
    now = pipeline.utc_now()
    today = now.astimezone(config.zone).date()
    for i in range(3):
        store.add_subscriber(f"s{i}@example.org", now=now)
    store.set_subscriber_status(3, "unsubscribed", now)
    store.save_issue(RenderedIssue(today, "fr", "S", "p", ISSUE.html, ISSUE.text), {}, now)
    store.claim_deliveries(today, [(1, "<m1@x>"), (2, "<m2@x>")], now)
    store.record_deliveries(today, [(1, DeliveryStatus.SENT, "ok")], now)
    run_id = store.start_run("run", today, now - timedelta(seconds=10))
    store.finish_run(run_id, "ok", {}, now)
    store.record_feed_failure('https://feeds.example.org/"quoted".xml', "Q", error="x", now=now)

    response = create_app(config, store).test_client().get(
        "/metrics", headers={"Authorization": "Bearer metrics-token-0123456789"})
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(response.get_data(as_text=True))}

    def value(name: str, **labels: str) -> float:
        (sample,) = [s for s in families[name].samples
                     if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]
        return float(sample.value)

    assert value("newsletter_last_run_timestamp_seconds", command="run",
                 outcome="ok") == pytest.approx((now - timedelta(seconds=10)).timestamp(), abs=1)
    assert value("newsletter_last_run_duration_seconds", command="run", outcome="ok") == \
        pytest.approx(10, abs=0.01)
    assert value("newsletter_deliveries", issue_date=today.isoformat(), status="sent") == 1
    assert value("newsletter_deliveries", issue_date=today.isoformat(), status="sending") == 1
    assert value("newsletter_subscribers", status="active") == 2
    assert value("newsletter_subscribers", status="unsubscribed") == 1
    assert value("newsletter_feeds_failing") == 1
    assert value("newsletter_feed_consecutive_failures",
                 url='https://feeds.example.org/"quoted".xml') == 1  # escaped, read back
    assert value("newsletter_send_lock_held") == 0
    assert create_app(config, store).test_client().get("/healthz").status_code == 200


def test_send_due_from_cron_sends_only_when_due(tmp_path: Path) -> None:
    config = make_config(tmp_path, logging={"level": "ERROR"},
                         schedule={"send_at": "00:00", "cutoff": "00:00"})
    path = write(config, tmp_path)
    store = Store.open(config.database_url)
    now = pipeline.utc_now()
    today = now.astimezone(config.zone).date()
    store.add_subscriber("a@example.org", now=now)
    store.save_issue(RenderedIssue(today, "fr", "S", "p", ISSUE.html, ISSUE.text), {}, now)
    code, out = invoke("send-due", "--config", path)
    assert code == 0 and f"send {today}: 1 sent, 0 failed" in out
    code, out = invoke("send-due", "--config", path)
    assert code == 0 and "nothing due" in out  # the issue is sent: the round is a no-op
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
    assert [r["command"] for r in store.last_runs(10)] == ["send"]  # no-op rounds leave no run


def test_the_daemons_send_round_waits_for_a_cron_run_holding_the_lock(tmp_path: Path) -> None:
    config = make_config(tmp_path, schedule={"send_at": "00:00", "cutoff": "00:00"})
    store = Store.open(config.database_url)
    now = pipeline.utc_now()
    today = now.astimezone(config.zone).date()
    store.add_subscriber("a@example.org", now=now)
    store.save_issue(RenderedIssue(today, "fr", "S", "p", ISSUE.html, ISSUE.text), {}, now)
    # a `newsletter run` from cron on another machine is sending this issue
    assert store.acquire_lock("send", "cron-host:4242:beef", now, timedelta(minutes=5)) is None
    report = jobs.send_due(config, store)
    assert report["messages_sent"] == 0 and "busy: another send is running" in report["notes"][0]
    assert store.delivery_counts(today) == {}
    assert store.last_runs(1)[0]["outcome"] == "busy"
    store.release_lock("send", "cron-host:4242:beef")
    assert jobs.send_due(config, store)["messages_sent"] == 1


def test_run_alerts_for_send_failures_and_varying_errors_go_once_a_day(tmp_path: Path) -> None:
    from datetime import date

    from newsletter.errors import DeliveryError
    from newsletter.ops.alerts import run_alerts

    config = make_config(tmp_path)
    store = Store.open(config.database_url)
    day = date(2026, 11, 29)
    failed = run_alerts(config, store, command="send", issue_date=day, outcome="failed",
                        report={"messages_failed": 3, "notes": []})
    assert [a.key for a in failed] == ["send-failures:2026-11-29"]
    keys = {a.key for n in (1, 2) for a in run_alerts(
        config, store, command="send", issue_date=day, outcome="error", report={"notes": []},
        error=DeliveryError(f"relay refused after {n} tries"))}
    assert keys == {"run-failed:send:2026-11-29:DeliveryError"}  # not one per wording
    quiet = run_alerts(config, store, command="collect", issue_date=day, outcome="failed",
                       report={"notes": []})
    assert quiet == []  # a failing feed alerts through its own streak, not every collect
