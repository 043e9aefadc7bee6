from __future__ import annotations

from newsletter.config import SmtpSection
from newsletter.delivery.smtp_pool import SmtpPoolSender, TokenBucket
from newsletter.models import DeliveryStatus
from tests.delivery.test_smtp import message
from tests.smtp_sink import SmtpSink


def test_messages_spread_over_parallel_reused_connections() -> None:
    with SmtpSink() as sink:
        sink.handler.data_delay = 0.01
        pool = SmtpPoolSender(SmtpSection(host="127.0.0.1", port=sink.port, tls="none"),
                              "brief@news.example.org", connections=3)
        results = []
        for start in range(0, 12, pool.max_batch):
            results += pool.send_batch([message(i) for i in range(start, start + pool.max_batch)])
        pool.close()
    assert [r.status for r in results] == [DeliveryStatus.SENT] * 12
    assert len(sink.messages) == 12 and len(sink.handler.peers) == 3


def test_too_many_messages_answer_slows_down() -> None:
    with SmtpSink() as sink:
        sink.handler.refuse = {"s1@example.org": "421 4.7.28 too many messages, slow down"}
        pool = SmtpPoolSender(SmtpSection(host="127.0.0.1", port=sink.port, tls="none"),
                              "brief@news.example.org", connections=4, messages_per_second=100)
        results = pool.send_batch([message(i) for i in range(4)])
        pool.close()
    assert results[1].status is DeliveryStatus.DEFERRED
    assert pool.max_batch == 1 and pool.bucket.rate == 50


def test_token_bucket_paces() -> None:
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    bucket = TokenBucket(10, burst=1, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        bucket.take()
    assert len(waits) == 4 and all(abs(w - 0.1) < 1e-9 for w in waits)
