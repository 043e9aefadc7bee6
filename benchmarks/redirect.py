"""Benchmark: /r/<token> story-link redirects per second under concurrent clients (issue 19).

`newsletter serve`'s own code path (create_app + serve_app: waitress) runs in its own
process on 127.0.0.1, over a SQLite store holding one sent issue. Client threads, each
with a keep-alive connection, open story links as readers would (every simulated reader
its own User-Agent, two stories each, Accept-Language set), at several sizes. Two ways of
counting, same app, same requests:

  ours      counts kept in memory, written in batches by a background thread
  baseline  the naive way: one transaction (an UPSERT) per click, before the answer

After each run the server is stopped with SIGTERM and the store must hold exactly the
clicks made (readers + robots): the speed is not bought by losing counts. Target: ours
>= 2,000 redirects/s on this machine. Last line: one JSON object with every figure.

    python benchmarks/redirect.py [--sizes 2000 10000 40000] [--threads 16]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

TARGET = 2000.0
DAY = date(2026, 12, 3)
SECRET = "benchmark-secret-" + "r" * 40
STORIES = [f"{n:032x}" for n in range(1, 13)]


def prepare(folder: Path) -> Path:
    """A config and a store holding one sent issue of 12 stories."""
    from newsletter.config import load_config
    from newsletter.models import RenderedIssue
    from newsletter.store import Store

    config = folder / "newsletter.toml"
    config.write_text('[store]\nurl = "sqlite:///db.sqlite3"\n'
                      '[newsletter]\npublic_url = "https://news.example.org"\n'
                      '[readership]\nclicks = true\n', encoding="utf-8")
    store = Store.open(load_config(config).database_url)
    items = [{"story_id": sid, "url": f"https://www.journal.example/2026/12/03/{sid}.html"}
             for sid in STORIES]
    store.save_issue(RenderedIssue(DAY, "fr", "S", "p", "<p>h</p>", "t"),
                     {"items": items, "in_brief": []}, datetime(2026, 12, 3, 5, tzinfo=UTC))
    store.set_issue_status(DAY, "sent")
    store.close()
    return config


def serve(config_path: str, port: int, mode: str) -> None:
    """The server process: `newsletter serve`'s app and server; the baseline writes each."""
    from newsletter.config import load_config
    from newsletter.store import Store
    from newsletter.web import create_app, serve_app
    from newsletter.web.clicks import counter_of

    config = load_config(Path(config_path))
    app = create_app(config, Store.open(config.database_url))
    counter = counter_of(app)
    assert counter is not None
    counter.write_each = mode == "baseline"
    serve_app(app, "127.0.0.1", port, echo=lambda line: None)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(config: Path, mode: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    log = (config.parent / "server.log").open("ab")
    proc = subprocess.Popen([sys.executable, __file__, "--serve", str(config), str(port), mode],
                            env={**os.environ, "NEWSLETTER_SECRET": SECRET},
                            stdout=subprocess.DEVNULL, stderr=log)
    log.close()
    deadline = time.monotonic() + 30
    while True:  # poll for readiness
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            conn.close()
            return proc, port
        except OSError as exc:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise SystemExit("the server did not start: " + (config.parent / "server.log")
                                 .read_text(errors="replace")) from exc
            time.sleep(0.05)


def hammer(port: int, paths: list[str], threads: int) -> float:
    """Every path requested once, spread over ``threads`` keep-alive clients; seconds."""
    errors: list[str] = []
    numbered = list(enumerate(paths))
    chunks = [numbered[i::threads] for i in range(threads)]
    go = threading.Barrier(threads + 1)

    def client(mine: list[tuple[int, str]]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        go.wait()
        for n, path in mine:
            conn.request("GET", path, headers={  # reader n // 2: two clicks each
                "User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 "
                              f"Firefox/133.0 r{n // 2}",
                "Accept-Language": "fr-FR,fr;q=0.9"})
            answer = conn.getresponse()
            answer.read()
            if answer.status != 302:
                errors.append(f"{path}: {answer.status}")
        conn.close()

    workers = [threading.Thread(target=client, args=(c,)) for c in chunks]
    for w in workers:
        w.start()
    go.wait()
    began = time.perf_counter()
    for w in workers:
        w.join()
    took = time.perf_counter() - began
    if errors:
        raise SystemExit(f"{len(errors)} requests failed, first: {errors[0]}")
    return took


def stored_total(config: Path) -> int:
    from newsletter.config import load_config
    from newsletter.store import Store

    store = Store.open(load_config(config).database_url)
    try:
        return store.click_totals("reader") + store.click_totals("robot")
    finally:
        store.close()


def run(config: Path, mode: str, size: int, threads: int) -> dict[str, float]:
    from newsletter.tokens import StoryLinks

    links = StoryLinks(SECRET.encode())
    tokens = [f"/r/{links.make(DAY, 'fr', sid)}" for sid in STORIES]
    paths = [tokens[(n * 7 + n // 2) % len(tokens)] for n in range(size)]
    before = stored_total(config)
    proc, port = start(config, mode)
    try:
        seconds = hammer(port, paths, threads)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    counted = stored_total(config) - before
    if counted != size:
        raise SystemExit(f"{mode}: {size} clicks made, {counted} in the store")
    return {"requests": size, "seconds": round(seconds, 3), "per_second": round(size / seconds, 1),
            "counted": counted}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # Space-separated like the other benchmarks; "2000,10000" is still read.
    parser.add_argument("--sizes", nargs="+", default=["2000", "10000", "40000"])
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--serve", nargs=3, metavar=("CONFIG", "PORT", "MODE"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]), args.serve[2])
        return
    sizes = [int(s) for arg in args.sizes for s in arg.split(",") if s]
    load = os.getloadavg()
    figures: dict[str, object] = {"cores": os.cpu_count(), "load_before": [round(x, 2) for x in load],
                                  "threads": args.threads, "target_per_second": TARGET, "runs": []}
    print(f"{os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
          f"(shared machine); {args.threads} client threads, keep-alive; SQLite; waitress")
    print(f"{'requests':>9} {'ours /s':>9} {'baseline /s':>12} {'ratio':>6}  counted (ours, baseline)")
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            ours_dir, base_dir = Path(tmp) / f"ours{size}", Path(tmp) / f"base{size}"
            ours_dir.mkdir()
            base_dir.mkdir()
            ours = run(prepare(ours_dir), "ours", size, args.threads)
            base = run(prepare(base_dir), "baseline", size, args.threads)
            ratio = ours["per_second"] / base["per_second"]
            print(f"{size:>9} {ours['per_second']:>9.0f} {base['per_second']:>12.0f} "
                  f"{ratio:>5.1f}x  {ours['counted']:.0f}, {base['counted']:.0f}")
            figures["runs"].append({"size": size, "ours": ours, "baseline": base,  # type: ignore[attr-defined]
                                    "ratio": round(ratio, 2)})
    best = min(r["ours"]["per_second"] for r in figures["runs"])  # type: ignore[attr-defined]
    figures["ours_min_per_second"] = best
    figures["target_met"] = best >= TARGET
    figures["load_after"] = [round(x, 2) for x in os.getloadavg()]
    print(f"target {TARGET:.0f}/s: {'met' if best >= TARGET else 'NOT met'} (slowest size: "
          f"{best:.0f}/s)")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
