"""Benchmark: sending full-size issues to a local SMTP sink and a local HTTP provider API.

Our sender (the ledger loop, `[smtp] connections` reused connections in parallel)
against a plain smtplib loop opening one connection per message, measured in the same
run; the sink (a small asyncio relay in its own process) waits ``--delay`` seconds
before each reply, as a distant relay would. Then the SendGrid sender (1,000
personalizations a request, one shared body, on one pooled session) against one request
per recipient with its full body, new connection each, on a loopback API in its own
process that also waits ``--delay`` per request; the Postmark sender (500 full messages
a request) is shown too, for comparison. The issue is about 80 KB of HTML. Prints
messages per second and peak memory (tracemalloc) for each list size. Last line: one
JSON object with every figure.

    python benchmarks/send.py [--sizes 10000 100000] [--baseline 100] [--connections 32]
                              [--http-providers sendgrid postmark brevo mailgun]

Brevo and Mailgun send one message per request (their documents promise no
per-recipient headers in a batch): ``--http-providers brevo mailgun`` shows that cost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import smtplib
import socket
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newsletter.compose import render_issue  # noqa: E402
from newsletter.config import config_from_dict  # noqa: E402
from newsletter.pipeline import message_factory, send_stage  # noqa: E402
from newsletter.store import Store  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from render import sample_briefing  # noqa: E402

DAY = date(2026, 11, 29)


def sink(port_queue: Any, delay: float, counter: Any = None) -> None:
    """An SMTP relay on loopback that waits ``delay`` seconds before each reply.

    A real relay spends its time waiting on disks and networks, not on parsing; this one
    reads a message's data in one go (up to the final ``CRLF.CRLF``) rather than line by
    line, so that the sink's own CPU (one Python process) is not what is measured.
    Every reply is delayed: the greeting, EHLO, MAIL, RCPT, DATA's 354, the end of data
    and QUIT. ``counter`` (a multiprocessing Value), if given, counts the messages accepted.
    """

    async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async def reply(line: bytes) -> None:
            if delay:
                await asyncio.sleep(delay)
            writer.write(line)
            await writer.drain()

        try:
            await reply(b"220 sink.example ESMTP\r\n")
            while line := await reader.readline():
                verb = line[:4].upper()
                if verb == b"EHLO":
                    await reply(b"250-sink.example\r\n250-8BITMIME\r\n250-SIZE 20000000\r\n"
                                b"250 SMTPUTF8\r\n")
                elif verb in (b"HELO", b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                    await reply(b"250 OK\r\n")
                elif verb == b"DATA":
                    await reply(b"354 end with <CRLF>.<CRLF>\r\n")
                    await reader.readuntil(b"\r\n.\r\n")
                    if counter is not None:
                        with counter.get_lock():
                            counter.value += 1
                    await reply(b"250 2.0.0 OK queued\r\n")
                elif verb == b"QUIT":
                    await reply(b"221 bye\r\n")
                    break
                else:
                    await reply(b"500 unknown command\r\n")
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def serve() -> None:
        server = await asyncio.start_server(session, "127.0.0.1", 0, limit=32 * 1024 * 1024,
                                            backlog=512)
        port_queue.put(server.sockets[0].getsockname()[1])
        await server.serve_forever()

    asyncio.run(serve())


def http_sink(port_queue: Any, delay: float) -> None:
    """SendGrid- and Postmark-shaped APIs on loopback, answering ``delay`` seconds after
    each request, as a distant API would. Every request body is parsed (JSON), as the
    real API would, and its recipients counted."""
    import json as _json
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            if self.path.endswith("/messages"):  # Mailgun: a multipart form
                return self.mailgun(raw)
            body = _json.loads(raw)
            time.sleep(delay)
            if self.path == "/v3/smtp/email":  # Brevo: one message, or messageVersions
                versions = body.get("messageVersions") or [body]
                assert all(len(v["to"]) == 1 for v in versions)
                ids = [f"<b{i}@relay>" for i in range(len(versions))]
                return self.reply(201, {"messageIds": ids} if "messageVersions" in body
                                  else {"messageId": ids[0]})
            if self.path == "/v3/mail/send":  # SendGrid: 202, no body
                assert all(len(p["to"]) == 1 for p in body["personalizations"])
                self.send_response(202)
                self.send_header("X-Message-Id", f"sg{len(body['personalizations'])}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            items = body if isinstance(body, list) else [body]
            out = [{"ErrorCode": 0, "Message": "OK", "MessageID": f"m{i}", "To": item["To"]}
                   for i, item in enumerate(items)]
            data = _json.dumps(out if isinstance(body, list) else out[0]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def mailgun(self, raw: bytes) -> None:
            from email import message_from_bytes, policy

            head = b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n"
            form = message_from_bytes(head + raw, policy=policy.HTTP)
            names = [p.get_param("name", header="content-disposition") for p in form.iter_parts()]
            assert names.count("to") == 1 or "recipient-variables" in names
            time.sleep(delay)
            self.reply(200, {"id": "<batch@mg.example.org>", "message": "Queued. Thank you."})

        def reply(self, status: int, answer: Any) -> None:
            data = _json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_queue.put(server.server_address[1])
    server.serve_forever()


def ours_http(provider: str, url: str, count: int, tmp: Path) -> tuple[float, float, int]:
    os.environ["BENCH_API_KEY"] = "bench"
    config = config_from_dict({
        "store": {"url": f"sqlite:///{tmp}/{provider}-{count}.sqlite3"},
        "delivery": {"sender": provider, "send_window_hours": 0, "retries": 0,
                     "batch_size": 1000},
        provider: {"api_key_env": "BENCH_API_KEY", "base_url": url,
                   "requests_per_second": 1000.0,
                   **({"domain": "mg.example.org"} if provider == "mailgun" else {})},
    }, source="benchmark", base_dir=tmp)
    return _timed_send(config, count)


def baseline_http(url: str, count: int) -> float:
    """One SendGrid request per recipient, a new connection each time (requests.post)."""
    import requests

    issue, _ = big_issue_html()
    from newsletter.models import Subscriber

    config = config_from_dict({}, source="benchmark", base_dir=Path("."))
    factory = message_factory(config, issue)
    now = datetime(2026, 11, 29, 6, tzinfo=UTC)
    started = time.perf_counter()
    for i in range(count):
        parts = factory.build(Subscriber(i + 1, f"reader{i}@example.org"), now,
                              with_parts=True).parts
        assert parts is not None
        requests.post(f"{url}/v3/mail/send", json={
            "personalizations": [{"to": [{"email": parts.to}], "headers": dict(parts.headers)}],
            "from": {"email": "brief@news.example.org"}, "subject": parts.subject,
            "content": [{"type": "text/plain", "value": parts.text},
                        {"type": "text/html", "value": parts.html}]},
            headers={"Authorization": "Bearer bench"}, timeout=(5, 30))
    return count / (time.perf_counter() - started)


def _timed_send(config: Any, count: int) -> tuple[float, float, int]:
    store = Store.open(config.database_url)
    now = datetime(2026, 11, 29, 6, tzinfo=UTC)
    with store.engine.begin() as conn:
        from newsletter.store import schema as t

        conn.execute(t.subscribers.insert(), [dict(
            email=f"reader{i}@example.org", name=f"Lecteur {i}", sections="", status="active",
            created_at=now, updated_at=now) for i in range(count)])
    issue, _ = big_issue_html()
    store.save_issue(issue, {}, now)
    tracemalloc.start()
    started = time.perf_counter()
    result = send_stage(config, store, DAY, force=True)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    store.close()
    return count / elapsed, peak / 1e6, result.sent


def big_issue_html() -> tuple[Any, int]:
    """An issue of about 80 KB of HTML: 24 stories with long summaries and 12 briefs."""
    briefing = sample_briefing()
    first = briefing.items[0]
    items = tuple(type(first)(**{**first.__dict__, "rank": i, "story_id": f"s{i}",
                                 "headline": f"{first.headline} ({i})",
                                 "url": f"https://news.example.org/2026/11/29/article-{i}",
                                 "summary": (first.summary + " ") * 5})
                  for i in range(1, 25))
    brief = tuple(type(b)(**{**b.__dict__, "rank": 24 + i, "story_id": f"b{i}",
                             "url": f"https://news.example.org/brief/{i}"})
                  for i, b in enumerate(briefing.in_brief * 2))
    briefing = type(briefing)(**{**briefing.__dict__, "items": items, "in_brief": brief})
    issue = render_issue(briefing, postal_address="12 rue Exemple, Casablanca",
                         web_url="https://news.example.org/issues/2026-11-29", limit=100_000)
    return issue, len(issue.html.encode())


def ours(port: int, count: int, connections: int, tmp: Path) -> tuple[float, float, int]:
    config = config_from_dict({
        "store": {"url": f"sqlite:///{tmp}/send-{count}.sqlite3"},
        "delivery": {"sender": "smtp", "send_window_hours": 0, "retries": 0, "batch_size": 500},
        "smtp": {"host": "127.0.0.1", "port": port, "tls": "none", "connections": connections,
                 "max_messages_per_connection": 1000},
    }, source="benchmark", base_dir=tmp)
    return _timed_send(config, count)


def baseline(port: int, count: int, tmp: Path) -> float:
    """One smtplib connection per message (connect, EHLO, MAIL, RCPT, DATA, QUIT)."""
    config = config_from_dict({"store": {"url": f"sqlite:///{tmp}/b.sqlite3"}},
                              source="benchmark", base_dir=tmp)
    issue, _ = big_issue_html()
    from newsletter.models import Subscriber

    factory = message_factory(config, issue)
    now = datetime(2026, 11, 29, 6, tzinfo=UTC)
    started = time.perf_counter()
    for i in range(count):
        msg = factory.build(Subscriber(i + 1, f"reader{i}@example.org"), now)
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as conn:
            conn.sendmail("brief@news.example.org", [msg.recipient], msg.data)
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--baseline", type=int, default=100)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--delay", type=float, default=0.02)
    parser.add_argument("--http-providers", nargs="+", default=["sendgrid", "postmark"],
                        choices=["sendgrid", "postmark", "brevo", "mailgun"])
    args = parser.parse_args()
    os.environ.setdefault("NEWSLETTER_SECRET", "benchmark-" + "x" * 40)
    ports: Any = multiprocessing.get_context("fork").Queue()
    server = multiprocessing.get_context("fork").Process(target=sink, args=(ports, args.delay),
                                                         daemon=True)
    server.start()
    port = ports.get(timeout=30)
    _, html_bytes = big_issue_html()
    figures: dict[str, Any] = {"html_kb": round(html_bytes / 1024, 1), "delay_s": args.delay,
                               "connections": args.connections}
    with tempfile.TemporaryDirectory() as tmp:
        base_rate = baseline(port, args.baseline, Path(tmp))
        figures["baseline_messages_per_s"] = round(base_rate, 1)
        print(f"issue HTML {figures['html_kb']} KB; sink waits {args.delay * 1000:.0f} ms per reply")
        print(f"  smtplib, one connection per message: {base_rate:8.1f} msg/s "
              f"({args.baseline} messages)")
        for size in args.sizes:
            rate, peak_mb, sent = ours(port, size, args.connections, Path(tmp))
            figures[f"ours_{size}_messages_per_s"] = round(rate, 1)
            figures[f"ours_{size}_peak_mb"] = round(peak_mb, 1)
            figures[f"ours_{size}_sent"] = sent
            figures[f"ours_{size}_ratio"] = round(rate / base_rate, 1)
            print(f"  ours, {args.connections} connections, {size:>6} subscribers: {rate:8.1f} msg/s"
                  f"  ({rate / base_rate:.1f}x, target >= 10)  peak {peak_mb:.1f} MB")
        http_ports: Any = multiprocessing.get_context("fork").Queue()
        api = multiprocessing.get_context("fork").Process(target=http_sink, args=(http_ports, args.delay),
                                                          daemon=True)
        api.start()
        url = f"http://127.0.0.1:{http_ports.get(timeout=30)}"
        http_base = baseline_http(url, args.baseline)
        figures["http_baseline_messages_per_s"] = round(http_base, 1)
        print(f"  HTTP, one request per recipient:      {http_base:8.1f} msg/s ({args.baseline})")
        for provider in args.http_providers:
            target = " target >= 50" if provider == "sendgrid" else ""
            for size in args.sizes:
                rate, peak_mb, sent = ours_http(provider, url, size, Path(tmp))
                key = f"http_{provider}_{size}"
                figures[f"{key}_messages_per_s"] = round(rate, 1)
                figures[f"{key}_ratio"] = round(rate / http_base, 1)
                figures[f"{key}_peak_mb"] = round(peak_mb, 1)
                figures[f"{key}_sent"] = sent
                print(f"  ours, {provider:8} batches, {size:>6} subscribers: {rate:8.1f} msg/s"
                      f"  ({rate / http_base:.1f}x{target})  peak {peak_mb:.1f} MB")
        api.terminate()
    server.terminate()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
