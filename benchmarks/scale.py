"""Benchmark: 1,000,000 subscribers in PostgreSQL, 1, 2 and 4 `send --worker` processes.

Loads the subscribers with COPY into a fresh database, queues the issue's deliveries with
`newsletter send --prepare` (one INSERT … SELECT), then for each worker count starts that
many `newsletter send --worker` subprocesses against a local SMTP sink (the asyncio relay
of benchmarks/send.py, in its own process, waiting ``--delay`` seconds before each reply
as a distant relay would). Sending all 1M at each count would take hours on a small
machine, so each configuration is measured over a fixed window (``--window`` seconds,
after ``--warmup`` seconds for start-up), on the same queue: each configuration takes the
next rows. Then the workers get SIGTERM (they finish their chunk and give their leases
back) and their peak RSS comes from the kernel (wait4). The baseline, measured the same
way in the same run, is the single-process `newsletter send` (the send lock).

    python benchmarks/scale.py [--subscribers 1000000] [--workers 1 2 4] [--window 20]
                               [--postgres-url postgresql://…]   (default $NEWSLETTER_TEST_POSTGRES_URL)

Start a throwaway server with `.ci/postgres start DIR` (prints its URL).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import tomli_w

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from send import sink as relay  # noqa: E402  (the light relay of benchmarks/send.py)

from newsletter.store import Store, migrate  # noqa: E402
from newsletter.store.engine import open_engine  # noqa: E402

DAY = date(2026, 11, 29)
NOW = datetime(2026, 11, 29, 6, tzinfo=UTC)


def create_database(server_url: str) -> str:
    import psycopg

    name = f"nl_scale_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server_url.rpartition('/')[0]}/{name}"


def drop_database(server_url: str, url: str) -> None:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rpartition("/")[2]}" WITH (FORCE)')


def load(url: str, count: int) -> float:
    """Migrate, COPY ``count`` subscribers in, store the issue; returns the COPY's seconds."""
    import psycopg

    engine = open_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    started = time.perf_counter()
    stamp = NOW.replace(tzinfo=None).isoformat()
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy("COPY subscribers (email, name, sections, status, created_at, updated_at)"
                      " FROM STDIN") as copy:
            for i in range(count):
                copy.write_row((f"reader{i}@example.org", f"Lecteur {i}", "", "active", stamp,
                                stamp))
        conn.commit()
        cur.execute("ANALYZE")
    seconds = time.perf_counter() - started
    from send import big_issue_html

    issue, _ = big_issue_html()
    store = Store.open(url)
    store.save_issue(issue, {}, NOW)
    store.close()
    return seconds


def write_config(tmp: Path, url: str, port: int, connections: int) -> Path:
    path = tmp / "scale.toml"
    path.write_text(tomli_w.dumps({
        "store": {"url": url},
        "delivery": {"sender": "smtp", "send_window_hours": 0, "retries": 0, "batch_size": 500},
        "smtp": {"host": "127.0.0.1", "port": port, "tls": "none", "connections": connections,
                 "max_messages_per_connection": 100_000},
        "workers": {"claim_batch": 200, "lease_seconds": 300.0},
    }), encoding="utf-8")
    return path


def newsletter(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "newsletter", "send", *args, "--date", DAY.isoformat(),
            "--config", str(config), "--quiet"]


