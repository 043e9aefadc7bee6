"""`newsletter demo`: the whole daily job on bundled samples, in one folder, offline."""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import tomli_w

from ..config import Config, config_to_dict, load_config
from ..desk.accounts import add_editor, hash_password
from ..models import RunReport
from ..people.lists import import_csv
from ..pipeline import open_store, run, send_stage, utc_now, write_preview
from ..resources import resource_dir
from ..store import Store
from .server import sample_feeds

PREFERRED_PORT = 8790
EDITOR = "editor"
EDITOR_EMAIL = "editor@news.example.org"
PASSWORD_ENV = "NEWSLETTER_DEMO_EDITOR_PASSWORD"


@dataclass(frozen=True)
class DemoResult:
    """What the demo left: the sent issue's report, the next day's draft, the desk's login."""

    report: RunReport  # the demo's issue: collected, built, approved, sent
    draft: RunReport  # the next day's issue: collected and built, waiting for approval
    config: Config
    password: str  # the editor account's (printed once; never written to a file)


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


def demo_config(out: Path, language: str, draft_date: date) -> Path:
    """Write DIR/newsletter.toml (and DIR/secret.key) for the demo; return its path.

    "Today" is pinned to ``draft_date`` ([demo] issue_date), and issues wait for an
    editor's approval (skipped, never sent unapproved, when their deadline has passed)."""
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
        demo=replace(base.demo, sample_feeds_port=port, issue_date=draft_date.isoformat()),
        editor=replace(base.editor, require_approval=True, on_deadline="skip",
                       test_addresses=EDITOR_EMAIL),
        feeds=sample_feeds(f"http://127.0.0.1:{port}"),
    )
    path = out / "newsletter.toml"
    header = (
        "# Written by `newsletter demo`: the configuration the demo ran with.\n"
        "# Try any command on the demo's data with --config pointing here, e.g.\n"
        f"#   newsletter status --config {path}\n"
        f"# [demo] issue_date pins \"today\" to {draft_date}, the draft the demo left: commands\n"
        "# without --date act on it. Remove the key to follow the calendar again.\n"
        "# Every key is explained in config.example.toml.\n\n"
    )
    path.write_text(header + tomli_w.dumps(config_to_dict(config)), encoding="utf-8")
    return path


def run_demo(out: Path, issue_date: date, *, language: str = "fr") -> DemoResult:
    """Configure, import the sample subscribers, run the job for ``issue_date`` (approved by
    the demo's editor, then sent), write DIR/preview.html, and leave the next day's issue
    as a draft for the editor's desk."""
    draft_date = issue_date + timedelta(days=1)
    config = load_config(demo_config(out, language, draft_date))
    store = open_store(config)
    try:
        import_csv(store, resource_dir("subscribers") / "sample.csv", now=utc_now())
        password = editor_account(store)
        report = run(config, store, issue_date, dry_run=True)
        report.notes = [n for n in report.notes if n != "dry run: nothing sent"]
        approve_drafts(store, issue_date)
        sent = send_stage(config, store, issue_date)
        report.messages_sent = sent.sent
        report.messages_failed = sent.failed + sent.deferred + sent.unknown
        report.messages_skipped = sent.skipped
        html, _text = write_preview(config, store, issue_date, out / "preview")
        (out / "preview.html").write_bytes(html.read_bytes())
        draft = run(config, store, draft_date, dry_run=True)
    finally:
        store.close()
    return DemoResult(report=report, draft=draft, config=config, password=password)


def editor_account(store: Store) -> str:
    """The demo's editor account, with $NEWSLETTER_DEMO_EDITOR_PASSWORD or a new random
    password (set again when the demo runs again in the same folder); returns it."""
    password = os.environ.get(PASSWORD_ENV) or secrets.token_urlsafe(12)
    if store.get_editor(EDITOR) is None:
        add_editor(store, EDITOR, password, EDITOR_EMAIL, utc_now())
    else:
        store.set_editor_password(EDITOR, hash_password(password))
    return password


def approve_drafts(store: Store, issue_date: date) -> None:
    """The demo's editor approves the issue as built (what the desk's Approve button does)."""
    for language, edition in sorted(store.issue_editions(issue_date).items()):
        if edition["status"] == "draft" and not edition["approved_by"]:
            store.approve_issue(issue_date, language, editor=EDITOR, expected_revision=None,
                                now=utc_now())
