"""The click application: the `newsletter` group, its error mapping, and where every command lives.

Commands are registered here only, by name, and imported when used: `newsletter --help`
lists them without importing the pipeline, and no command module imports this one.
"""

from __future__ import annotations

import errno
import importlib
from typing import Any

import click

from ..errors import NewsletterError
from .options import CONFIG_HELP, CONFIG_META, GIVEN_META, with_config

# command name -> (module of newsletter.cli, attribute): the one place commands are registered.
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("run", "demo"),
    "init": ("init", "init"),
    "run": ("run", "run_command"),
    "collect": ("issue", "collect"),
    "build": ("issue", "build"),
    "send": ("issue", "send"),
    "rank": ("issue", "rank"),
    "preview": ("issue", "preview"),
    "send-test": ("issue", "send_test"),
    "archive": ("issue", "archive"),
    "approve": ("editors", "approve"),
    "editors": ("editors", "editors"),
    "feeds": ("feeds", "feeds"),
    "subscribers": ("subscribers", "subscribers"),
    "unsubscribes": ("unsubscribes", "unsubscribes"),
    "signup": ("signup", "signup"),
    "db": ("db", "db"),
    "schedule": ("ops", "schedule"),
    "send-due": ("ops", "send_due"),
    "serve": ("ops", "serve"),
    "status": ("ops", "status"),
    "check-config": ("ops", "check_config"),
    "readership": ("readership", "readership"),
}


class _Group(click.Group):
    """Loads commands from COMMANDS on demand; turns every NewsletterError into one message."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attr = COMMANDS[cmd_name]
        command: click.Command = getattr(importlib.import_module(f"{__package__}.{module}"), attr)
        return command

    @property  # type: ignore[override]
    def commands(self) -> dict[str, click.Command]:
        """Every command, loaded (click itself only asks get_command for the one it runs)."""
        return {name: getattr(importlib.import_module(f"{__package__}.{module}"), attr)
                for name, (module, attr) in COMMANDS.items()}

    @commands.setter
    def commands(self, value: dict[str, click.Command]) -> None:
        if value:
            raise TypeError("register commands in newsletter.cli.main.COMMANDS")

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NewsletterError as exc:
            # Hints name commands to type: with the --config the user gave, they work as shown.
            if exc.hint:
                exc.hint = with_config(exc.hint, ctx.meta.get(GIVEN_META), COMMANDS)
            click.echo(f"error: {exc.format()}", err=True)
            ctx.exit(exc.exit_code)
        except OSError as exc:
            # The system refused a file or folder (permissions, a full disk, a path too long)
            # somewhere no module wrapped it: say which, without a traceback.
            if exc.errno == errno.EPIPE:
                raise  # click handles a closed pipe (| head) itself
            where = f": {exc.filename}" if exc.filename else ""
            click.echo(f"error: {exc.strerror or exc}{where}", err=True)
            ctx.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsletter")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), metavar="PATH",
              help=CONFIG_HELP + " Also accepted after the command.")
@click.pass_context
def main(ctx: click.Context, config_path: str | None) -> None:
    """newsletter: the essentials of the day's news in one short morning email."""
    # Kept for the command's own --config option (options.config_option), which reads it.
    ctx.meta[CONFIG_META] = config_path
