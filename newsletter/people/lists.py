"""Subscriber lists: reading and checking CSV files, and importing the good rows."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..config import LANGUAGES
from ..config.checks import MAX_ZONE_NAME, zone_named
from ..errors import SubscriberError
from ..models import normalise_email
from ..store import Store
from .shapes import FIELDS, IMPORT_STATUSES, OWN, SKIPPED_STATUSES, Shape, recognise

COLUMNS = ("email", "name", "language", "sections", "timezone", "consent_source", "consent_date")
# Spreadsheets run a cell that starts with one of these as a formula (=HYPERLINK(…) from
# the public sign-up form): the export puts a ' before it, the import takes it off again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
IMPORT_CHUNK = 1_000  # rows looked up and inserted together
_NOT_UTF8 = re.compile(r"[\udc80-\udcff]")  # bytes that did not decode (surrogateescape)
_UNFIT = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\udc80-\udcff]")  # controls but tab, or not UTF-8
# Why an address is on the suppression list, in the words the import report uses.
SUPPRESSED = {
    "forgotten": "forgotten at their request (right to erasure): not re-subscribed",
    "bounced": "the address bounced and is suppressed: not re-subscribed",
    "complained": "they reported the newsletter as spam and are suppressed: not re-subscribed",
}
# Dates as other tools write them, besides ISO 8601 ("2026-10-02 08:14:00", "…Z").
_DATE_FORMATS = ("%b %d, %Y", "%B %d, %Y", "%b %d, %Y %I:%M %p", "%d-%m-%Y %H:%M:%S",
                 "%d-%m-%Y")


@dataclass(frozen=True)
class SubscriberRow:
    """One valid CSV row, normalised."""

    line: int
    email: str
    name: str
    language: str | None
    sections: str
    timezone: str | None
    consent_source: str
    consent_at: datetime | None
    status: str = "active"
    consent_ip: str | None = None
    consent_user_agent: str | None = None
    consent_text_version: str | None = None


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (email, reason): left or bounced
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, reason): not imported
    warnings: list[tuple[int, str]] = field(default_factory=list)  # (line, what): imported
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, why): left out, fine
    shape: str = "newsletter"  # whose export the file is (Mailchimp, Ghost, …)
    ignored: list[str] = field(default_factory=list)  # columns read by nobody
    left: list[tuple[str, str]] = field(default_factory=list)  # (email, status): added, not active
    unit: str = "line"  # what the numbers above count: CSV lines, or "item"s of a JSON export


@dataclass
class Reading:
    """What read_list made of a file."""

    rows: list[SubscriberRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    shape: str = "newsletter"
    ignored: list[str] = field(default_factory=list)


def parse_maps(items: Sequence[str]) -> dict[str, str]:
    """``COLUMN=FIELD`` items as a dict; an empty FIELD ignores the column."""
    maps: dict[str, str] = {}
    for item in items:
        column, sep, target = item.partition("=")
        column, target = column.strip(), target.strip()
        if not sep or not column:
            raise SubscriberError(f"--map {item!r}: expected COLUMN=FIELD")
        if target and target not in FIELDS:
            raise SubscriberError(f"--map {item!r}: unknown field {target!r}; "
                                  f"fields: {', '.join(FIELDS)} (or empty to ignore the column)")
        maps[column] = target
    return maps


def read_csv(text: str) -> tuple[list[SubscriberRow], list[tuple[int, str]], list[tuple[int, str]]]:
    """Valid rows, (line, reason) for each bad one, (line, note) for rows kept with a note."""
    reading = read_list(text)
    return reading.rows, reading.errors, reading.warnings + reading.skipped


def read_list(text: str, maps: Mapping[str, str] | None = None) -> Reading:
    """Read our own CSV or another tool's export (recognised from its header row).

    A row the csv module cannot read (a field past its size limit, a quote never closed) is
    a bad row like any other: the rows after it are still read. Duplicates keep their first
    row. Extra fields past the header's columns refuse the row when one holds a value (the
    columns have shifted: a comma outside quotes) and only get a warning when all are empty
    (the trailing commas some spreadsheets write). ``maps`` renames columns to our fields
    (``--map``); a column mapped to "" is ignored.
    """
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    reading = Reading()
    header, shape, problem = _header(reader, dict(maps or {}))
    if problem or shape is None:
        reading.errors.append((1, problem))
        return reading
    reading.shape = shape.name
    reading.ignored = [c for c in header if c and c not in shape.known and c not in FIELDS]
    mapped = {c for c in header if c in FIELDS and c not in shape.known}
    seen: set[str] = set()
    address = _Addresses()
    for line, fields in _records(reader, reading.errors):
        if not any(f.strip() for f in fields):
            continue  # a blank line, or a row of empty cells
        extra = fields[len(header):]
        if any(f.strip() for f in extra):
            reading.errors.append((line, f"{len(fields)} fields but {len(header)} columns: extra "
                                         f"{_short(extra)} (a value with a comma needs double "
                                         "quotes)"))
            continue
        if extra:
            reading.warnings.append((line, f"{len(extra)} empty field(s) past the last column "
                                           "ignored"))
        raw = {c: v for c, v in zip(header, fields, strict=False) if c}
        record = shape.convert(raw)
        record.update({f: raw[f] for f in mapped if f in raw})
        if mapped & {"first_name", "last_name"} and "name" not in mapped:
            record["name"] = " ".join(raw[f].strip() for f in ("first_name", "last_name")
                                      if raw.get(f, "").strip())
        if record.get("skip"):
            reading.skipped.append((line, record["skip"]))
            continue
        try:
            if record.get("error"):
                raise SubscriberError(record["error"])
            row = _row(line, record, address)
        except SubscriberError as exc:
            reading.errors.append((line, exc.message))
            continue
        if row is None:
            reading.skipped.append((line, SKIPPED_STATUSES[_status(record)]))
            continue
        if row.email in seen:
            reading.errors.append((line, f"duplicate of an earlier row: {row.email}"))
            continue
        seen.add(row.email)
        reading.rows.append(row)
    return reading


def _delimiter(text: str) -> str:
    """Comma, unless the header line has none and semicolons or tabs (Brevo writes either)."""
    first = text.split("\n", 1)[0]
    if "," in first:
        return ","
    return max(";\t", key=first.count) if (";" in first or "\t" in first) else ","


def _header(reader: Any, maps: dict[str, str]) -> tuple[list[str], Shape | None, str]:
    """The column names (renamed by ``maps``), the shape they are, or why they cannot be used."""
    expected = (f"expected {', '.join(COLUMNS)} (or a Mailchimp, Substack, Buttondown, "
                "listmonk, Ghost or Brevo export; --map COLUMN=FIELD for other columns)")
    try:
        names = [name.strip() for name in next(reader, [])]
    except csv.Error as exc:
        return [], None, f"the header line cannot be read ({exc}); {expected}"
    unknown_maps = [c for c in maps if c not in names]
    if unknown_maps:
        return [], None, (f"--map names column(s) not in the header: {_short(unknown_maps)}; "
                          f"the header has {_short(names, 200)}")
    header = [maps.get(name, name) for name in names]
    twice = sorted({c for c in header if c and header.count(c) > 1})
    if twice:
        return [], None, f"column(s) named twice: {', '.join(twice)}"
    present = [c for c in header if c]
    shape = recognise(present)
    if shape is None:
        if "email" not in present:
            return [], None, (f"missing column(s): email (the header has "
                              f"{_short(present, 120)}); {expected}")
        unknown = [_short([c]) for c in present if c not in OWN.known and c not in FIELDS]
        return [], None, f"unknown column(s): {', '.join(unknown)}; {expected}"
    return header, shape, ""
def _records(reader: Any, errors: list[tuple[int, str]]) -> Iterator[tuple[int, list[str]]]:
    """(line, fields) of each record; a record the csv module refuses is reported, skipped."""
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            errors.append((reader.line_num, f"this line cannot be read as CSV: {exc}"))
            continue
        yield reader.line_num, fields


def _short(values: Sequence[str], limit: int = 60) -> str:
    text = ", ".join(repr(v) for v in values)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# A plain ASCII local part (RFC 5322 dot-atom): what nearly every address on a list has.
_PLAIN_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*\Z")


class _Addresses:
    """normalise_email with each domain checked once: a list has many people, few domains.

    An address with a plain ASCII local part at a domain email-validator already accepted
    in this file is normalised as email-validator would (lower case); any other address
    goes through normalise_email itself, which also words the errors.
    """

    def __init__(self) -> None:
        self.domains: set[str] = set()

    def __call__(self, text: str) -> str:
        local, _, domain = text.rpartition("@")
        if (domain.lower() in self.domains and len(local) <= 64 and len(text) <= 254
                and text.isascii() and _PLAIN_LOCAL.match(local)):
            return text.lower()
        email = normalise_email(text)
        if email.isascii():
            self.domains.add(email.rpartition("@")[2])
        return email


def _status(record: Mapping[str, str]) -> str:
    return _unquote(record.get("status") or "").strip().lower() or "active"


def _row(line: int, record: Mapping[str, str], address: _Addresses) -> SubscriberRow | None:
    """A checked row; None for a row that is rightly left out (pending, forgotten)."""
    def value(key: str, limit: int = 1_000) -> str:
        text = _unquote(record.get(key) or "").strip()
        if _UNFIT.search(text):  # one search for the three cases: most rows have none
            if _NOT_UTF8.search(text):
                raise SubscriberError(f"{key} is not UTF-8 text")
            if "\r" in text or "\n" in text:
                raise SubscriberError(f"{key} contains a line break")
            raise SubscriberError(f"{key} contains a control character")
        if len(text) > limit:
            raise SubscriberError(f"{key} longer than {limit} characters")
        return text

    status = _status(record)
    if status in SKIPPED_STATUSES:
        return None  # before the address: a forgotten row's is forgotten-N@invalid
    if status not in IMPORT_STATUSES:
        raise SubscriberError(f"status must be one of {', '.join(IMPORT_STATUSES)}, "
                              f"got {_short([status])}")
    email = address(value("email", 320))
    language = value("language").lower() or None
    if language and language not in LANGUAGES:
        raise SubscriberError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")
    timezone = value("timezone", MAX_ZONE_NAME) or None
    if timezone and zone_named(timezone) is None:
        raise SubscriberError(f"unknown time zone {_short([timezone])} (an IANA name like "
                              "Europe/Paris)")
    name = value("name", 200)
    # ";" as documented, "," as the store keeps them (and the export writes them)
    sections = ",".join(s.strip() for s in re.split(r"[;,]", value("sections")) if s.strip())
    return SubscriberRow(line, email, name, language, sections, timezone,
                         value("consent_source", 100) or "import",
                         _date(value("consent_date")), status,
                         value("consent_ip", 64) or None, value("consent_user_agent", 500) or None,
                         value("consent_text_version", 50) or None)


def _date(text: str) -> datetime | None:
    """A consent date as ISO 8601 or as the tools above write it; UTC when no offset."""
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        for form in _DATE_FORMATS:
            try:
                parsed = datetime.strptime(text, form)
                break
            except ValueError:
                continue
        else:
            raise SubscriberError(f"consent_date is not a date: {text!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _unquote(text: str) -> str:
    """A cell as exported: the ' put before a would-be formula comes off again."""
    return text[1:] if text[:1] == "'" and text[1:2] in FORMULA_STARTS else text


