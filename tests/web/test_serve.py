"""`newsletter serve` as ops run it: a real WSGI server (waitress) on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import requests


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_answers_over_http(demo_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    import os
    import sys

    out, _ = demo_run
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsletter", "serve", "--port", str(port),
         "--config", str(out / "newsletter.toml")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "NEWSLETTER_SECRET": ""})
    try:
        deadline = time.monotonic() + 30
        while True:  # poll for readiness instead of sleeping a fixed time
            try:
                health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline and proc.poll() is None, proc.stderr
                time.sleep(0.05)
        assert health.json() == {"status": "ok"}
        page = requests.get(f"http://127.0.0.1:{port}/issues/2026-11-27", timeout=5)
        assert page.status_code == 200 and "vendredi 27 novembre 2026" in page.text
        assert requests.post(f"http://127.0.0.1:{port}/unsubscribe/bad-token", timeout=5,
                             data={"List-Unsubscribe": "One-Click"}).status_code == 400
        assert "waitress" in requests.get(f"http://127.0.0.1:{port}/healthz",
                                          timeout=2).headers.get("Server", "").lower()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
