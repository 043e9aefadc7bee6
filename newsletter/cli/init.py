"""`newsletter init [DIR]`: from the demo to one's own newsletter in one command.

Writes DIR/newsletter.toml from the packaged config.example.toml (every key and its comment
kept, the answers filled in), the signing secret into DIR/newsletter.secret (mode 0600; the
bare secret, read through [security] secret_file), creates and migrates the store, imports
an OPML file if given, then runs `newsletter check-config` on the result and prints the next
commands to type. Each answer is asked (click.prompt) unless given as an option; a bad answer
is asked again, or, given as an option, exits 2 naming the option. Nothing is written until
every answer is good.
"""

from __future__ import annotations

import os
import re
import secrets
import shlex
from dataclasses import dataclass, field
from datetime import date
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from ..config.sections import LANGUAGES, SENDERS

CONFIG_NAME = "newsletter.toml"
SECRET_NAME = "newsletter.secret"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8025"  # `newsletter serve` on this machine
PLACEHOLDER_ADDRESS = "newsletter@example.org"
PLACEHOLDER_POSTAL = "Postal address of the publisher (required by law: fill in)"


# -- answers, each checked by one function that returns it cleaned or raises BadParameter ---


def check_name(value: str) -> str:
    name = " ".join(value.split())
    if not name:
        raise click.BadParameter("the newsletter needs a name")
    if len(name) > 100:
        raise click.BadParameter(f"at most 100 characters, not {len(name)}")
    return name


def check_timezone(value: str) -> str:
    from ..config.checks import zone_named

    name = value.strip()
    if zone_named(name) is None:
        raise click.BadParameter(f"{name[:100]!r} is not an IANA time zone like 'Europe/Paris' "
                                 "or 'Africa/Casablanca'")
    return name


def check_address(value: str) -> str:
    """A From: address, ``Name <addr>`` or a bare address; the address part syntax-checked."""
    from email_validator import EmailNotValidError, validate_email

    display, address = parseaddr(value.strip())
    if not address or "@" not in address:
        raise click.BadParameter(f"{value!r} is not an email address like 'Le Brief "
                                 "<brief@news.example.org>'")
    try:
        address = validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise click.BadParameter(f"{address!r} is not a valid email address: {exc}") from exc
    return f"{_quoted(display)} <{address}>" if display else address


def _quoted(display: str) -> str:
    return f'"{display}"' if re.search(r'[(),.:;<>@\[\]\\"]', display) else display


def check_postal(value: str) -> str:
    postal = " ".join(value.split())
    if not postal:
        raise click.BadParameter("the postal address is shown in every footer (the law requires "
                                 "it) and cannot be empty")
    return postal


def check_public_url(value: str) -> str:
    """https, or http on this machine (for trying `newsletter serve` locally)."""
    url = value.strip().rstrip("/")
    parts = urlsplit(url)
    if not parts.hostname:
        raise click.BadParameter(f"{value!r} is not a URL like https://news.example.org")
    local = parts.hostname in LOCAL_HOSTS
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise click.BadParameter(f"{value!r} must start with https:// (unsubscribe links go "
                                 "through it; http only for 127.0.0.1 or localhost)")
    if parts.query or parts.fragment:
        raise click.BadParameter(f"{value!r}: no query or fragment, only the base URL")
    return url


def check_feed_url(value: str) -> str:
    url = value.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise click.BadParameter(f"{value!r} is not a feed URL like https://www.example.org/rss.xml")
    return url


def check_opml(value: str | Path) -> Path:
    from ..errors import ConfigError
    from ..feeds.opml import read_opml

    path = Path(value).expanduser()
    if not path.is_file():
        raise click.BadParameter(f"{str(path)!r} is not a file")
    try:
        found, _problems = read_opml(path)
    except ConfigError as exc:
        raise click.BadParameter(exc.message) from exc
    if not found:
        raise click.BadParameter(f"{path} lists no feed with an http(s) xmlUrl")
    return path