def address_hash(secret: bytes, email: str) -> str:
    """A keyed hash of an address: proves "this address left" without keeping it."""
    return hmac.new(secret, b"suppression:" + email.encode(), hashlib.sha256).hexdigest()


def forget(store: Store, secret: bytes, address: str, now: datetime) -> bool:
    """Erase a subscriber (GDPR art. 17); the address can never be imported again."""
    email = normalise_email(address)
    subscriber = store.find_subscriber(email)
    if subscriber is None:
        return False
    store.forget_subscriber(subscriber.id, address_hash(secret, email), now)
    return True


EXPORT_FIELDS = ("id", "email", "name", "language", "sections", "timezone", "status",
                 "consent_source", "consent_at", "consent_ip", "consent_user_agent",
                 "consent_text_version", "created_at", "updated_at")


# What a subscriber may leave unset: null in the JSON export (an empty cell in the CSV).
_UNSET_AS_NULL = ("language", "timezone", "consent_source", "consent_at", "consent_ip",
                  "consent_user_agent", "consent_text_version")


def export_rows(store: Store, status: str | None = None) -> list[dict[str, Any]]:
    """Every subscriber with preferences and consent record, typed: the id a number, the
    sections a list, what is not set None, the dates aware datetimes."""
    return [_exported(row) for row in store.list_subscribers(status)]


