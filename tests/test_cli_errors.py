"""Wrong input on the command line: a clear error naming the culprit, an exit code, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from newsletter.cli import main
from tests.conftest import run_cli


def write_config(folder: Path, store_url: str = "sqlite:///db.sqlite3", extra: str = "") -> Path:
    path = folder / "newsletter.toml"
    path.write_text(f'[store]\nurl = "{store_url}"\n{extra}', encoding="utf-8")
    return path


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def assert_clean(result: Result, code: int, *needles: str) -> None:
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in result.output, result.output


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
@pytest.mark.parametrize("command", ["build", "send", "rank", "preview"])
def test_dates_no_issue_can_have_are_refused(tmp_path: Path, command: str, day: str) -> None:
    result = invoke(command, "--date", day, "--config", str(write_config(tmp_path)))
    assert_clean(result, 2, "--date", day, "1970-01-01 to 9998-12-31")


def test_a_store_folder_that_cannot_be_created_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the store's folder should be", encoding="utf-8")
    config = write_config(tmp_path, f"sqlite:///{blocker}/data/db.sqlite3")
    result = invoke("subscribers", "list", "--config", str(config))
    assert_clean(result, 1, f"cannot create the folder {blocker}/data", "[store] url")


def test_a_subscriber_time_zone_that_is_a_folder_is_a_bad_row(tmp_path: Path) -> None:
    csv = tmp_path / "list.csv"
    csv.write_text("email,timezone\na@example.org,Europe\nb@example.org,Europe/Paris\n",
                   encoding="utf-8")
    result = invoke("subscribers", "import", str(csv), "--config", str(write_config(tmp_path)))
    assert_clean(result, 1, f"{csv}:2: unknown time zone 'Europe'", "added 1,")


def test_the_installed_command_prints_errors_not_tracebacks(tmp_path: Path) -> None:
    """The same cases through the console script, as cron or a shell runs it."""
    good = write_config(tmp_path)
    (tmp_path / "zone").mkdir()
    zone = write_config(tmp_path / "zone", extra='[newsletter]\ntimezone = "Europe"\n')
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    (tmp_path / "store").mkdir()
    bad_store = write_config(tmp_path / "store", f"sqlite:///{blocker}/sub/db.sqlite3")
    huge = tmp_path / "huge.csv"
    huge.write_text("email,name\nbig@example.org," + "n" * 200_000 + "\nok@example.org,Ok\n",
                    encoding="utf-8")
    cases = [
        (["check-config", "--config", str(zone)], 2, "[newsletter] timezone"),
        (["build", "--date", "0001-01-01", "--config", str(good)], 2, "--date"),
        (["subscribers", "list", "--config", str(bad_store)], 1, "cannot create the folder"),
        (["subscribers", "import", str(huge), "--config", str(good)], 1,
         f"{huge}:2: this line cannot be read as CSV"),
    ]
    for args, code, needle in cases:
        done = run_cli(*args, cwd=tmp_path)
        assert done.returncode == code, (args, done.stderr)
        assert "Traceback" not in done.stderr, (args, done.stderr)
        assert needle in done.stdout + done.stderr, (args, done.stderr)
    listing = run_cli("subscribers", "list", "--config", str(good), cwd=tmp_path)
    assert "ok@example.org" in listing.stdout  # the good row after the bad one went in


def test_a_file_the_system_refuses_is_named_without_a_traceback(tmp_path: Path) -> None:
    out = tmp_path / "no-such-folder" / "list.csv"
    result = invoke("subscribers", "export", "--out", str(out), "--config",
                    str(write_config(tmp_path)))
    assert_clean(result, 1, "error: No such file or directory", str(out))
