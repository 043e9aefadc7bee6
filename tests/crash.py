"""Kill a send mid-way, then let it resume: the shared steps of the crash tests."""

from __future__ import annotations

import json
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


# Imports the program once, then forks one `newsletter` command per job read on stdin:
# each run is a real, separate process (its own pid, killed with SIGKILL) without paying
# the imports (a second or more on a busy machine) every time.
_ZYGOTE = r"""
import json, os, sys
import newsletter.cli.db, newsletter.cli.issue, newsletter.delivery.smtp_pool, newsletter.ops.workers
import newsletter.pipeline, newsletter.store.repo, psycopg, sqlalchemy.dialects.postgresql.psycopg
from newsletter.cli.main import main
for line in sys.stdin:
    job = json.loads(line)
    out = os.open(job["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    pid = os.fork()
    if pid == 0:
        os.dup2(out, 1)
        os.dup2(out, 2)
        os.environ.update(job["env"])
        code = 0
        try:
            main.main(job["args"], prog_name="newsletter")
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    os.close(out)
    print(json.dumps({"pid": pid}), flush=True)
    _, status = os.waitpid(pid, 0)
    print(json.dumps({"status": os.waitstatus_to_exitcode(status)}), flush=True)
"""


class Forker:
    """``with Forker() as f: pid = f.start(args, out); code = f.wait()`` — one at a time."""

    def __enter__(self) -> Forker:
        self.proc = subprocess.Popen([sys.executable, "-c", _ZYGOTE], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)

    def start(self, args: list[str], out: Path, env: dict[str, str] | None = None) -> int:
        """Fork `newsletter ARGS` (stdout and stderr into ``out``); its pid."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps({"args": args, "out": str(out), "env": env or {}})
                              + "\n")
        self.proc.stdin.flush()
        return int(json.loads(self.proc.stdout.readline())["pid"])

    def wait(self) -> int:
        """The exit code of the command started last (-9: killed by SIGKILL)."""
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line, "the forking process died"
        return int(json.loads(line)["status"])
