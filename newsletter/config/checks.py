"""Checks of the configuration's values, each naming the key and the file on failure."""

from __future__ import annotations

import ipaddress
import math
import os
import re
from dataclasses import fields, is_dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .. import brand as looks
from ..errors import ConfigError
from ..resources import resource_dir
from ..urls import web_origin
from .sections import LANGUAGES, SENDERS, ReadershipSection, WebhooksSection

if TYPE_CHECKING:
    from .model import Config

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
# Written raw into List-Unsubscribe's <mailto:…>: ASCII, no character a URI or header must escape.
_MAILBOX = re.compile(r"[A-Za-z0-9._+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\Z")
MAX_ZONE_NAME = 64  # the longest IANA names have ~32 characters; the store keeps 64


def zone_named(name: str) -> ZoneInfo | None:
    """The IANA time zone called ``name``; None for anything else.

    Not only unknown names: a folder of the zone database ("Europe"), a path, a name too
    long for the file system make ZoneInfo raise OSError or ValueError, not "not found".
    """
    if not name or len(name) > MAX_ZONE_NAME:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


class Problems:
    """Every problem of one config file, reported together, each naming its key and the file."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.errors: list[ConfigError] = []

    def __call__(self, key: str, why: str, *, hint: str | None = None) -> None:
        """Note that ``key`` is wrong and ``why``."""
        self.errors.append(ConfigError(f"{self.source}: {key} {why}", hint=hint))

    def add(self, error: ConfigError) -> None:
        self.errors.append(error)

    def raise_any(self) -> None:
        """One ConfigError: the only problem as it is, or all of them, one per line."""
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            lines = [f"{len(self.errors)} problems in {self.source}:"]
            for error in self.errors:
                lines.append(f"  - {error.message}")
                if error.hint:
                    lines.append(f"    hint: {error.hint}")
            raise ConfigError("\n".join(lines))


def check_config(c: Config, problems: Problems | None = None) -> None:
    """Every check; ConfigError listing every wrong value (each naming its key and the file).

    With ``problems`` (the loader's, holding what it found), the problems are added there
    and the caller raises.
    """
    bad = problems if problems is not None else Problems(c.source)
    _check_values(c, bad)
    _check_signup(c, bad)
    _check_site(c, bad)
    _check_editor(c, bad)
    _check_numbers(c, bad)
    _check_ports(c, bad)
    _check_demo(c, bad)
    _check_store(c, bad)
    _check_brand(c, bad)
    _check_templates_dir(c, bad)
    _check_readership(c, bad)
    if problems is None:
        bad.raise_any()


def _check_values(c: Config, bad: Problems) -> None:
    n = c.newsletter
    if n.language not in LANGUAGES:
        bad("[newsletter] language", f"must be one of {', '.join(LANGUAGES)}, got {n.language!r}")
    if zone_named(n.timezone) is None:
        bad("[newsletter] timezone", f"is not an IANA time zone like 'Africa/Casablanca': "
                                           f"{n.timezone[:100]!r}",
            hint="a Region/City name of the tz database, e.g. Europe/Paris or "
                 "America/New_York (the list: python -c \"import zoneinfo; "
                 "print(sorted(zoneinfo.available_timezones()))\")")
    if "@" not in n.sender_address:
        bad("[newsletter] sender_address", f"must contain an address: {n.sender_address!r}")
    if not n.postal_address.strip():
        bad("[newsletter] postal_address", "must not be empty (the law requires it)")
    if urlsplit(n.public_url).scheme not in ("http", "https"):
        bad("[newsletter] public_url", f"must be an http(s) URL: {n.public_url!r}")
    if not 1 <= n.reading_minutes <= 60:
        bad("[newsletter] reading_minutes", "must be between 1 and 60")
    if n.words_per_minute < 0:
        bad("[newsletter] words_per_minute", "must be positive (0 = language default)")
    if c.delivery.sender not in SENDERS:
        bad("[delivery] sender", f"must be one of {', '.join(SENDERS)}, got {c.delivery.sender!r}")
    if not 1 <= c.smtp.connections <= 64 or c.smtp.messages_per_second < 0:
        bad("[smtp] connections", "must be between 1 and 64 (messages_per_second >= 0)")
    if c.delivery.sender == "mailgun" and not c.mailgun.domain:
        bad("[mailgun] domain", "must name the Mailgun sending domain when sender = 'mailgun'")
    if c.providers.max_attempts < 1:
        bad("[providers] max_attempts", "must be at least 1")
    if c.smtp.tls not in ("starttls", "ssl", "none"):
        bad("[smtp] tls", f"must be starttls, ssl or none, got {c.smtp.tls!r}")
    if c.smtp.tls == "none" and c.smtp.host not in ("localhost", "127.0.0.1", "::1"):
        bad("[smtp] tls", "= 'none' is only allowed when host is localhost")
    for key in ("cutoff", "send_at"):
        if not _HHMM.match(getattr(c.schedule, key)):
            bad(f"[schedule] {key}", f"must be HH:MM, got {getattr(c.schedule, key)!r}")
    _check_ops(c, bad)
    if not 1 <= c.workers.claim_batch <= 100_000:
        bad("[workers] claim_batch", f"must be between 1 and 100000, got {c.workers.claim_batch}")
    if c.workers.lease_seconds <= 0:
        bad("[workers] lease_seconds", f"must be positive, got {c.workers.lease_seconds}")
    if c.delivery.retries < 0 or c.delivery.retry_backoff < 0 or c.delivery.send_window_hours < 0:
        bad("[delivery] retries, retry_backoff and send_window_hours", "must not be negative")
    mailbox = c.delivery.unsubscribe_mailbox
    if mailbox and not _MAILBOX.match(mailbox):
        bad("[delivery] unsubscribe_mailbox", "must be a plain address like "
                                                    f"'unsubscribe@news.example.org': {mailbox[:100]!r}")
    if c.render.inliner not in ("premailer", "css-inline"):
        bad("[render] inliner", f"must be premailer or css-inline, got {c.render.inliner!r}")
    if not 20_000 <= c.render.max_html_bytes <= 100_000:
        bad("[render] max_html_bytes", "must be between 20000 and 100000 (Gmail clips ~102 KB)")
    if c.summaries.backend not in ("extractive", "openai"):
        bad("[summaries] backend", f"must be extractive or openai, got {c.summaries.backend!r}")
    if c.summaries.backend == "openai" and not c.summaries.model:
        bad("[summaries] model", "must name the model when backend = 'openai'")
    if not 0 <= c.curate.redundancy <= 2:
        bad("[curate] redundancy", "must be between 0 and 2")
    if c.collect.retries < 0 or c.collect.parse_processes < 0 or c.collect.backoff < 0:
        bad("[collect] retries, backoff and parse_processes", "must not be negative")
    if c.curate.max_items < 0:
        bad("[curate] max_items", "must not be negative (0: no cap, the reading time decides)")
    for section, key in (("collect", "workers"), ("collect", "max_bytes"),
                         ("collect", "per_host"), ("collect", "feed_timeout"), ("collect", "deadline"),
                         ("delivery", "batch_size"), ("collect", "window_hours")):
        if getattr(getattr(c, section), key) < 1:
            bad(f"[{section}] {key}", "must be at least 1")
    _check_webhooks(c.webhooks, bad)


def _check_webhooks(w: WebhooksSection, bad: Problems) -> None:
    for key in ("tolerance_seconds", "ses_max_age_seconds"):
        if not 10 <= getattr(w, key) <= 86_400:
            bad(f"[webhooks] {key}", "must be between 10 and 86400 seconds")
    if w.soft_bounce_limit < 0:
        bad("[webhooks] soft_bounce_limit", "must not be negative (0: never suppress)")
    for arn in filter(None, (a.strip() for a in w.ses_topic_arns.split(","))):
        if not arn.startswith("arn:"):
            bad("[webhooks] ses_topic_arns", f"must list SNS topic ARNs, got {arn!r}")


def _check_ops(c: Config, bad: Problems) -> None:
    """[schedule] rounds, [logging] and [alerts]."""
    s = c.schedule
    if not 1 <= s.send_every_minutes <= 60 or 60 % s.send_every_minutes:
        bad("[schedule] send_every_minutes", "must divide 60 (e.g. 5, 10, 15, 30)")
    if s.collect_every_minutes and (not 1 <= s.collect_every_minutes <= 60
                                    or 60 % s.collect_every_minutes):
        bad("[schedule] collect_every_minutes", "must divide 60 (0 = no extra collects)")
    if not 1 <= s.collect_hours <= 24:
        bad("[schedule] collect_hours", "must be between 1 and 24")
    if s.misfire_grace_seconds < 1:
        bad("[schedule] misfire_grace_seconds", "must be at least 1")
    if c.logging.format not in ("text", "json"):
        bad("[logging] format", f"must be text or json, got {c.logging.format!r}")
    if c.logging.level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        bad("[logging] level", f"must be DEBUG, INFO, WARNING, ERROR or CRITICAL, got "
                                     f"{c.logging.level!r}")
    a = c.alerts
    if a.webhook_url and urlsplit(a.webhook_url).scheme not in ("http", "https"):
        bad("[alerts] webhook_url", f"must be an http(s) URL: {a.webhook_url!r}")
    if any("@" not in part for part in a.email.split(",") if part.strip()):
        bad("[alerts] email", f"must be addresses separated by commas: {a.email!r}")
    if a.feed_failures < 1 or a.webhook_timeout <= 0:
        bad("[alerts] feed_failures", "must be at least 1 (webhook_timeout above 0)")


def _check_signup(c: Config, bad: Problems) -> None:
    s = c.signup
    if not s.consent_text_version.strip():
        bad("[signup] consent_text_version", "must not be empty")
    if s.from_address and "@" not in s.from_address:
        bad("[signup] from_address", f"must contain an address: {s.from_address!r}")
    for key in ("confirm_hours", "pending_days", "window_minutes", "per_ip", "per_address",
                "csrf_minutes"):
        if getattr(s, key) < 1:
            bad(f"[signup] {key}", "must be at least 1")
    if s.pending_days * 24 < s.confirm_hours:
        bad("[signup] pending_days", "must cover confirm_hours (a sign-up is not purged while "
                                     "its link still works)")
    if c.web.proxy_hops < 0:
        bad("[web] proxy_hops", "must not be negative")


def _check_site(c: Config, bad: Problems) -> None:
    """The public site: its description, and the origins whose pages may post sign-ups."""
    if len(c.newsletter.description) > 300:
        bad("[newsletter] description", "must be one or two lines (300 characters at most)")
    for origin in c.web.allowed_origins:
        if web_origin(origin) is None:
            bad("[web] allowed_origins", f"must list origins like 'https://www.example.org' "
                                         f"(scheme, host and port if any; no path, not even "
                                         f"'/'): {origin[:100]!r}")


def _check_editor(c: Config, bad: Problems) -> None:
    e = c.editor
    if e.approval_deadline and not _HHMM.match(e.approval_deadline):
        bad("[editor] approval_deadline", f"must be HH:MM (or empty for [schedule] send_at), "
                                          f"got {e.approval_deadline!r}")
    elif e.approval_deadline and not c.schedule.cutoff <= e.approval_deadline <= c.schedule.send_at:
        bad("[editor] approval_deadline", f"must lie between [schedule] cutoff "
                                          f"({c.schedule.cutoff}) and send_at "
                                          f"({c.schedule.send_at}), got {e.approval_deadline!r}")
    if e.on_deadline not in ("send", "skip"):
        bad("[editor] on_deadline", f"must be send or skip, got {e.on_deadline!r}")
    if any("@" not in part for part in e.test_addresses.split(",") if part.strip()):
        bad("[editor] test_addresses", f"must be addresses separated by commas: "
                                       f"{e.test_addresses!r}")
    if not 0 < e.session_hours <= 24 * 30:
        bad("[editor] session_hours", "must be above 0 and at most 720")
    if e.max_login_failures < 1:
        bad("[editor] max_login_failures", "must be at least 1")


def _check_numbers(c: Config, bad: Problems) -> None:
    """TOML has inf and nan; no setting means anything with them (a timeout of inf hangs)."""
    for f in fields(c):
        section = getattr(c, f.name)
        if is_dataclass(section):
            for g in fields(section):
                value = getattr(section, g.name)
                if isinstance(value, float) and not math.isfinite(value):
                    bad(f"[{f.name}] {g.name}", f"must be a finite number, not {value}")
    for table in ("sections", "keywords"):
        for key, weight in getattr(c, table):
            if not math.isfinite(weight):
                bad(f"[{table}] {key!r}", f"must be a finite number, not {weight}")


def _check_ports(c: Config, bad: Problems) -> None:
    for key, port, low in (("[smtp] port", c.smtp.port, 1), ("[web] port", c.web.port, 1),
                           ("[demo] sample_feeds_port", c.demo.sample_feeds_port, 0)):
        if not low <= port <= 65535:
            off = " (0: off)" if low == 0 else ""
            bad(key, f"must be a port between {max(low, 1)} and 65535{off}, got {port}")


def _check_demo(c: Config, bad: Problems) -> None:
    if c.demo.issue_date:
        try:
            date.fromisoformat(c.demo.issue_date)
        except ValueError:
            bad("[demo] issue_date", f"must be a date like 2026-11-27, got {c.demo.issue_date!r}")


STORE_SCHEMES = ("sqlite:///", "postgresql://", "postgresql+psycopg://", "postgres://")


def _check_store(c: Config, bad: Problems) -> None:
    """The store's URL is one we support; a SQLite file can be written, or its folder made."""
    url = c.store.url
    if not url.startswith(STORE_SCHEMES):
        bad("[store] url", f"must start with sqlite:/// or postgresql:// (or postgresql+psycopg://), "
                           f"got {url.split('://')[0][:40]!r}",
            hint='e.g. url = "sqlite:///var/newsletter.sqlite3" (relative to the config file)')
        return
    if not url.startswith("sqlite:///") or ":memory:" in url:
        return
    path = Path(c.database_url[len("sqlite:///"):])
    hint = "check [store] url (a relative path is relative to the config file) and who may write there"
    if path.is_dir():
        bad("[store] url", f"names a folder, not a SQLite file: {path}", hint=hint)
    elif path.exists():
        try:
            with path.open("ab"):  # appends nothing: only asks the system whether it may
                pass
        except OSError as exc:
            bad("[store] url", f"{path} cannot be written: {exc.strerror or exc}", hint=hint)
        return
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        bad("[store] url", f"the folder of {path} cannot be created: {folder} is a file",
            hint=hint)
    elif not os.access(folder, os.W_OK | os.X_OK):
        bad("[store] url", f"{path} cannot be created: {folder} is not writable", hint=hint)


def _check_readership(c: Config, bad: Problems) -> None:
    """[readership]: every scanner network a CIDR range, every number within its bounds."""
    r: ReadershipSection = c.readership
    for network in r.robot_networks:
        try:
            ipaddress.ip_network(network.strip())
        except ValueError as exc:
            bad("[readership] robot_networks", f"must list CIDR ranges like '192.0.2.0/24' or "
                                               f"'2001:db8::/32': {network[:100]!r} ({exc})")
    if not 0 <= r.scan_seconds <= 3600:
        bad("[readership] scan_seconds", f"must be between 0 and 3600, got {r.scan_seconds}")
    if not 0 < r.flush_seconds <= 300:
        bad("[readership] flush_seconds", f"must be above 0 and at most 300, got {r.flush_seconds}")
    if not 1 <= r.flush_clicks <= 1_000_000:
        bad("[readership] flush_clicks", f"must be between 1 and 1000000, got {r.flush_clicks}")
    if not 1 <= r.learn_days <= 365:
        bad("[readership] learn_days", f"must be between 1 and 365, got {r.learn_days}")
    if not 0 < r.learn_half_life_days <= 365:
        bad("[readership] learn_half_life_days", "must be above 0 and at most 365, got "
                                                 f"{r.learn_half_life_days}")
    if not 1.0 < r.learn_max_factor <= 2.0:  # a nudge, never a verdict (docs/ranking.md)
        bad("[readership] learn_max_factor", "must be above 1 and at most 2 (learn = false "
                                             f"turns the nudge off), got {r.learn_max_factor}")
    if r.learn_min_delivered < 0:
        bad("[readership] learn_min_delivered", "must not be negative")


def _check_brand(c: Config, bad: Problems) -> None:
    """[brand]: an https logo with its size and alt text, colours that read (WCAG 2.x
    contrast, 4.5:1 for every pair: each colours small text somewhere), a font stack that
    stays a CSS value, a bounded footer text."""
    b = c.brand
    why = looks.logo_url_problem(b.logo_url)
    if why:
        bad("[brand] logo_url", f"{why}: {b.logo_url[:100]!r}")
    if b.logo_url:
        for key, (low, high) in (("logo_width", looks.LOGO_WIDTH),
                                 ("logo_height", looks.LOGO_HEIGHT)):
            value = getattr(b, key)
            if not value:
                bad(f"[brand] {key}", f"is required with a logo: its displayed size in "
                                      f"pixels ({low} to {high})")
            elif not low <= value <= high:
                bad(f"[brand] {key}", f"must be between {low} and {high} pixels, got {value}")
        if not (b.logo_alt or c.newsletter.name).strip():
            bad("[brand] logo_alt", "must describe the logo (read aloud, shown when images "
                                    "are off)")
    colors = {}
    for key in ("accent_color", "text_color", "background_color"):
        try:
            colors[key] = looks.hex_color(getattr(b, key))
        except ValueError:
            bad(f"[brand] {key}", f"must be a colour like #1f2a44 or #fff, got "
                                  f"{str(getattr(b, key))[:40]!r}")
    if len(colors) == 3:
        for key, color, on_key, on, ratio in looks.contrast_failures(
                colors["accent_color"], colors["text_color"], colors["background_color"]):
            name = f"{key} {color}" if key.endswith("_color") else key
            bad("[brand]", f"{name} on {on_key} {on}: contrast {looks.ratio_text(ratio)}, needs "
                           f"{looks.MIN_CONTRAST}:1",
                hint="WCAG 2.x AA for text (docs/branding.md); darken or lighten one of the two")
    why = looks.font_stack_problem(b.font_stack)
    if why:
        bad("[brand] font_stack", why, hint='e.g. font_stack = "\'Source Serif Pro\', '
                                            'Georgia, serif"')
    if len(b.footer_text) > looks.FOOTER_TEXT_MAX:
        bad("[brand] footer_text", f"must be at most {looks.FOOTER_TEXT_MAX} characters, "
                                   f"got {len(b.footer_text)}")


def _check_templates_dir(c: Config, bad: Problems) -> None:
    """[render] templates_dir: a readable folder whose files each replace one of ours
    (names starting with _ are the folder's own partials), locale files of known keys."""
    folder = c.templates_dir
    if folder is None:
        return
    hint = "a relative path is relative to the config file; docs/branding.md lists what " \
           "can be replaced"
    if not folder.is_dir():
        bad("[render] templates_dir", f"is not a folder: {folder}", hint=hint)
        return
    if not os.access(folder, os.R_OK | os.X_OK):
        bad("[render] templates_dir", f"{folder} cannot be read", hint=hint)
        return
    ours = resource_dir("templates")
    known = {p.relative_to(ours).as_posix() for p in ours.rglob("*") if p.is_file()}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_dir() or path.name.startswith((".", "_")):
            continue
        if name not in known:
            same = sorted(k for k in known if k.rsplit("/", 1)[-1] == path.name)
            bad("[render] templates_dir", f"{path} replaces none of ours (no {name} in our "
                                          "templates)",
                hint=(f"ours is {' or '.join(same)}: keep its relative path" if same else
                      "keep our relative path, e.g. email/briefing.html or web/base.html")
                     + "; name your own partials _something.html")
        elif not os.access(path, os.R_OK):
            bad("[render] templates_dir", f"{path} cannot be read")
        elif name.startswith("locale/"):
            _check_locale_override(path, ours / name, bad)
        else:
            _check_template_syntax(path, bad)


def _check_locale_override(path: Path, ours: Path, bad: Problems) -> None:
    """A locale file of the override folder: TOML strings, each replacing one of ours."""
    import tomllib

    try:
        theirs = tomllib.loads(path.read_text(encoding="utf-8"))
        known = tomllib.loads(ours.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        bad("[render] templates_dir", f"{path}: not valid TOML: {exc}")
        return
    for key, value in theirs.items():
        if key not in known:
            bad("[render] templates_dir", f"{path}: unknown string {key!r} (not in our "
                                          f"locale/{ours.name})")
        elif not isinstance(value, str):
            bad("[render] templates_dir", f"{path}: {key} must be a string")


def _check_template_syntax(path: Path, bad: Problems) -> None:
    """A template's syntax, at check time (its variables are checked when it renders).
    jinja2 is loaded only for configs with a templates_dir (check-config stays light)."""
    from jinja2 import Environment, TemplateSyntaxError

    try:
        Environment().parse(path.read_text(encoding="utf-8"), path.name, str(path))
    except UnicodeDecodeError:
        bad("[render] templates_dir", f"{path} is not UTF-8 text")
    except TemplateSyntaxError as exc:
        bad("[render] templates_dir", f"{path} line {exc.lineno}: {exc.message}")
