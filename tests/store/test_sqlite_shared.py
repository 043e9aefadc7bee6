"""A process that migrated a SQLite store when it opened it keeps seeing what other
processes write (a daemon or web server started after an upgrade, cron sends beside it).

The migration lock used to be taken on the database file itself; closing that descriptor
dropped every POSIX lock of the process on the file, SQLite's included, so another
process closing its store believed itself the last one, checkpointed and reset the WAL:
the first process then read a stale database, and its writes could corrupt it.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from newsletter.store import Store

NOW = datetime(2026, 11, 27, 6, tzinfo=UTC)


def other_process(url: str, email: str, *, killed: bool = False) -> None:
    end = "import os, signal; os.kill(os.getpid(), signal.SIGKILL)" if killed else "b.close()"
    code = (f"from datetime import UTC, datetime\nfrom newsletter.store import Store\n"
            f"b = Store.open({url!r})\n"
            f"b.add_subscriber({email!r}, now=datetime(2026, 11, 27, 6, tzinfo=UTC))\n{end}\n")
    subprocess.run([sys.executable, "-c", code], check=False, timeout=60)


def test_a_store_migrated_at_open_sees_other_processes_writes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/store.sqlite3"
    mine = Store.open(url)  # a new file: migrated by this very process
    mine.add_subscriber("a@example.org", now=NOW)
    for n, email in enumerate(["b@example.org", "c@example.org", "d@example.org"], 2):
        other_process(url, email, killed=email.startswith("b"))  # a send killed mid-run
        assert mine.count_active_subscribers() == n, email
    mine.add_subscriber("e@example.org", now=NOW)
    mine.close()
    with sqlite3.connect(tmp_path / "store.sqlite3") as check:
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert check.execute("SELECT count(*) FROM subscribers").fetchone() == (5,)