def _callback(check: Any) -> Any:
    """An option callback running ``check`` on the value given (each value of a multiple one)."""
    def callback(_ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, tuple):
            return tuple(check(v) for v in value)
        return check(value)
    return callback


def local_zone() -> str:
    """This machine's IANA time zone ($TZ, then /etc/localtime), else UTC."""
    from ..config.checks import zone_named

    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        target = os.readlink("/etc/localtime")
        candidates.append(target.split("zoneinfo/", 1)[1] if "zoneinfo/" in target else "")
    except OSError:
        pass
    return next((name for name in candidates if name and zone_named(name)), "UTC")


# -- what init writes ------------------------------------------------------------------------


@dataclass
class Answers:
    """Everything init asks; placeholders lists the answers left at a stand-in value."""

    name: str = "My newsletter"
    language: str = "en"
    timezone: str = "UTC"
    sender_address: str = ""
    postal_address: str = PLACEHOLDER_POSTAL
    public_url: str = DEFAULT_PUBLIC_URL
    feeds: list[str] = field(default_factory=list)
    opml: Path | None = None
    sender: str = "outbox"
    placeholders: list[str] = field(default_factory=list)


def render_config(example: str, a: Answers, secret_file: str) -> str:
    """config.example.toml with the answers filled in, its comments kept, the example feeds
    commented out and the user's appended."""
    import tomli_w

    def put(text: str, section: str, key: str, value: Any) -> str:
        lines, current = text.splitlines(keepends=True), None
        for i, line in enumerate(lines):
            if line.startswith("["):
                current = line.strip().strip("[]")
            elif current == section and re.match(rf"{re.escape(key)}\s*=", line):
                lines[i] = tomli_w.dumps({key: value})
                return "".join(lines)
        raise LookupError(f"config.example.toml has no [{section}] {key}")

    text = example
    for key in ("name", "language", "timezone", "sender_address", "postal_address", "public_url"):
        text = put(text, "newsletter", key, getattr(a, key))
    text = put(text, "collect", "user_agent", f"newsletter/0.1 (+{a.public_url})")
    text = put(text, "delivery", "sender", a.sender)
    text = put(text, "security", "secret_file", secret_file)
    if a.sender == "mailgun":
        text = put(text, "mailgun", "domain", a.sender_address.rsplit("@", 1)[1].strip(" >"))
    head, sep, examples = text.partition("\n[[feeds]]\n")
    if sep:  # the documented example feeds stay, as comments
        commented = "".join(line if line.startswith("#") or not line.strip() else f"# {line}"
                            for line in (sep.lstrip("\n") + examples).splitlines(keepends=True))
        text = head + "\n" + commented
    text = text.rstrip("\n") + "\n"
    for url in a.feeds:
        text += "\n[[feeds]]\n" + tomli_w.dumps({"url": url})
    intro = (f"# {a.name} — configuration written by `newsletter init` on {date.today()}.\n"
             "# Every key is shown with its default value and what it does; edit, then run\n"
             "# `newsletter check-config`.\n")
    lines = text.splitlines(keepends=True)
    if lines and lines[0].startswith("# newsletter — example configuration"):
        lines = lines[2:]  # "Copy to newsletter.toml …": done
    return intro + "".join(lines)


def _check_rendered(text: str, config_path: Path) -> None:
    """The file about to be written loads (every check but the secret's), before anything is
    written: a wrong answer never leaves a half-made folder."""
    import tomllib

    from ..config import config_from_dict

    config_from_dict(tomllib.loads(text), source=str(config_path),
                     base_dir=config_path.resolve().parent)


def write_secret(path: Path) -> bool:
    """A new signing secret in ``path``, mode 0600; an existing good one is kept (links already
    sent are signed with it). Returns whether a new secret was written."""
    try:
        if len(path.read_text(encoding="utf-8").strip()) >= 32:
            path.chmod(0o600)
            return False
    except FileNotFoundError:
        pass
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(secrets.token_urlsafe(48) + "\n")
    os.chmod(tmp, 0o600)  # whatever the umask
    tmp.replace(path)
    return True


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