def _exported(row: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: row.get(k) for k in EXPORT_FIELDS}
    out.update({k: None for k in _UNSET_AS_NULL if out[k] == ""})
    out["sections"] = [s.strip() for s in str(out["sections"] or "").split(",") if s.strip()]
    return out


def write_export(rows: list[dict[str, Any]], kind: str) -> str:
    """JSON typed as `subscribers list --json` (numbers, lists, null; dates as text, as
    there); CSV as text (sections joined with ","), every cell a spreadsheet would run as a
    formula defused."""
    if kind == "json":
        return json.dumps(rows, default=str, ensure_ascii=False, indent=2) + "\n"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: _defused(_cell(v)) for k, v in row.items()} for row in rows)
    return out.getvalue()


def _cell(value: Any) -> str:
    """A typed export value as the CSV writes it (and `subscribers import` reads it back)."""
    if value is None:
        return ""
    return ",".join(value) if isinstance(value, list) else str(value)


def _defused(cell: str) -> str:
    """A leading ' makes Excel, LibreOffice and Google Sheets show the cell as text."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def import_csv(store: Store, path: Path, *, now: datetime, dry_run: bool = False,
               secret: bytes | None = None, maps: Mapping[str, str] | None = None
               ) -> ImportReport:
    """Import the good rows of a CSV file; report the bad ones by line number.

    The file is ours (as `subscribers export` writes it) or another tool's export, told
    apart by its header (shapes.py); ``maps`` renames columns (``--map``). An address that
    left the list (unsubscribed, bounced, complained, forgotten) is never brought back, and
    the report says which of these it was; people who left the other tool are added with
    their status (never as active), so no later import brings them back either. Rows are
    looked up and inserted a chunk at a time (store.add_subscribers); a row the store
    refuses fails alone.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SubscriberError(f"cannot read {path}: {exc.strerror or exc}") from exc
    # Bytes that are not UTF-8 fail their own row (surrogates), not the whole file.
    text = raw.decode("utf-8", errors="surrogateescape")
    as_csv = _json_export_as_csv(text, path)
    reading = read_list(as_csv if as_csv is not None else text, maps)
    rows = reading.rows
    report = ImportReport(errors=reading.errors, warnings=reading.warnings,
                          skipped=reading.skipped, shape=reading.shape, ignored=reading.ignored)
    if as_csv is not None:  # CSV line n is the export's item n - 1 (line 1: the header)
        report.unit = "item"
        for found in (report.errors, report.warnings, report.skipped):
            found[:] = [(line - 1, why) for line, why in found]
    for start in range(0, len(rows), IMPORT_CHUNK):
        _import_chunk(store, rows[start : start + IMPORT_CHUNK], report, now=now,
                      dry_run=dry_run, secret=secret)
    report.errors.sort()
    return report


