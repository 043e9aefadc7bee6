"""Kill a send mid-way, then let it resume: the shared steps of the crash tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path


def kill_then_resume(config: Path, day: date, delivered: Callable[[], int], kill_after: int,
                     total: int, extra_env: dict[str, str] | None = None,
                     arm: Callable[[subprocess.Popen[bytes]], None] | None = None
                     ) -> subprocess.CompletedProcess[str]:
    """Run `newsletter send`, SIGKILL it once ``kill_after`` messages arrived, run it again;
    returns the second run (its exit code and output say what it found in doubt).

    ``arm(process)`` lets a local server kill it itself at an exact point (deterministic);
    otherwise it is killed from here as soon as the count is seen.
    """
    command = [sys.executable, "-m", "newsletter", "send", "--date", day.isoformat(),
               "--config", str(config)]
    env = {**os.environ, "NEWSLETTER_SECRET": "s" * 40, **(extra_env or {})}
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if arm is not None:
        arm(proc)
    deadline = time.monotonic() + 60
    while delivered() < kill_after and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)  # polling what the local server received, not waiting on time
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert 0 < delivered() < total, "the send was not interrupted mid-way"
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120,
                          check=False)
