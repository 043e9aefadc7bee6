from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from newsletter.config import SmtpSection
from newsletter.delivery.smtp import SmtpSender
from newsletter.errors import DeliveryError
from newsletter.models import DeliveryStatus, Message
from tests.smtp_sink import SmtpSink

NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)


def message(n: int) -> Message:
    data = (f"From: brief@news.example.org\r\nTo: s{n}@example.org\r\nSubject: x\r\n"
            f"Message-ID: <{n}@news.example.org>\r\n\r\nbody {n}\r\n").encode()
    return Message(n, f"s{n}@example.org", f"<{n}@news.example.org>", data)


def settings(port: int, **kw: object) -> SmtpSection:
    return SmtpSection(host="127.0.0.1", port=port, tls="none", timeout=5,  # type: ignore[arg-type]
                       **kw)


def test_one_transaction_per_message_on_a_reused_connection() -> None:
    with SmtpSink() as sink:
        sender = SmtpSender(settings(sink.port, max_messages_per_connection=2),
                            "Le Brief <brief@news.example.org>")
        results = sender.send_batch([message(i) for i in range(5)])
        sender.close()
    assert [r.status for r in results] == [DeliveryStatus.SENT] * 5
    assert [m[1] for m in sink.messages] == [[f"s{i}@example.org"] for i in range(5)]
    assert all(m[0] == "brief@news.example.org" for m in sink.messages)


def test_refused_recipients_are_classified() -> None:
    with SmtpSink() as sink:
        sink.handler.refuse = {"s1@example.org": "550 5.1.1 no such user",
                               "s2@example.org": "451 4.3.0 try later"}
        sender = SmtpSender(settings(sink.port), "brief@news.example.org")
        results = sender.send_batch([message(i) for i in range(4)])
        sender.close()
    assert [r.status for r in results] == [DeliveryStatus.SENT, DeliveryStatus.FAILED,
                                           DeliveryStatus.DEFERRED, DeliveryStatus.SENT]
    assert "5.1.1" in results[1].detail
    assert len(sink.messages) == 2


def test_no_plaintext_fallback_when_starttls_is_missing() -> None:
    with SmtpSink() as sink:
        sender = SmtpSender(SmtpSection(host="127.0.0.1", port=sink.port, tls="starttls",
                                        timeout=5), "brief@news.example.org")
        with pytest.raises(DeliveryError, match="STARTTLS"):
            sender.send_batch([message(1)])
    assert sink.messages == []


def test_unreachable_server_is_a_clear_error() -> None:
    sender = SmtpSender(settings(9), "brief@news.example.org")
    with pytest.raises(DeliveryError, match="127.0.0.1:9"):
        sender.send_batch([message(1)])
    assert date.today()  # the sender raised before any message was handed over
