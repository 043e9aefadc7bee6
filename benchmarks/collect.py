"""Benchmark: collecting 200 feeds x 50 items from a loopback server where 1 feed in 10 is slow.

Prints our collector's cold and warm (all 304) times beside a plain sequential
requests + feedparser loop over the same feeds, and the run's floor: the larger of the
slowest feed's response time and the parsing CPU time divided by the cores.
Last line: one JSON object with every figure.

    python benchmarks/collect.py [--feeds 200] [--items 50] [--slow-every 10] [--delay 2]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import random
import socket
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import feedparser
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newsletter.feeds import CollectSettings, FetchSettings, collect  # noqa: E402
from newsletter.models import FeedSource  # noqa: E402
from newsletter.store import Store  # noqa: E402

WORDS = (
    "conseil", "ville", "budget", "port", "tempête", "vent", "côte", "marché", "banque", "taux",
    "emploi", "usine", "école", "santé", "vaccin", "essai", "équipe", "finale", "match", "sommet",
    "océan", "accord", "député", "vote", "loi", "réforme", "énergie", "solaire", "eau", "barrage",
    "récolte", "prix", "export", "route", "train", "aéroport", "grève", "salaire", "données",
    "réseau", "start-up", "musée", "festival", "livre", "film", "théâtre", "quartier", "habitants",
    "maire",
)


def make_feed(n: int, items: int) -> bytes:
    rnd = random.Random(n)
    base = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    parts = []
    for i in range(items):
        words = " ".join(rnd.choice(WORDS) for _ in range(300))
        when = (base - timedelta(minutes=17 * i + n)).strftime("%a, %d %b %Y %H:%M:%S +0000")
        parts.append(
            f"<item><title>Fil {n} article {i} : {' '.join(rnd.choice(WORDS) for _ in range(8))}"
            f"</title><link>https://feed{n}.example/{i}</link><guid>f{n}-{i}</guid>"
            f"<pubDate>{when}</pubDate><category>Société</category>"
            f"<description>{words}</description></item>")
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Fil {n}</title><link>https://feed{n}.example/</link><language>fr</language>"
            f"{''.join(parts)}</channel></rss>").encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: BenchServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        n = int(self.path.rsplit("/", 1)[1])
        body, etag = self.server.bodies[n]
        if self.headers.get("If-None-Match") == etag:  # answered from cache: fast
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if n % self.server.slow_every == 0:  # a slow generator of fresh feeds
            time.sleep(self.server.delay)
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(body)


class BenchServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, bodies: list[bytes], slow_every: int, delay: float) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.bodies = [(b, '"' + hashlib.sha1(b).hexdigest() + '"') for b in bodies]
        self.slow_every = slow_every
        self.delay = delay


def serve(bodies: list[bytes], slow_every: int, delay: float, ports: Any) -> None:
    server = BenchServer(bodies, slow_every, delay)
    ports.put(server.server_address[1])
    server.serve_forever()


def sequential(urls: list[str]) -> tuple[float, float, int]:
    """The naive loop: one GET after another, feedparser on each. Returns (wall, parse CPU, items)."""
    started = time.perf_counter()
    parse_cpu = 0.0
    items = 0
    for url in urls:
        body = requests.get(url, timeout=(5, 30)).content
        cpu = time.process_time()
        items += len(feedparser.parse(body).entries)
        parse_cpu += time.process_time() - cpu
    return time.perf_counter() - started, parse_cpu, items


def ours(store: Store, urls: list[str]) -> tuple[float, Any]:
    feeds = [FeedSource(url=u, name=f"Fil {i}", language="fr") for i, u in enumerate(urls)]
    settings = CollectSettings(user_agent="bench", workers=32, per_host=32, deadline=600,
                               fetch=FetchSettings(read_timeout=30, feed_timeout=60))
    started = time.perf_counter()
    result = collect(store, feeds, now=datetime(2026, 11, 27, 5, tzinfo=UTC), settings=settings)
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--slow-every", type=int, default=10)
    parser.add_argument("--delay", type=float, default=2.0)
    args = parser.parse_args()
    bodies = [make_feed(n, args.items) for n in range(args.feeds)]
    cores = os.cpu_count() or 1
    # The feed server runs in its own process, as a remote server would (not in our GIL).
    ports: multiprocessing.Queue[int] = multiprocessing.get_context("fork").Queue()
    server = multiprocessing.get_context("fork").Process(
        target=serve, args=(bodies, args.slow_every, args.delay, ports), daemon=True)
    server.start()
    port = ports.get(timeout=30)
    urls = [f"http://127.0.0.1:{port}/feed/{n}" for n in range(args.feeds)]
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(f"sqlite:///{tmp}/bench.sqlite3")
        cold, first = ours(store, urls)
        warm, second = ours(store, urls)
        stored = store.count_stories()
        store.close()
    base_wall, parse_cpu, base_items = sequential(urls)
    server.terminate()
    floor = max(args.delay, parse_cpu / cores)
    figures = {
        "feeds": args.feeds, "items_per_feed": args.items, "cores": cores,
        "mean_feed_kb": round(sum(map(len, bodies)) / len(bodies) / 1024, 1),
        "ours_cold_s": round(cold, 2), "ours_warm_304_s": round(warm, 3),
        "sequential_s": round(base_wall, 2), "parse_cpu_s": round(parse_cpu, 2),
        "floor_s": round(floor, 2),
        "cold_over_floor": round(cold / floor, 2),
        "sequential_over_ours": round(base_wall / cold, 1),
        "cold_over_warm": round(cold / warm, 1),
        "stories_stored": stored, "items_parsed_by_baseline": base_items,
        "failed_feeds": len(first.failed) + len(second.failed),
        "warm_not_modified": len(second.not_modified),
    }
    rows = [
        ("our collector, cold", f"{cold:.2f} s", f"{cold / floor:.2f}x floor (target <= 1.5)"),
        ("our collector, all 304", f"{warm:.3f} s", f"cold/warm {cold / warm:.1f}x (target >= 10)"),
        ("sequential requests + feedparser", f"{base_wall:.2f} s",
         f"{base_wall / cold:.1f}x ours (target >= 4)"),
        ("floor: max(slowest feed, parse CPU / cores)", f"{floor:.2f} s",
         f"parse CPU {parse_cpu:.2f} s on {cores} cores"),
    ]
    print(f"{args.feeds} feeds x {args.items} items (~{figures['mean_feed_kb']} KB each), "
          f"1 in {args.slow_every} answering after {args.delay} s")
    for name, value, note in rows:
        print(f"  {name:<46} {value:>10}   {note}")
    print(f"  stored {stored} stories; failed feeds: {figures['failed_feeds']}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
