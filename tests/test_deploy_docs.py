"""docs/deploy.md: every example is run — cron lines on a demo, systemd units verified, backups read."""

from __future__ import annotations

import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import click
import pytest
from apscheduler.triggers.cron import CronTrigger

from newsletter.cli import main
from tests.conftest import run_cli
from tests.pg import in_ci

DOC = (Path(__file__).parent.parent / "docs" / "deploy.md").read_text(encoding="utf-8")
README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC, re.S)


def cron_lines() -> list[str]:
    return [line for block in blocks("cron") for line in block.splitlines()
            if line.strip() and not line.startswith("#")]


def units() -> dict[str, str]:
    out = {}
    for block in blocks("ini"):
        first = block.splitlines()[0]
        assert first.startswith("# /etc/systemd/system/"), first
        out[first.rsplit("/", 1)[1]] = block
    return out


@pytest.fixture(scope="module")
def demo_today(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`newsletter demo` for today (the cron lines run for today), once for this module."""
    out = tmp_path_factory.mktemp("deploy") / "demo"
    result = run_cli("demo", "--out", str(out), cwd=out.parent,
                     env={"NEWSLETTER_SECRET": "", "NEWSLETTER_CONFIG": ""})
    assert result.returncode in (0, 1), result.stderr
    return out


@pytest.fixture
def srv(tmp_path: Path, demo_today: Path) -> Path:
    """/srv/newsletter, played by a copy of today's demo folder, with .venv/bin/newsletter."""
    home = tmp_path / "srv"
    shutil.copytree(demo_today, home)
    (home / ".venv" / "bin").mkdir(parents=True)
    (home / ".venv" / "bin" / "newsletter").symlink_to(Path(sys.executable).parent / "newsletter")
    (home / "var" / "backups").mkdir(parents=True)
    # A deployment without the demo's editorial hold: no approval step, "today" not pinned.
    config = home / "newsletter.toml"
    text = config.read_text(encoding="utf-8").replace("require_approval = true",
                                                      "require_approval = false")
    config.write_text(re.sub(r"(?m)^issue_date = .*$", "", text), encoding="utf-8")
    env = blocks("sh")[0]
    assert env.startswith("# /etc/newsletter/env\n")
    (tmp_path / "env").write_text(localise(env, home), encoding="utf-8")
    return home


def localise(text: str, home: Path) -> str:
    """The doc's paths, moved into the test's folder (one pass: no path is replaced twice)."""
    paths = {"/srv/newsletter": str(home), "/etc/newsletter/env": str(home.parent / "env")}
    return re.sub("|".join(map(re.escape, paths)), lambda m: paths[m.group(0)], text)


def cron_command(line: str) -> tuple[str, str]:
    """(schedule, command) as cron reads them: 5 fields, then `\\%` means `%`."""
    fields = line.split(None, 5)
    assert len(fields) == 6, line
    schedule, command = " ".join(fields[:5]), fields[5]
    assert "%" not in command.replace("\\%", ""), "an unescaped % ends a cron command"
    return schedule, command.replace("\\%", "%")


def test_the_doc_has_each_kind_of_example() -> None:
    assert len(cron_lines()) >= 3
    assert set(units()) == {"newsletter-run.service", "newsletter-run.timer",
                            "newsletter-scheduler.service", "newsletter-web.service"}
    assert "docs/deploy.md" in README


@pytest.mark.parametrize("line", cron_lines())
def test_each_cron_line_runs_against_the_demo_config(line: str, srv: Path) -> None:
    schedule, command = cron_command(line)
    CronTrigger.from_crontab(schedule)  # a valid cron schedule (raises otherwise)
    if "send-due" in command or "local" in line:
        config = srv / "newsletter.toml"
        config.write_text(config.read_text().replace("local_delivery = false",
                                                     "local_delivery = true"))
    result = subprocess.run(["bash", "-c", localise(command, srv)], cwd="/", capture_output=True,
                            text=True, timeout=300, check=False)
    log = (srv / "var" / "run.log")
    report = log.read_text() if log.exists() else ""
    if " run " in command:
        assert result.returncode in (0, 1), report  # 1: the demo's broken feed
        assert "messages:" in report and "feeds:" in report
        assert "FAILED" in report and "broken.xml" in report
    elif "send-due" in command:
        assert result.returncode == 0, report
        assert "nothing due" in report or "sent" in report
    elif "db backup" in command:
        assert result.returncode == 0, result.stderr
        (copy,) = (srv / "var" / "backups").glob("newsletter-*.sqlite3")
        assert readable_counts(copy) == readable_counts(srv / "newsletter.sqlite3")
    else:
        pytest.fail(f"no check for cron line: {line}")


def readable_counts(path: Path) -> tuple[int, int]:
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        subscribers = db.execute("SELECT count(*) FROM subscribers").fetchone()[0]
        deliveries = db.execute("SELECT count(*) FROM deliveries").fetchone()[0]
    return subscribers, deliveries


def test_the_backup_commands_give_a_readable_copy(srv: Path) -> None:
    commands = [line for line in blocks("sh")[1].splitlines() if line.strip()]
    assert len(commands) == 2
    for command in commands:
        # the store in the docs is var/newsletter.sqlite3; the demo's sits next to its config
        command = command.replace("var/newsletter.sqlite3", "newsletter.sqlite3")
        result = subprocess.run(["bash", "-c", localise(command, srv)], cwd=srv,
                                capture_output=True, text=True, timeout=120, check=False,
                                env={"PATH": "/usr/bin:/bin", "NEWSLETTER_CONFIG":
                                     str(srv / "newsletter.toml")})
        assert result.returncode == 0, result.stderr
    copies = sorted((srv / "var" / "backups").glob("*.sqlite3"))
    assert len(copies) == 2
    expected = readable_counts(srv / "newsletter.sqlite3")
    assert expected[0] > 0
    for copy in copies:
        assert readable_counts(copy) == expected


def test_systemd_units_verify(tmp_path: Path, srv: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        if in_ci():  # .ci/run installs it: never skip silently there
            pytest.fail("systemd-analyze is missing in CI: .ci/run must install systemd")
        pytest.skip("no systemd-analyze here")
    folder = tmp_path / "units"
    folder.mkdir()
    for name, text in units().items():
        (folder / name).write_text(localise(text, srv), encoding="utf-8")
    result = subprocess.run(["systemd-analyze", "verify", *sorted(map(str, folder.iterdir()))],
                            capture_output=True, text=True, timeout=60, check=False)
    problems = [line for line in (result.stdout + result.stderr).splitlines()
                if "ignoring" in line or "Unknown" in line or "Failed" in line]
    assert result.returncode == 0 and not problems, result.stdout + result.stderr


def test_every_exec_start_is_a_real_command_with_real_options() -> None:
    for name, text in units().items():
        for line in text.splitlines():
            if not line.startswith("ExecStart="):
                continue
            argv = shlex.split(line.removeprefix("ExecStart="))
            assert argv[0] == "/srv/newsletter/.venv/bin/newsletter", name
            command = main.commands[argv[1]]
            options = {opt for p in command.params if isinstance(p, click.Option) for opt in p.opts}
            given = [a for a in argv[2:] if a.startswith("--")]
            assert set(given) <= options, f"{name}: {given} not in {sorted(options)}"
            ctx = command.make_context(argv[1], argv[2:])  # parses, or raises
            ctx.close()
