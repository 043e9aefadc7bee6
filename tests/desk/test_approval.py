"""The approval gate in front of every send, and the guard that keeps editors' work."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from newsletter import pipeline
from newsletter.config import Config
from newsletter.errors import AwaitingApproval, ConfigError, EditRefused
from newsletter.store import Store
from tests.compose.test_checks import briefing
from tests.conftest import make_config, new_store, run_cli

DAY = date(2026, 11, 29)
BEFORE = datetime(2026, 11, 29, 6, 30, tzinfo=UTC)  # Casablanca is UTC+1: 07:30 local
AFTER = datetime(2026, 11, 29, 7, 30, tzinfo=UTC)  # 08:30 local


def setup(tmp_path: Path, **editor: Any) -> tuple[Config, Store]:
    config = make_config(tmp_path, schedule={"cutoff": "06:00", "send_at": "09:00"},
                         editor={"require_approval": True, "approval_deadline": "08:00", **editor})
    store = Store.open(config.database_url)
    b = briefing(language="fr")
    store.save_issue(pipeline.render_briefing(config, b), pipeline.briefing_to_dict(b), BEFORE)
    store.add_subscriber("reader@example.org", now=BEFORE)
    return config, store


def outbox(config: Config) -> list[Path]:
    return sorted(config.path("outbox").glob("2026-11-29-0*.eml"))


def test_unapproved_issue_waits_before_the_deadline(tmp_path: Path) -> None:
    config, store = setup(tmp_path)
    with pytest.raises(AwaitingApproval, match="until the approval deadline 08:00") as info:
        pipeline.send_stage(config, store, DAY, clock=lambda: BEFORE)
    assert info.value.exit_code == 1 and not outbox(config)
    assert store.delivery_counts(DAY) == {}
    store.approve_issue(DAY, "fr", editor="amina", expected_revision=None, now=BEFORE)
    assert pipeline.send_stage(config, store, DAY, clock=lambda: BEFORE).sent == 1


def test_after_the_deadline_send_policy_sends_the_draft_and_says_so(tmp_path: Path) -> None:
    config, store = setup(tmp_path, on_deadline="send")
    assert pipeline.send_stage(config, store, DAY, clock=lambda: AFTER).sent == 1
    log = store.issue_log(DAY, "fr")
    assert log[0]["action"] == "deadline-send" and "without approval" in log[0]["detail"]


def test_after_the_deadline_skip_policy_sends_nothing_and_records_it_once(tmp_path: Path) -> None:
    config, store = setup(tmp_path, on_deadline="skip")
    for _ in range(2):
        with pytest.raises(AwaitingApproval, match="deadline 08:00 .* has passed: not sent"):
            pipeline.send_stage(config, store, DAY, clock=lambda: AFTER)
    assert not outbox(config)
    assert [e["action"] for e in store.issue_log(DAY, "fr")] == ["deadline-skip"]


def test_an_edit_after_approval_needs_a_new_approval(tmp_path: Path) -> None:
    from newsletter.desk import edits, service

    config, store = setup(tmp_path)
    store.approve_issue(DAY, "fr", editor="amina", expected_revision=None, now=BEFORE)
    d = service.load_draft(config, store, DAY, "fr")
    assert d is not None
    service.change(config, store, d, editor="omar", action="drop", detail="", revision=d.revision,
                   now=BEFORE, edit=lambda b: edits.drop(b, "s2"))
    with pytest.raises(AwaitingApproval):
        pipeline.send_stage(config, store, DAY, clock=lambda: BEFORE)


def test_rebuild_keeps_editors_work_unless_told(tmp_path: Path) -> None:
    config, store = setup(tmp_path)
    store.approve_issue(DAY, "fr", editor="amina", expected_revision=None, now=BEFORE)
    with pytest.raises(EditRefused, match="approved by amina") as info:
        pipeline.build_stage(config, store, DAY, clock=lambda: BEFORE)
    assert "--discard-edits" in (info.value.hint or "")
    assert store.approval(DAY, "fr") is not None


def test_deadline_must_lie_between_cutoff_and_send_time(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[editor\] approval_deadline"):
        make_config(tmp_path, editor={"approval_deadline": "09:30"})
    with pytest.raises(ConfigError, match=r"\[editor\] on_deadline"):
        make_config(tmp_path, editor={"on_deadline": "maybe"})


def test_editors_commands(tmp_path: Path) -> None:
    (tmp_path / "n.toml").write_text('[store]\nurl = "sqlite:///db.sqlite3"\n', encoding="utf-8")
    config = ["--config", str(new_store(tmp_path / "n.toml"))]
    assert "0 editor(s)" in run_cli("editors", "list", *config, cwd=tmp_path).stdout

    def add(*args: str, password: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(Path(sys.executable).parent / "newsletter"), "editors", "add",
                               *args, *config, "--password-stdin"], input=password + "\n",
                              capture_output=True, text=True, cwd=tmp_path, timeout=60,
                              check=False)

    short = add("amina", password="short")
    assert short.returncode == 2 and "at least 10 characters" in short.stderr
    assert add("amina", "--email", "amina@example.org", password="a long enough pass").returncode == 0
    again = add("amina", password="a long enough pass")
    assert again.returncode == 2 and "already an editor called 'amina'" in again.stderr
    listed = run_cli("editors", "list", *config, cwd=tmp_path)
    assert "amina" in listed.stdout and "amina@example.org" in listed.stdout
    assert "scrypt" not in listed.stdout
    approved = run_cli("approve", "--date", "2026-11-29", "--as", "amina", *config, cwd=tmp_path)
    assert approved.returncode == 1 and "no 2026-11-29 issue has been built" in approved.stderr
    assert run_cli("editors", "remove", "amina", *config, cwd=tmp_path).returncode == 0
    missing = run_cli("editors", "remove", "amina", *config, cwd=tmp_path)
    assert missing.returncode == 2 and "no editor called 'amina'" in missing.stderr


def test_a_send_round_before_the_deadline_is_a_wait_not_a_failure(tmp_path: Path) -> None:
    from newsletter.ops import jobs

    # Local-time delivery: a reader in Dubai is due (09:00 there) long before the
    # approval deadline (08:00 in Casablanca): the round waits, records it, alerts nobody.
    config = make_config(tmp_path, schedule={"cutoff": "06:00", "send_at": "09:00",
                                             "local_delivery": True},
                         editor={"require_approval": True, "approval_deadline": "08:00"})
    store = Store.open(config.database_url)
    b = briefing(language="fr")
    store.save_issue(pipeline.render_briefing(config, b), pipeline.briefing_to_dict(b), BEFORE)
    store.add_subscriber("dubai@example.org", timezone="Asia/Dubai", now=BEFORE)
    report = jobs.send_due(config, store, clock=lambda: datetime(2026, 11, 29, 5, 30, tzinfo=UTC))
    assert any(note.startswith("waiting:") for note in report["notes"]), report
    assert store.last_runs(1)[0]["outcome"] == "waiting"
    assert not outbox(config) and store.delivery_counts(DAY) == {}


def test_an_edit_landing_between_the_gate_and_the_send_waits_for_a_new_approval(
        tmp_path: Path) -> None:
    import threading

    config, store = setup(tmp_path)
    store.approve_issue(DAY, "fr", editor="amina", expected_revision=None, now=BEFORE)
    from newsletter.desk import approval_gate

    assert approval_gate(config, store, DAY, BEFORE) is None  # the send's gate passes
    # ... and an editor's change lands right then, before the issue is switched to sending:
    store.withdraw_approval(DAY, "fr", editor="bob", action="edit", detail="late fix", now=BEFORE)
    main = pipeline.message_factory(config, pipeline.stored_issue(config, store, DAY))
    with pytest.raises(AwaitingApproval):
        pipeline._send_locked(config, store, DAY, lambda _language: main, lambda: BEFORE,
                              None, None, lambda _s: None, threading.Event())
    assert store.issue_status(DAY, "fr") == "draft"  # still editable, nothing sent
    assert not outbox(config) and store.delivery_counts(DAY) == {}
