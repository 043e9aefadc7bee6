"""Progress bars on a terminal only: not when piped (cron), not with --quiet."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from newsletter.demo import SampleFeedServer
from tests.conftest import make_config


def collect(tmp_path: Path, server: SampleFeedServer, *extra: str, tty: bool,
            verb: str = "collect", code: int = 1) -> str:
    import tomli_w

    from newsletter.config import config_to_dict

    path = tmp_path / "newsletter.toml"
    path.write_text(tomli_w.dumps(config_to_dict(make_config(tmp_path, server.base_url))))
    command = [sys.executable, "-m", "newsletter", verb, "--config", str(path), *extra]
    if not tty:
        return subprocess.run(command, capture_output=True, text=True, timeout=60).stderr
    leader, follower = pty.openpty()
    proc = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=follower, timeout=60)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    assert proc.returncode == code  # collect: 1, for the broken sample feed
    return b"".join(chunks).decode(errors="replace")


def test_bar_on_a_terminal_only(tmp_path: Path, feed_server: SampleFeedServer) -> None:
    assert "collecting" in collect(tmp_path, feed_server, tty=True)
    assert "collecting" not in collect(tmp_path, feed_server, "--quiet", tty=True)
    assert "collecting" not in collect(tmp_path, feed_server, tty=False)


def test_send_shows_its_bar_on_a_terminal_only(tmp_path: Path,
                                               feed_server: SampleFeedServer) -> None:
    from datetime import UTC, datetime

    from newsletter.models import RenderedIssue
    from newsletter.pipeline import today
    from newsletter.store import Store

    os.environ.setdefault("NEWSLETTER_SECRET", "s" * 40)

    def ready(folder: Path) -> Path:  # an issue and three readers waiting for it
        folder.mkdir()
        config = make_config(folder, feed_server.base_url)
        store = Store.open(config.database_url)
        now = datetime.now(UTC)
        store.save_issue(RenderedIssue(issue_date=today(config), language="fr", subject="s",
                                       preheader="p", html="<p>NL__UNSUBSCRIBE_URL__NL</p>",
                                       text="NL__UNSUBSCRIBE_URL__NL"), {}, now)
        for i in range(3):
            store.add_subscriber(f"r{i}@example.org", now=now)
        store.close()
        return folder

    shown = collect(ready(tmp_path / "a"), feed_server, "--force", tty=True, verb="send", code=0)
    assert "sending" in shown
    quiet = collect(ready(tmp_path / "b"), feed_server, "--force", "--quiet", tty=True,
                    verb="send", code=0)
    assert "sending" not in quiet
    assert len(list((tmp_path / "b" / "outbox").glob("*.eml"))) == 3  # it did send
