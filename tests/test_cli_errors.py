"""Wrong input on the command line: a clear error naming the culprit, an exit code, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from newsletter.cli import main
from tests.conftest import new_store, run_cli


def write_config(folder: Path, store_url: str = "sqlite:///db.sqlite3", extra: str = "",
                 *, store: bool = True) -> Path:
    """A config file in folder; its store created (as `newsletter init` does) unless not."""
    path = folder / "newsletter.toml"
    path.write_text(f'[store]\nurl = "{store_url}"\n{extra}', encoding="utf-8")
    return new_store(path) if store else path


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
    config = write_config(tmp_path, f"sqlite:///{blocker}/data/db.sqlite3", store=False)
    for command in (["subscribers", "list"], ["check-config"], ["db", "upgrade"]):
        result = invoke(*command, "--config", str(config))
        assert_clean(result, 2, f"error: {config}: [store] url the folder of "
                                f"{blocker}/data/db.sqlite3 cannot be created: {blocker} is a file",
                     "hint: check [store] url")


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
    zone = write_config(tmp_path / "zone", extra='[newsletter]\ntimezone = "Europe"\n',
                        store=False)
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    (tmp_path / "store").mkdir()
    bad_store = write_config(tmp_path / "store", f"sqlite:///{blocker}/sub/db.sqlite3",
                             store=False)
    huge = tmp_path / "huge.csv"
    huge.write_text("email,name\nbig@example.org," + "n" * 200_000 + "\nok@example.org,Ok\n",
                    encoding="utf-8")
    cases = [
        (["check-config", "--config", str(zone)], 2, "[newsletter] timezone"),
        (["build", "--date", "0001-01-01", "--config", str(good)], 2, "--date"),
        (["subscribers", "list", "--config", str(bad_store)], 2, "cannot be created"),
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


# -- no silent defaults: a config file, and a store that exists ------------------------------


def test_no_config_file_is_refused_with_the_way_to_make_one(tmp_path: Path) -> None:
    for command in (["status"], ["run", "--dry-run"], ["subscribers", "list"], ["serve"],
                    ["check-config"]):
        done = run_cli(*command, cwd=tmp_path, env={"NEWSLETTER_CONFIG": ""})
        assert done.returncode == 2, (command, done.stderr)
        assert "error: no config file" in done.stderr and "newsletter init" in done.stderr
        assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []  # no ./var/newsletter.sqlite3 made on the way


def test_config_is_searched_in_order_option_env_then_current_folder(tmp_path: Path) -> None:
    folders = {}
    for name in ("option", "env", "cwd"):
        folders[name] = tmp_path / name
        folders[name].mkdir()
        (folders[name] / "newsletter.toml").write_text(
            f'[newsletter]\nname = "{name}"\n[store]\nurl = "sqlite:///db.sqlite3"\n',
            encoding="utf-8")

    def source(*args: str, env: str = "") -> str:
        done = run_cli("check-config", *args, cwd=folders["cwd"], env={"NEWSLETTER_CONFIG": env})
        assert done.returncode == 0, done.stderr
        return done.stdout.split(":")[0]

    option, env = str(folders["option"] / "newsletter.toml"), str(folders["env"] / "newsletter.toml")
    assert source("--config", option, env=env) == option
    assert source(env=env) == env
    assert source() == "newsletter.toml"  # ./newsletter.toml of the current folder


def test_a_mistyped_store_path_is_refused_not_created(tmp_path: Path) -> None:
    real = write_config(tmp_path)  # db.sqlite3 exists
    typo = tmp_path / "typo"
    typo.mkdir()
    config = write_config(typo, f"sqlite:///{tmp_path}/db.sqlte3", store=False)
    for command in (["subscribers", "list"], ["status"], ["db", "current"], ["schedule"]):
        done = run_cli(*command, "--config", str(config), cwd=tmp_path)
        assert done.returncode == 1, (command, done.stderr)
        assert f"error: no store at {tmp_path}/db.sqlte3" in done.stderr, done.stderr
        assert "`newsletter init`" in done.stderr, done.stderr
        assert f"`newsletter --config {config} db upgrade`" in done.stderr, done.stderr
        assert not (tmp_path / "db.sqlte3").exists(), command
    assert run_cli("subscribers", "list", "--config", str(real), cwd=tmp_path).returncode == 0
    upgrade = run_cli("db", "upgrade", "--config", str(config), cwd=tmp_path)
    assert upgrade.returncode == 0, upgrade.stderr  # db upgrade is one way to create it
    assert (tmp_path / "db.sqlte3").exists()
    assert run_cli("status", "--config", str(config), cwd=tmp_path).returncode == 0


# -- config errors that used to be tracebacks: error + hint, exit 2 ---------------------------


@pytest.mark.parametrize(("url", "needle"), [
    # /proc/self refuses new files to everyone, root included: an unwritable folder.
    ("sqlite:////proc/self/newsletter/db.sqlite3", "cannot be created: /proc/self is not writable"),
    ("sqlite:////proc/self/status", "/proc/self/status cannot be written"),
    ("sqlite:///{tmp}", "names a folder, not a SQLite file"),
])
def test_a_store_path_that_cannot_be_written_is_a_config_error(tmp_path: Path, url: str,
                                                               needle: str) -> None:
    config = write_config(tmp_path, url.format(tmp=tmp_path), store=False)
    for command in (["check-config"], ["status"], ["db", "upgrade"]):
        done = run_cli(*command, "--config", str(config), cwd=tmp_path)
        assert done.returncode == 2, (command, done.stderr)
        assert done.stderr.startswith(f"error: {config}: [store] url"), done.stderr
        assert needle in done.stderr and "\n  hint: " in done.stderr, done.stderr
        assert "Traceback" not in done.stderr


@pytest.mark.parametrize("zone", ["Europe", "Mars/Olympus", "../../etc/passwd", "/etc/localtime"])
def test_a_bad_time_zone_is_an_error_with_a_hint(tmp_path: Path, zone: str) -> None:
    config = write_config(tmp_path, extra=f'[newsletter]\ntimezone = "{zone}"\n', store=False)
    for command in (["check-config"], ["status"], ["run", "--dry-run"]):
        done = run_cli(*command, "--config", str(config), cwd=tmp_path)
        assert done.returncode == 2, (command, done.stderr)
        assert done.stderr.startswith(f"error: {config}: [newsletter] timezone"), done.stderr
        assert "hint: a Region/City name" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("where", ["before", "after"])
def test_hints_carry_the_config_the_user_typed_and_work_as_shown(tmp_path: Path,
                                                                 where: str) -> None:
    """A hint is a command to type: someone who gave --config gets it back in the hint, from
    any folder; with $NEWSLETTER_CONFIG (still set in their shell) the hint stays short."""
    (tmp_path / "site").mkdir()
    config = write_config(tmp_path / "site", extra="[security]\nsecret_env = \"T_SECRET\"\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"NEWSLETTER_CONFIG": "", "T_SECRET": "x" * 32}
    args = ["editors", "remove", "nobody"]
    typed = ["--config", str(config), *args] if where == "before" else [*args, "--config",
                                                                         str(config)]
    done = run_cli(*typed, cwd=elsewhere, env=env)
    assert done.returncode != 0 and "no editor called 'nobody'" in done.stderr, done.stderr
    hint = done.stderr.split("hint: ", 1)[1].strip()
    assert hint == f"newsletter --config {config} editors list", hint
    again = run_cli(*hint.split()[1:], cwd=elsewhere, env=env)  # typed as shown
    assert again.returncode == 0, again.stderr

    by_env = run_cli(*args, cwd=elsewhere, env={**env, "NEWSLETTER_CONFIG": str(config)})
    assert "hint: newsletter editors list" in by_env.stderr, by_env.stderr


def test_with_config_names_only_commands_and_quotes_paths() -> None:
    from newsletter.cli.main import COMMANDS
    from newsletter.cli.options import with_config

    def typed(text: str, path: str | None = "n.toml") -> str:
        return with_config(text, path, COMMANDS)

    assert typed("run newsletter db upgrade", "my site/n.toml") == \
        "run newsletter --config 'my site/n.toml' db upgrade"
    assert typed("check the feeds (newsletter feeds check)") == \
        "check the feeds (newsletter --config n.toml feeds check)"
    assert typed("newsletter send-test --to a@b.example") == \
        "newsletter --config n.toml send-test --to a@b.example"
    assert typed("the newsletter is late; newsletter sends") == \
        "the newsletter is late; newsletter sends"  # prose, not commands
    assert typed("newsletter send", None) == "newsletter send"
    assert typed("`newsletter init` or `newsletter demo`") == "`newsletter init` or `newsletter demo`"
    assert typed("newsletter --config a.toml send") == "newsletter --config a.toml send"


@pytest.mark.parametrize("command", [["editors", "add", "amina"], ["editors", "passwd", "amina"]])
def test_a_password_is_never_asked_without_a_terminal(tmp_path: Path, command: list[str]) -> None:
    """From a script (no terminal) the password is not prompted for, which would echo it:
    a usage error names --password-stdin."""
    import subprocess
    import sys

    config = write_config(tmp_path)
    exe = Path(sys.executable).parent / "newsletter"
    done = subprocess.run([str(exe), *command, "--config", str(config)], cwd=tmp_path,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 2, done.stderr
    assert "--password-stdin" in done.stderr and "no terminal" in done.stderr
    assert "GetPassWarning" not in done.stderr and "Traceback" not in done.stderr
    assert "0 editor(s)" in run_cli("editors", "list", "--config", str(config),
                                    cwd=tmp_path).stdout
