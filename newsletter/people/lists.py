"""Subscriber lists: reading and checking CSV files, and importing the good rows."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..config import LANGUAGES
from ..errors import SubscriberError
from ..models import normalise_email
from ..store import Store

COLUMNS = ("email", "name", "language", "sections", "timezone", "consent_source", "consent_date")


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


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (email, reason): left or bounced
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)


def read_csv(text: str) -> tuple[list[SubscriberRow], list[tuple[int, str]]]:
    """Valid rows and (line, reason) for each bad one; duplicates keep their first row."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in ("email",) if c not in (reader.fieldnames or [])]
    if missing:
        return [], [(1, f"missing column(s): {', '.join(missing)}; expected {', '.join(COLUMNS)}")]
    unknown = [c for c in reader.fieldnames or [] if c not in COLUMNS]
    if unknown:
        return [], [(1, f"unknown column(s): {', '.join(unknown)}; expected {', '.join(COLUMNS)}")]
    rows, errors, seen = [], [], set()
    for record in reader:
        line = reader.line_num
        try:
            row = _row(line, record)
        except SubscriberError as exc:
            errors.append((line, exc.message))
            continue
        if row.email in seen:
            errors.append((line, f"duplicate of an earlier row: {row.email}"))
            continue
        seen.add(row.email)
        rows.append(row)
    return rows, errors


def _row(line: int, record: dict[str, str | None]) -> SubscriberRow:
    def value(key: str) -> str:
        raw = record.get(key)
        if isinstance(raw, list):
            raise SubscriberError("too many fields on this line")
        text = (raw or "").strip()
        if "\r" in text or "\n" in text:
            raise SubscriberError(f"{key} contains a line break")
        return text

    email = normalise_email(value("email"))
    language = value("language").lower() or None
    if language and language not in LANGUAGES:
        raise SubscriberError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")
    timezone = value("timezone") or None
    if timezone:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise SubscriberError(f"unknown time zone {timezone!r}") from exc
    consent_at = None
    if value("consent_date"):
        try:
            parsed = datetime.fromisoformat(value("consent_date"))
        except ValueError as exc:
            raise SubscriberError(f"consent_date is not a date: {value('consent_date')!r}") from exc
        consent_at = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    name = value("name")
    if len(name) > 200:
        raise SubscriberError("name longer than 200 characters")
    sections = ",".join(s.strip() for s in value("sections").split(";") if s.strip())
    return SubscriberRow(line, email, name, language, sections, timezone,
                         value("consent_source") or "import", consent_at)


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


def export_rows(store: Store, status: str | None = None) -> list[dict[str, str]]:
    """Every subscriber with preferences and consent record, as text."""
    return [{k: "" if row.get(k) is None else str(row[k]) for k in EXPORT_FIELDS}
            for row in store.list_subscribers(status)]


def write_export(rows: list[dict[str, str]], kind: str) -> str:
    if kind == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def import_csv(store: Store, path: Path, *, now: datetime, dry_run: bool = False,
               secret: bytes | None = None) -> ImportReport:
    """Import the good rows of a CSV file; report the bad ones by line number.

    An address that left the list (unsubscribed, bounced, complained) is never brought back.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SubscriberError(f"cannot read {path}: {exc}") from exc
    rows, errors = read_csv(text)
    report = ImportReport(errors=errors)
    for row in rows:
        status = store.subscriber_status(row.email)
        if status is None and secret and store.is_suppressed(address_hash(secret, row.email)):
            report.refused.append((row.email, "forgotten at their request: not re-subscribed"))
            continue
        if status is None:
            if not dry_run:
                store.add_subscriber(
                    row.email, name=row.name, language=row.language, sections=row.sections,
                    timezone=row.timezone, consent_source=row.consent_source,
                    consent_at=row.consent_at, now=now)
            report.added.append(row.email)
        elif status == "active":
            report.already.append(row.email)
        else:
            report.refused.append((row.email, f"{status}: not re-subscribed"))
    return report
