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


def test_data_arrives_line_for_line_with_dots_unstuffed() -> None:
    body = b"line one\r\n.starts with a dot\r\n.\r\n..two dots\r\n.\r\nlast"
    head = (b"From: brief@news.example.org\r\nTo: s1@example.org\r\nSubject: dots\r\n"
            b"Message-ID: <d@news.example.org>\r\n\r\n")
    with SmtpSink() as sink:
        sender = SmtpSender(settings(sink.port), "brief@news.example.org")
        (result,) = sender.send_batch([Message(1, "s1@example.org", "<d@news.example.org>",
                                               head + body)])
        sender.close()
    assert result.status is DeliveryStatus.SENT
    (_, rcpts, got) = sink.messages[0]
    assert rcpts == ["s1@example.org"]
    def lines(data: bytes) -> list[bytes]:
        return data.replace(b"\r\n", b"\n").rstrip(b"\n").split(b"\n")

    assert lines(got) == lines(head + body)


def test_bare_line_feeds_go_through_smtplib_as_before() -> None:
    data = b"Subject: lf\r\n\r\nbare\nline feeds\r\nend\r\n"
    with SmtpSink() as sink:
        sender = SmtpSender(settings(sink.port), "brief@news.example.org")
        (result,) = sender.send_batch([Message(1, "s1@example.org", "<lf@x>", data)])
        sender.close()
    assert result.status is DeliveryStatus.SENT
    assert b"line feeds\r\nend" in sink.messages[0][2]


def test_an_address_smtplib_must_quote_still_goes_through_smtplib() -> None:
    with SmtpSink() as sink:
        sender = SmtpSender(settings(sink.port), '"odd name"@news.example.org')
        data = b"Subject: q\r\n\r\nhello\r\n"
        (result,) = sender.send_batch([Message(1, "s1@example.org", "<q@x>", data)])
        sender.close()
    assert result.status is DeliveryStatus.SENT
    assert sink.messages[0][0] == '"odd name"@news.example.org'
