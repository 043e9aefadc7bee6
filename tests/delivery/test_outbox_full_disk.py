"""A full disk while writing the outbox: no empty or partial .eml (nor any leftover), and
the ledger does not call the message sent (issue 15, point 7).

The disk is "full" for real: the writing process runs under RLIMIT_FSIZE, so the kernel
cuts its write short (EFBIG) past that many bytes, as ENOSPC would on a full disk.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import tomli_w

from newsletter.config import config_to_dict
from newsletter.models import RenderedIssue
from newsletter.store import Store
from tests.conftest import make_config
from tests.pg import store_url

DAY = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 6, tzinfo=UTC)
LIMIT = 16 * 1024  # bytes a file of the limited process may reach
# ~60 KB of HTML: every message is far past the limit
ISSUE = RenderedIssue(DAY, "fr", "Le sujet", "p",
                      "<p>" + "Une longue phrase du numéro. " * 2000
                      + '<a href="NL__UNSUBSCRIBE_URL__NL">x</a></p>',
                      "t NL__UNSUBSCRIBE_URL__NL\n")


def file_size_limited(limit: int) -> Callable[[], None]:
    """For preexec_fn: writes past ``limit`` bytes fail with EFBIG (not the default SIGXFSZ
    that would kill the process: a full disk does not kill the writer either)."""
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


SENDER_SCRIPT = """
import sys
from pathlib import Path
from newsletter.delivery.outbox import OutboxSender
from newsletter.models import Message
sender = OutboxSender(Path(sys.argv[1]), "2026-11-27")
small = Message(1, "a@example.org", "<1@x>", b"Subject: small\\r\\n\\r\\nfits\\r\\n")
large = Message(2, "b@example.org", "<2@x>", b"Subject: large\\r\\n\\r\\n" + b"x" * 100_000)
for result in sender.send_batch([small, large]):
    print(result.subscriber_id, result.status.value, result.detail)
"""


def test_a_short_write_leaves_no_file_and_defers_the_message(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    done = subprocess.run([sys.executable, "-c", SENDER_SCRIPT, str(outbox)],
                          preexec_fn=file_size_limited(LIMIT), capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    small, large = done.stdout.splitlines()
    assert small.startswith("1 sent ")
    assert large.startswith("2 deferred cannot write") and "File too large" in large
    # the message that fitted is there, whole; of the other, nothing at all
    assert sorted(os.listdir(outbox)) == ["2026-11-27-000001.eml"]
    assert (outbox / "2026-11-27-000001.eml").read_bytes().endswith(b"fits\r\n")


def test_send_on_a_full_disk_records_nothing_sent_and_the_next_run_sends(tmp_path: Path) -> None:
    """End to end: `newsletter send` with the outbox on a "full disk", then with room.

    The store is PostgreSQL here: the server writes its own files, so only the outbox
    meets the limit (a SQLite file in the limited process would meet it first).
    """
    with store_url("postgresql", tmp_path) as url:
        config = make_config(tmp_path, store={"url": url}, delivery={"retries": 0})
        store = Store.open(url)
        for i in range(3):
            store.add_subscriber(f"s{i}@example.org", now=NOW)
        store.save_issue(ISSUE, {}, NOW)
        path = tmp_path / "newsletter.toml"
        path.write_text(tomli_w.dumps(config_to_dict(config)), encoding="utf-8")
        command = [sys.executable, "-m", "newsletter", "send", "--date", DAY.isoformat(),
                   "--config", str(path)]
        env = {**os.environ, "NEWSLETTER_SECRET": "s" * 40}
        full = subprocess.run(command, env=env, preexec_fn=file_size_limited(LIMIT),
                              capture_output=True, text=True, timeout=120, check=False)
        assert full.returncode == 1, full.stderr
        assert "sent 0, failed 0 (0 addresses suppressed), deferred 3" in full.stdout
        assert os.listdir(tmp_path / "outbox") == []  # no empty, partial or temporary file
        assert store.delivery_counts(DAY) == {"deferred": 3}
        assert store.issue_status(DAY, "fr") == "sending"
        room = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120,
                              check=False)
        assert room.returncode == 0, room.stderr
        assert store.delivery_counts(DAY) == {"sent": 3}
        store.close()
    written = sorted((tmp_path / "outbox").iterdir())
    assert [p.name for p in written] == [f"2026-11-27-00000{i}.eml" for i in (1, 2, 3)]
    assert all(p.read_bytes().rstrip().endswith(b"--") for p in written)  # whole messages
