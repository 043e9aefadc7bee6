"""Progress bars on a terminal only: not when piped (cron), not with --quiet."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from newsletter.demo import SampleFeedServer
from tests.conftest import make_config


def collect(tmp_path: Path, server: SampleFeedServer, *extra: str, tty: bool) -> str:
    import tomli_w

    from newsletter.config import config_to_dict

    path = tmp_path / "newsletter.toml"
    path.write_text(tomli_w.dumps(config_to_dict(make_config(tmp_path, server.base_url))))
    command = [sys.executable, "-m", "newsletter", "collect", "--config", str(path), *extra]
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
    assert proc.returncode == 1  # the broken sample feed
    return b"".join(chunks).decode(errors="replace")


def test_bar_on_a_terminal_only(tmp_path: Path, feed_server: SampleFeedServer) -> None:
    assert "collecting" in collect(tmp_path, feed_server, tty=True)
    assert "collecting" not in collect(tmp_path, feed_server, "--quiet", tty=True)
    assert "collecting" not in collect(tmp_path, feed_server, tty=False)
