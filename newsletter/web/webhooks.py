"""POST /webhooks/<provider>: provider bounce, complaint and unsubscribe events.

Answers: 200 with counts for an accepted request (duplicates and ignored kinds
included, so providers stop retrying), 401 without credentials, 403 for a wrong
signature, secret, topic or a stale timestamp, 400 for a malformed body, 404 for a
provider that is not configured, 413 for an oversized body, 502 when SNS's
certificate or confirmation URL cannot be reached (SNS tries again).
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify, request

from ..config import Config
from ..errors import WebhookError
from ..people.bounces import apply_events
from ..pipeline import utc_now
from ..store import Store
from ..webhooks import Receiver, WebhookRequest, configured_receivers

MAX_BODY = 5_000_000  # SendGrid batches are the largest (a few hundred KB)
log = logging.getLogger(__name__)


def webhooks_blueprint(config: Config, store: Store) -> Blueprint:
    """The webhook endpoints of every configured provider."""
    receivers: dict[str, Receiver] = configured_receivers(config)
    secret = config.secret()
    soft_limit = config.webhooks.soft_bounce_limit
    bp = Blueprint("webhooks", __name__)

    @bp.post("/webhooks/<provider>")
    @bp.post("/webhooks/<provider>/<token>")
    def receive(provider: str, token: str | None = None) -> tuple[Response, int]:
        receiver = receivers.get(provider)
        if receiver is None:
            return jsonify(error=f"no webhook configured for {provider!r}"), 404
        if (request.content_length or 0) > MAX_BODY:
            return jsonify(error="body too large"), 413
        body = request.get_data(cache=False)
        if len(body) > MAX_BODY:
            return jsonify(error="body too large"), 413
        headers = {name.lower(): value for name, value in request.headers.items()}
        now = utc_now()
        try:
            received = receiver.receive(WebhookRequest(body, headers, token), now)
        except WebhookError as exc:
            log.warning("webhook %s refused (%s): %s", provider, exc.status, exc.message)
            return jsonify(error=exc.message), exc.status
        outcome = apply_events(store, secret, received.events, soft_limit=soft_limit, now=now)
        answer = outcome.as_dict()
        if received.note:
            answer["note"] = received.note
        return jsonify(answer), 200

    return bp