def measure(commands: list[list[str]], counter: Any, warmup: float, window: float
            ) -> tuple[int, float, list[float]]:
    """Run the processes; messages accepted by the sink in the window; peak RSS (MB) each."""
    env = {**os.environ, "NEWSLETTER_SECRET": "benchmark-secret-" + "x" * 32}
    procs = [subprocess.Popen(c, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for c in commands]
    time.sleep(warmup)  # imports, the idempotent prepare, first leases: not measured
    first, started = counter.value, time.perf_counter()
    time.sleep(window)
    sent, elapsed = counter.value - first, time.perf_counter() - started
    peaks = []
    for proc in procs:
        proc.send_signal(signal.SIGTERM)  # finish the chunk, give the leases back
    for proc in procs:
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        peaks.append(usage.ru_maxrss / 1024)  # KB -> MB
        if proc.returncode not in (0, 1):
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise SystemExit(f"a sender failed ({proc.returncode}): {err}")
    return sent, elapsed, peaks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--window", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=6.0)
    parser.add_argument("--delay", type=float, default=0.002,
                        help="seconds the sink waits before each reply")
    parser.add_argument("--connections", type=int, default=4, help="[smtp] connections")
    parser.add_argument("--postgres-url", default=os.environ.get("NEWSLETTER_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    if not args.postgres_url:
        raise SystemExit("no PostgreSQL server: pass --postgres-url or set "
                         "NEWSLETTER_TEST_POSTGRES_URL (.ci/postgres start DIR prints one)")
    counter = multiprocessing.Value("q", 0)
    ports: Any = multiprocessing.Queue()
    sink = multiprocessing.Process(target=relay, args=(ports, args.delay, counter),
                                   daemon=True)
    sink.start()
    port = ports.get(timeout=10)
    url = create_database(args.postgres_url)
    try:
        with tempfile.TemporaryDirectory() as folder:
            tmp = Path(folder)
            copy_seconds = load(url, args.subscribers)
            config = write_config(tmp, url, port, args.connections)
            started = time.perf_counter()
            subprocess.run(newsletter(config, "--prepare"), check=True,
                           env={**os.environ, "NEWSLETTER_SECRET": "b" * 48},
                           stdout=subprocess.DEVNULL)
            prepare_seconds = time.perf_counter() - started
            rows: list[dict[str, Any]] = []
            sent, elapsed, peaks = measure([newsletter(config)], counter, args.warmup, args.window)
            rows.append({"label": "send (one process, baseline)", "processes": 1,
                         "messages": sent, "seconds": elapsed, "per_second": sent / elapsed,
                         "peak_rss_mb": peaks})
            for n in args.workers:
                sent, elapsed, peaks = measure([newsletter(config, "--worker")] * n, counter,
                                               args.warmup, args.window)
                rows.append({"label": f"send --worker x {n}", "processes": n, "messages": sent,
                             "seconds": elapsed, "per_second": sent / elapsed,
                             "peak_rss_mb": peaks})
            store = Store.open(url)
            counts = store.delivery_counts(DAY)
            store.close()
    finally:
        drop_database(args.postgres_url, url)
        sink.terminate()
    report(args, rows, copy_seconds, prepare_seconds, counts)


def report(args: Any, rows: list[dict[str, Any]], copy_seconds: float, prepare_seconds: float,
           counts: dict[str, int]) -> None:
    cores = os.cpu_count()
    print(f"{args.subscribers:,} subscribers in PostgreSQL: COPY {copy_seconds:.1f} s, "
          f"`send --prepare` (one INSERT … SELECT) {prepare_seconds:.1f} s")
    print(f"sink: one asyncio process, {args.delay * 1000:g} ms per reply; "
          f"[smtp] connections = {args.connections}; {cores} CPU cores shared by the sink, "
          "PostgreSQL and the senders")
    print(f"each row: a {args.window:g} s window after {args.warmup:g} s of start-up, on the "
          "same queue (sending all 1M at each count would take hours here)")
    print()
    base = rows[1]["per_second"] if len(rows) > 1 else rows[0]["per_second"]
    print(f"{'configuration':<32}{'messages':>10}{'msg/s':>10}{'vs 1 worker':>13}"
          f"{'peak RSS per process (MB)':>30}")
    for row in rows:
        rss = " ".join(f"{mb:.0f}" for mb in row["peak_rss_mb"])
        print(f"{row['label']:<32}{row['messages']:>10,}{row['per_second']:>10.0f}"
              f"{row['per_second'] / base:>12.2f}x{rss:>30}")
    print(f"ledger at the end: {counts}")
    print(json.dumps({"subscribers": args.subscribers, "copy_seconds": round(copy_seconds, 2),
                      "prepare_seconds": round(prepare_seconds, 2), "window_seconds": args.window,
                      "sink_delay_seconds": args.delay, "smtp_connections": args.connections,
                      "cpu_cores": cores, "ledger": counts,
                      "runs": [{**r, "seconds": round(r["seconds"], 2),
                                "per_second": round(r["per_second"], 1),
                                "peak_rss_mb": [round(m, 1) for m in r["peak_rss_mb"]]}
                               for r in rows]}))


if __name__ == "__main__":
    main()
