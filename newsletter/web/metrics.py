"""`/metrics` in the Prometheus text format, read from the store at each scrape.

Only for a scraper sending ``Authorization: Bearer <token>``, the token read from the
variable ``[web] metrics_token_env`` names; with no token set /metrics answers 404
(the figures say how many subscribers there are and which feeds fail).

Uses prometheus_client (the Prometheus project's own Python client): it owns the
exposition format (escaping of label values, HELP/TYPE lines, float formatting), so this
module only says what the numbers are. A fresh registry per scrape holds one collector
that reads the store: nothing is kept in process memory, so every process serving the
app (waitress threads, several workers) reports the same figures.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterator
from datetime import datetime

from flask import Blueprint, Response, abort, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ..config import Config
from ..errors import ConfigError
from ..models import CLICK_KINDS
from ..pipeline import utc_now
from ..store import Store


class StoreCollector(Collector):
    """The newsletter's figures, as gauges (and the story clicks, a counter)."""

    def __init__(self, config: Config, store: Store, now: datetime) -> None:
        self.config, self.store, self.now = config, store, now

    def collect(self) -> Iterator[Metric]:
        store, config = self.store, self.config
        last = GaugeMetricFamily("newsletter_last_run_timestamp_seconds",
                                 "When the last run of each command with each outcome started.",
                                 labels=["command", "outcome"])
        took = GaugeMetricFamily("newsletter_last_run_duration_seconds",
                                 "How long the last finished run of each command and outcome took.",
                                 labels=["command", "outcome"])
        for row in store.last_run_by_command():
            last.add_metric([row["command"], row["outcome"]], row["started_at"].timestamp())
            if row["finished_at"] is not None and row["finished_at"] >= row["started_at"]:
                took.add_metric([row["command"], row["outcome"]],
                                (row["finished_at"] - row["started_at"]).total_seconds())
        yield last
        yield took
        today = self.now.astimezone(config.zone).date()
        issue = store.latest_issue_date(today) or today
        deliveries = GaugeMetricFamily("newsletter_deliveries",
                                       "Deliveries of the current issue, by ledger status.",
                                       labels=["issue_date", "status"])
        for status, count in sorted(store.delivery_counts(issue).items()):
            deliveries.add_metric([issue.isoformat(), status], count)
        yield deliveries
        subscribers = GaugeMetricFamily("newsletter_subscribers", "Subscribers by status.",
                                        labels=["status"])
        for status, count in sorted(store.subscriber_counts().items()):
            subscribers.add_metric([status], count)
        yield subscribers
        feeds = store.feed_states()
        yield GaugeMetricFamily("newsletter_feeds_failing",
                                "Feeds whose last fetch failed.",
                                value=sum(1 for f in feeds if f.consecutive_failures))
        streaks = GaugeMetricFamily("newsletter_feed_consecutive_failures",
                                    "Failures in a row of each failing feed.", labels=["url"])
        for feed in feeds:
            if feed.consecutive_failures:
                streaks.add_metric([feed.url], feed.consecutive_failures)
        yield streaks
        yield GaugeMetricFamily("newsletter_send_lock_held", "1 while a send holds the lock.",
                                value=1 if store.lock_holder("send", self.now) else 0)
        jobs = store.scheduled_jobs() or []
        upcoming = GaugeMetricFamily("newsletter_next_run_timestamp_seconds",
                                     "Next run of each job of the `schedule` daemon.",
                                     labels=["job"])
        for job, at in jobs:
            if at is not None:
                upcoming.add_metric([job], at.timestamp())
        yield upcoming
        # Written by /r/<token> in batches ([readership] flush_seconds): a click shows here
        # once its batch is in the store, the same on every process serving the app.
        clicks = CounterMetricFamily(
            "newsletter_story_clicks", "Clicks on story links counted by /r/<token>, by kind: "
            "reader, or robot (link scanners, prefetchers; never shown as readers).",
            labels=["kind"])
        for kind in CLICK_KINDS:
            clicks.add_metric([kind], store.click_totals(kind))
        yield clicks


MIN_TOKEN = 16


def metrics_token(config: Config) -> str:
    """The bearer token of /metrics ("" when none is set: /metrics is then off)."""
    name = config.web.metrics_token_env
    token = os.environ.get(name, "").strip() if name else ""
    if token and len(token) < MIN_TOKEN:
        raise ConfigError(f"{name} (the /metrics token, [web] metrics_token_env) has "
                          f"{len(token)} characters: it needs {MIN_TOKEN} or more",
                          hint='python3 -c "import secrets; print(secrets.token_urlsafe(32))"')
    return token


def metrics_blueprint(config: Config, store: Store) -> Blueprint:
    """GET /metrics, for whoever sends the bearer token; 404 when no token is set."""
    blueprint = Blueprint("metrics", __name__)
    token = metrics_token(config).encode()

    @blueprint.get("/metrics")
    def metrics() -> Response:
        if not token:
            abort(404)  # off: nobody may read the figures
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token):
            return Response("/metrics needs its bearer token ([web] metrics_token_env)\n", 401,
                            {"WWW-Authenticate": 'Bearer realm="metrics"'},
                            content_type="text/plain; charset=utf-8")
        registry = CollectorRegistry(auto_describe=False)
        registry.register(StoreCollector(config, store, utc_now()))
        return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)

    return blueprint
