"""`newsletter demo`: the whole daily job on bundled samples, in one folder, offline."""

from __future__ import annotations

import secrets
import socket
from dataclasses import replace
from datetime import date
from pathlib import Path

import tomli_w

from ..config import Config, config_to_dict, load_config
from ..models import RunReport
from ..people.lists import import_csv
from ..pipeline import open_store, run, utc_now, write_preview
from ..resources import resource_dir
from .server import sample_feeds

PREFERRED_PORT = 8790


def _free_port() -> int:
    """PREFERRED_PORT if it is free, else any free port on 127.0.0.1."""
    for port in (PREFERRED_PORT, 0):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise OSError("no free port on 127.0.0.1")


def demo_config(out: Path, language: str) -> Path:
    """Write DIR/newsletter.toml (and DIR/secret.key) for the demo; return its path."""
    out.mkdir(parents=True, exist_ok=True)
    secret = out / "secret.key"
    if not secret.exists():
        secret.write_text(secrets.token_urlsafe(48) + "\n", encoding="utf-8")
        secret.chmod(0o600)
    port = _free_port()
    base = Config()
    config = replace(
        base,
        newsletter=replace(base.newsletter, language=language,
                           name="Le Brief" if language == "fr" else "The Brief" if language == "en"
                           else "الموجز"),
        store=replace(base.store, url="sqlite:///newsletter.sqlite3"),
        # A demo may build any date, past ones included: no send window.
        delivery=replace(base.delivery, outbox_dir="outbox", send_window_hours=0.0),
        security=replace(base.security, secret_file="secret.key"),
        demo=replace(base.demo, sample_feeds_port=port),
        feeds=sample_feeds(f"http://127.0.0.1:{port}"),
    )
    path = out / "newsletter.toml"
    header = (
        "# Written by `newsletter demo`: the configuration the demo ran with.\n"
        "# Try any command on the demo's data with --config pointing here, e.g.\n"
        f"#   newsletter status --config {path}\n"
        "# Every key is explained in config.example.toml.\n\n"
    )
    path.write_text(header + tomli_w.dumps(config_to_dict(config)), encoding="utf-8")
    return path


def run_demo(out: Path, issue_date: date, *, language: str = "fr") -> tuple[RunReport, Config]:
    """Configure, import the sample subscribers, run the job, write DIR/preview.html."""
    config = load_config(demo_config(out, language))
    store = open_store(config)
    try:
        import_csv(store, resource_dir("subscribers") / "sample.csv", now=utc_now())
        report = run(config, store, issue_date)
        html, _text = write_preview(config, store, issue_date, out / "preview")
        (out / "preview.html").write_bytes(html.read_bytes())
    finally:
        store.close()
    return report, config
