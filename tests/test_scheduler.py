from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from newsletter.scheduler import JOB_ID, build_scheduler
from tests.conftest import make_config


def test_daily_job_runs_at_send_time_in_the_newsletter_zone(tmp_path: Path) -> None:
    config = make_config(tmp_path, schedule={"send_at": "07:15"},
                         newsletter={"timezone": "Europe/Paris"})
    scheduler = build_scheduler(config, echo=lambda _m: None)
    job = scheduler.get_job(JOB_ID)
    paris = ZoneInfo("Europe/Paris")
    # The day daylight saving time ends: 07:15 Paris is 06:15 UTC.
    before = datetime(2026, 10, 25, 1, 0, tzinfo=paris)
    nxt = job.trigger.get_next_fire_time(None, before)
    assert nxt == datetime(2026, 10, 25, 7, 15, tzinfo=paris)
    assert nxt.utcoffset().total_seconds() == 3600
    assert job.coalesce and job.max_instances == 1


def test_schedule_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    config = tmp_path / "newsletter.toml"
    config.write_text('[store]\nurl = "sqlite:///db.sqlite3"\n[schedule]\nsend_at = "03:00"\n')
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsletter", "schedule", "--config", str(config)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None
    first = proc.stdout.readline()  # blocks until the scheduler is up: no sleep-polling
    assert "scheduler started" in first and "next run" in first
    proc.send_signal(signal.SIGTERM)
    started = time.monotonic()
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "SIGTERM" in out and "scheduler stopped" in out
    assert time.monotonic() - started < 20
