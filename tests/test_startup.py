"""Fast start: the CLI imports only what the command runs; --config before or after the command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_cli

# Libraries with I/O (and their import cost) that neither `--help` nor `check-config` needs.
HEAVY = ("sqlalchemy", "alembic", "requests", "premailer", "jinja2", "flask", "feedparser",
         "newsletter.pipeline", "newsletter.store", "newsletter.delivery")


def write_config(folder: Path, name: str = "Startup Test") -> Path:
    path = folder / "newsletter.toml"
    path.write_text(f'[newsletter]\nname = "{name}"\n[store]\nurl = "sqlite:///news.sqlite3"\n'
                    '[schedule]\ncutoff = "05:17"\n', encoding="utf-8")
    return path


def loaded_modules(*args: str, cwd: Path) -> set[str]:
    """The modules `python -X importtime -m newsletter ARGS` imported (it must succeed)."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "newsletter", *args],
                          cwd=cwd, capture_output=True, text=True, env={**os.environ},
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines()
            if line.startswith("import time:") and "cumulative" not in line}


@pytest.mark.parametrize("args", [("--help",), ("check-config",), ("feeds", "--help")])
def test_light_commands_import_no_heavy_library(tmp_path: Path, args: tuple[str, ...],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSLETTER_CONFIG", str(write_config(tmp_path)))
    modules = loaded_modules(*args, cwd=tmp_path)
    assert "newsletter.config" in modules  # the parse worked: the list is real
    loaded = sorted(m for m in modules if m.split(".")[0] in HEAVY or m in HEAVY)
    assert loaded == [], f"`newsletter {' '.join(args)}` imported {loaded}"


def test_help_still_lists_every_command(tmp_path: Path) -> None:
    from newsletter.cli.main import COMMANDS

    done = run_cli("--help", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for name in COMMANDS:
        assert f"  {name} " in done.stdout, name


@pytest.mark.parametrize("before", [True, False])
def test_config_before_or_after_the_command(tmp_path: Path, before: bool) -> None:
    config = str(write_config(tmp_path, name="Placed Config"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()  # no ./newsletter.toml here: only --config can name it
    env = {"NEWSLETTER_CONFIG": ""}
    assert run_cli("db", "upgrade", "--config", config, cwd=elsewhere, env=env).returncode == 0
    for command in (["check-config"], ["status"], ["subscribers", "list"]):
        args = ["--config", config, *command] if before else [*command, "--config", config]
        done = run_cli(*args, cwd=elsewhere, env=env)
        assert done.returncode == 0, (args, done.stderr)
        if command == ["check-config"]:
            assert done.stdout.startswith(f"{config}: ok")
        if command == ["status"]:
            assert "05:17" in done.stdout  # the cut-off of this config, not the default 06:00


def test_config_given_twice_differently_is_refused(tmp_path: Path) -> None:
    one, two = tmp_path / "one.toml", tmp_path / "two.toml"
    done = run_cli("--config", str(one), "check-config", "--config", str(two), cwd=tmp_path)
    assert done.returncode == 2
    assert "--config given twice" in done.stderr and str(two) in done.stderr
    assert "Traceback" not in done.stderr