# -- the command -----------------------------------------------------------------------------


@click.command()
@click.argument("directory", default=".", metavar="[DIR]",
                type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", callback=_callback(check_name), help="The newsletter's name.")
@click.option("--language", type=click.Choice(LANGUAGES), help="Issue language.")
@click.option("--timezone", callback=_callback(check_timezone),
              help="IANA time zone of the newsroom, e.g. Europe/Paris.")
@click.option("--sender-address", callback=_callback(check_address),
              help="From: address, e.g. 'Le Brief <brief@news.example.org>'.")
@click.option("--postal-address", callback=_callback(check_postal),
              help="The publisher's postal address (every footer shows it).")
@click.option("--public-url", callback=_callback(check_public_url),
              help="Public base URL of `newsletter serve` (https).")
@click.option("--feed", "feeds", multiple=True, callback=_callback(check_feed_url),
              metavar="URL", help="A feed to collect (repeat for more).")
@click.option("--opml", callback=_callback(check_opml), metavar="FILE",
              help="An OPML file of feeds to collect.")
@click.option("--sender", type=click.Choice(SENDERS),
              help="How messages go out (outbox writes .eml files).")
@click.option("--yes", "-y", "assume_defaults", is_flag=True,
              help="Ask nothing: what is not given takes its default.")
@click.option("--force", is_flag=True, help=f"Overwrite an existing {CONFIG_NAME}.")
@click.pass_context
def init(ctx: click.Context, /, directory: Path, assume_defaults: bool, force: bool,
         **given: Any) -> None:
    """Start your own newsletter in DIR (default: here): config, secret, store."""
    config_path = directory / CONFIG_NAME
    if config_path.exists() and not force:
        raise click.UsageError(f"{config_path} exists already; edit it, or run again with "
                               "--force to replace it (the signing secret and the store are kept)")
    answers = _ask(given, assume_defaults)
    from ..resources import config_example

    text = render_config(config_example().read_text(encoding="utf-8"), answers, SECRET_NAME)
    _check_rendered(text, config_path)
    directory.mkdir(parents=True, exist_ok=True)
    new_secret = write_secret(directory / SECRET_NAME)
    _write_atomically(config_path, text)
    _finish(ctx, config_path, answers, new_secret)


def _ask(given: dict[str, Any], assume_defaults: bool) -> Answers:
    """Each answer from its option, else its default (--yes), else asked."""
    a = Answers(timezone=local_zone())

    def answer(key: str, text: str, check: Any, default: Any, *, ask_default: bool = True) -> Any:
        if given.get(key) is not None:
            return given[key]
        if assume_defaults:
            return default
        return click.prompt(text, default=default if ask_default else None, value_proc=check)

    a.name = answer("name", "Name of the newsletter", check_name, a.name)
    a.language = answer("language", f"Language ({', '.join(LANGUAGES)})",
                        click.Choice(LANGUAGES), a.language)
    a.timezone = answer("timezone", "Time zone of the newsroom", check_timezone, a.timezone)
    a.sender_address = answer("sender_address", "From address", check_address,
                              f"{_quoted(a.name)} <{PLACEHOLDER_ADDRESS}>")
    if "<" not in a.sender_address:  # a bare address: the From shows the newsletter's name
        a.sender_address = f"{_quoted(a.name)} <{a.sender_address}>"
    a.postal_address = answer("postal_address", "Postal address of the publisher",
                              check_postal, a.postal_address, ask_default=False)
    a.public_url = answer("public_url", "Public URL of the web pages (https)", check_public_url,
                          a.public_url)
    a.sender = answer("sender", f"Sender ({', '.join(SENDERS)})", click.Choice(SENDERS),
                      a.sender)
    a.feeds, a.opml = list(given.get("feeds") or ()), given.get("opml")
    if not (a.feeds or a.opml or assume_defaults):
        a.feeds, a.opml = _ask_feeds()
    if PLACEHOLDER_ADDRESS in a.sender_address:
        a.placeholders.append("sender_address")
    if a.postal_address == PLACEHOLDER_POSTAL:
        a.placeholders.append("postal_address")
    if urlsplit(a.public_url).hostname in LOCAL_HOSTS:
        a.placeholders.append("public_url")
    return a


def _ask_feeds() -> tuple[list[str], Path | None]:
    """Feed URLs, or one OPML file, until an empty answer."""
    click.echo("The first feeds: one URL at a time, or the path of an OPML file; "
               "an empty line when done.")
    feeds: list[str] = []
    opml: Path | None = None

    def feed_or_opml(value: str) -> str | Path:
        if not value.strip():
            return ""
        if "://" not in value:
            if opml is not None:
                raise click.BadParameter("one OPML file here; add more later with "
                                         "`newsletter feeds import-opml FILE`")
            return check_opml(value.strip())
        url = check_feed_url(value)
        if url in feeds:
            raise click.BadParameter(f"{url} is listed already")
        return url

    while True:
        got = click.prompt("Feed", default="", show_default=False, value_proc=feed_or_opml)
        if got == "":
            return feeds, opml
        if isinstance(got, Path):
            opml = got
        else:
            feeds.append(got)


def _finish(ctx: click.Context, config_path: Path, a: Answers, new_secret: bool) -> None:
    """Store, OPML, the check-config run, and what to type next."""
    from ..config import load_config
    from ..feeds.opml import import_opml, opml_path
    from ..store import Store

    config = load_config(config_path)
    click.echo(f"wrote {config_path}")
    secret_path = config.path(config.security.secret_file)
    click.echo(f"{'wrote' if new_secret else 'kept'} the signing secret in {secret_path} "
               "(mode 0600: keep it out of version control, back it up)")
    store = Store.open(config.database_url)
    store.close()
    click.echo(f"store ready: {config.database_url}")
    if a.opml is not None:
        added, problems = import_opml(config, a.opml)
        click.echo(f"added {len(added)} feed(s) from {a.opml} to {opml_path(config)}")
        for problem in problems:
            click.echo(f"  skipped {problem}", err=True)
    root = ctx.find_root().command
    code = 0
    if isinstance(root, click.Group) and root.get_command(ctx, "check-config") is not None:
        click.echo(f"$ newsletter check-config --config {_arg(config_path)}")
        code = root.main(["check-config", "--config", str(config_path)], standalone_mode=False)
    if a.placeholders:
        click.echo(f"still to fill in before anyone subscribes: [newsletter] "
                   f"{', '.join(a.placeholders)} in {config_path}")
    if not (a.feeds or a.opml):
        click.echo(f"no feed yet: add [[feeds]] tables to {config_path}, or "
                   f"`newsletter feeds import-opml FILE --config {_arg(config_path)}`")
    _next_steps(config_path, a.sender)
    if code:
        ctx.exit(code)


def _next_steps(config_path: Path, sender: str) -> None:
    cfg = f"--config {_arg(config_path)}"
    click.echo("\nNext:")
    if sender == "smtp":
        click.echo("  set [smtp] host and username, and the password in $NEWSLETTER_SMTP_PASSWORD")
    elif sender != "outbox":
        click.echo(f"  put the {sender} credentials in the environment variables that "
                   f"[{sender}] in the config names")
    for line in (f"newsletter run --dry-run {cfg}      # collect and build today's issue",
                 f"newsletter feeds check {cfg}       # how each feed answered",
                 f"newsletter serve {cfg}             # the web pages and the editor's desk"):
        click.echo(f"  {line}")


def _arg(path: Path) -> str:
    return shlex.quote(str(path))
