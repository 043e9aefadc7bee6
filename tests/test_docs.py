"""Every command of the CLI is documented in README.md, and the quick start is two commands."""

from __future__ import annotations

import re
from pathlib import Path

import click

from newsletter.cli import main

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group, prefix: str = "newsletter") -> list[str]:
    out = []
    for name, command in group.commands.items():
        full = f"{prefix} {name}"
        out.append(full)
        if isinstance(command, click.Group):
            out += commands(command, full)
    return out


def test_every_command_is_documented() -> None:
    missing = [c for c in commands(main) if f"`{c}" not in README]
    assert not missing, f"not in README.md: {missing}"


def test_quick_start_is_two_commands_and_ci_runs_the_second() -> None:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)\n```", section, re.S)
    assert len(blocks) == 2
    assert "newsletter demo" in blocks[0] and "pytest" in blocks[1]
    ci = (Path(__file__).parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert blocks[1].strip() in ci
