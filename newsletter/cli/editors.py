"""The editor's desk commands: editor accounts, and approving an issue from the shell."""

from __future__ import annotations

import json
import sys
from datetime import date

import click

from ..config import Config
from .options import config_option, date_option, issue_day, json_option, open_store


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        # getpass would fall back to echoing the password (and warn about it): a script
        # or a pipe says so with --password-stdin.
        raise click.UsageError("no terminal to ask the password on: pipe it with "
                               "--password-stdin (printf '%s\\n' \"$PASSWORD\" | newsletter "
                               "editors ... --password-stdin)")
    value: str = click.prompt("password", hide_input=True, confirmation_prompt=True)
    return value


@click.group()
def editors() -> None:
    """Accounts of the editor's desk (/editor of `newsletter serve`)."""


@editors.command(name="add")
@config_option
@click.argument("username")
@click.option("--email", default="", help="The editor's address, for \"Send a test to me\".")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def editors_add(config: Config, username: str, email: str, password_stdin: bool) -> None:
    """Create an editor account (the password is asked twice, or read from stdin)."""
    from .. import pipeline
    from ..desk.accounts import add_editor

    name = add_editor(open_store(config), username, _password(password_stdin), email,
                      pipeline.utc_now())
    click.echo(f"added editor {name}" + (f" <{email}>" if email else ""))


@editors.command(name="passwd")
@config_option
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def editors_passwd(config: Config, username: str, password_stdin: bool) -> None:
    """Set a new password (the editor's sessions end)."""
    from ..desk.accounts import AccountError, check_username, hash_password

    name = check_username(username)
    if not open_store(config).set_editor_password(name, hash_password(_password(password_stdin))):
        raise AccountError(f"no editor called {name!r}", hint="newsletter editors list")
    click.echo(f"new password set for {name}; their sessions are closed")


@editors.command(name="list")
@config_option
@json_option
def editors_list(config: Config, as_json: bool) -> None:
    """Editor accounts (never their password hashes)."""
    rows = open_store(config).list_editors()
    if as_json:
        click.echo(json.dumps(rows, default=str, indent=2))
        return
    for r in rows:
        last = f"{r['last_login_at']:%Y-%m-%d %H:%M}Z" if r["last_login_at"] else "never"
        click.echo(f"{r['username']:<20} {r['email'] or '-':<32} last login {last}")
    click.echo(f"{len(rows)} editor(s)")


@editors.command(name="remove")
@config_option
@click.argument("username")
def editors_remove(config: Config, username: str) -> None:
    """Delete an editor account and end its sessions (its edits stay in the log)."""
    from ..desk.accounts import AccountError

    name = username.strip().lower()
    if not open_store(config).remove_editor(name):
        raise AccountError(f"no editor called {name!r}", hint="newsletter editors list")
    click.echo(f"removed editor {name}")


@click.command()
@config_option
@date_option
@click.option("--as", "username", required=True, help="The editor who approves.")
@click.option("--language", default=None, help="The edition (default: every stored edition).")
def approve(config: Config, issue_date: date | None, username: str, language: str | None) -> None:
    """Approve the stored issue as it stands (for [editor] require_approval)."""
    from .. import pipeline
    from ..desk.accounts import AccountError, check_username

    store = open_store(config)
    day = issue_day(config, issue_date)
    name = check_username(username)
    if store.get_editor(name) is None:
        raise AccountError(f"no editor called {name!r}", hint="newsletter editors list")
    languages = [language] if language else sorted(store.issue_editions(day))
    if not languages:
        pipeline.stored_issue(config, store, day)  # raises: not built yet
    for lang in languages:
        store.approve_issue(day, lang, editor=name, expected_revision=None, now=pipeline.utc_now())
        click.echo(f"approved the {day} issue ({lang}) as {name}")