def _json_export_as_csv(text: str, path: Path) -> str | None:
    """Our JSON export (`subscribers export --format json`: a list of objects) as the CSV
    export would have written it, for the one reader of lists; None when ``text`` is not
    JSON (a CSV file never starts with "[")."""
    body = text.lstrip("\ufeff \t\r\n")
    if not body.startswith("["):
        return None
    try:
        items = json.loads(body)
    except json.JSONDecodeError as exc:
        raise SubscriberError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}): "
                              f"{exc.msg}") from exc
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise SubscriberError(f"{path}: a JSON list of subscribers is a list of objects, as "
                              "`subscribers export --format json` writes it")
    columns = list(dict.fromkeys(str(k) for item in items for k in item))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([_cell(item.get(c)) for c in columns] for item in items)
    return out.getvalue()


def _import_chunk(store: Store, rows: list[SubscriberRow], report: ImportReport, *,
                  now: datetime, dry_run: bool, secret: bytes | None) -> None:
    statuses = store.subscriber_statuses([r.email for r in rows])
    hashes = {r.email: address_hash(secret, r.email) for r in rows
              if secret and r.email not in statuses}
    reasons = store.suppression_reasons(list(hashes.values())) if hashes else {}
    new: list[SubscriberRow] = []
    for row in rows:
        status = statuses.get(row.email)
        suppressed = reasons.get(hashes.get(row.email, ""))
        if status == "active" and row.status != "active":
            report.refused.append((row.email, f"{row.status} in the file but active here: not "
                                              "changed (`subscribers remove` if they left)"))
        elif status == "active":
            report.already.append(row.email)
        elif status is not None:
            report.refused.append((row.email, f"{status}: not re-subscribed"))
        elif suppressed is not None:
            report.refused.append((row.email, SUPPRESSED.get(
                suppressed, f"on the suppression list ({suppressed}): not re-subscribed")))
        else:
            new.append(row)
    left = {r.email: r.status for r in new if r.status != "active"}
    if dry_run:
        report.added += [r.email for r in new if r.email not in left]
        report.left += list(left.items())
        return
    done = store.add_subscribers([_values(r) for r in new], now)
    report.added += [e for e in done.added if e not in left]
    report.left += [(e, left[e]) for e in done.added if e in left]
    report.already += done.existing  # added meanwhile by someone else
    lines = {r.email: r.line for r in new}
    report.errors += [(lines[email], f"not stored: {reason}") for email, reason in done.failed]


def _values(row: SubscriberRow) -> dict[str, Any]:
    return dict(email=row.email, name=row.name, language=row.language, sections=row.sections,
                timezone=row.timezone, consent_source=row.consent_source,
                consent_at=row.consent_at, status=row.status, consent_ip=row.consent_ip,
                consent_user_agent=row.consent_user_agent,
                consent_text_version=row.consent_text_version)
