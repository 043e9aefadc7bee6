"""The subscriber files `subscribers import` reads: ours, and other tools' exports.

Each shape is recognised from its header row and turns one raw row (column → cell) into our
fields. Where each tool's column names come from is cited in subscribers/README.md. A row
gets a ``status`` (active, unsubscribed, bounced, complained) or a ``skip`` reason: people
who left the other tool are never imported as active.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass

# What a row may carry into the store (``--map COLUMN=FIELD`` targets these; an empty FIELD
# ignores the column). first_name and last_name are joined into name.
FIELDS = ("email", "name", "first_name", "last_name", "language", "sections", "timezone",
          "status", "consent_source", "consent_date", "consent_ip", "consent_user_agent",
          "consent_text_version")
# Statuses an import can carry; pending sign-ups and forgotten people are skipped.
IMPORT_STATUSES = ("active", "unsubscribed", "bounced", "complained")
SKIPPED_STATUSES = {
    "pending": "a sign-up never confirmed: no consent to carry over",
    "forgotten": "forgotten (right to erasure): nothing left to import",
}

Raw = Mapping[str, str]


@dataclass(frozen=True)
class Shape:
    """One kind of file: how to recognise it and how to read a row."""

    name: str
    signature: frozenset[str]  # columns that must all be in the header
    convert: Callable[[Raw], dict[str, str]]  # raw row → our fields (+ "skip" or "error")
    known: frozenset[str]  # columns it reads; the others are ignored (listed in the report)
    strict: bool = False  # unknown columns are an error (our own format)


def _truthy(text: str) -> bool:
    return text.strip().lower() in ("true", "1", "yes", "y")


def _join(*parts: str) -> str:
    return " ".join(p.strip() for p in parts if p and p.strip())


# -- ours ----------------------------------------------------------------------------

OWN_COLUMNS = ("email", "name", "language", "sections", "timezone", "status", "consent_source",
               "consent_date", "consent_at", "consent_ip", "consent_user_agent",
               "consent_text_version")
OWN_IGNORED = ("id", "created_at", "updated_at")  # our export's; the store sets its own


def _own(raw: Raw) -> dict[str, str]:
    out = {k: v for k, v in raw.items() if k in OWN_COLUMNS}
    if not out.get("name") and (raw.get("first_name") or raw.get("last_name")):
        out["name"] = _join(raw.get("first_name", ""), raw.get("last_name", ""))
    if "consent_at" in out:  # the export's name for consent_date
        out["consent_date"] = out.pop("consent_at") or out.get("consent_date", "")
    return out


# -- Mailchimp: one file per status (subscribed, unsubscribed, cleaned) -------------------

def _mailchimp(raw: Raw) -> dict[str, str]:
    out = {"email": raw.get("Email Address", ""),
           "name": _join(raw.get("First Name", ""), raw.get("Last Name", "")),
           "consent_date": raw.get("CONFIRM_TIME") or raw.get("OPTIN_TIME") or "",
           "consent_ip": raw.get("CONFIRM_IP") or raw.get("OPTIN_IP") or "",
           "consent_source": "import:mailchimp"}
    if (raw.get("CLEAN_TIME") or "").strip():
        out["status"] = "bounced"  # "cleaned": hard bounces
    elif (raw.get("UNSUB_TIME") or "").strip():
        out["status"] = "unsubscribed"
    elif not out["consent_date"].strip():
        out["skip"] = "no opt-in time (OPTIN_TIME, CONFIRM_TIME) in the Mailchimp export"
    return out


# -- Substack: the settings export (email_list.*.csv) and the dashboard's CSV ----------------

def _substack(raw: Raw) -> dict[str, str]:
    out = {"email": raw.get("email") or raw.get("Email") or "",
           "name": raw.get("Name", ""),
           "consent_date": raw.get("created_at") or raw.get("Subscription date") or "",
           "consent_source": "import:substack"}
    if _truthy(raw.get("email_disabled", "")):
        out["status"] = "unsubscribed"  # the reader turned emails off
    return out


# -- Buttondown --------------------------------------------------------------------------

BUTTONDOWN_LEFT = {"unsubscribed": "unsubscribed", "removed": "unsubscribed",
                   "undeliverable": "bounced", "spammy": "complained"}


def _buttondown(raw: Raw) -> dict[str, str]:
    kind = (raw.get("subscriber_type") or raw.get("type") or "").strip().lower()
    out = {"email": raw.get("email") or raw.get("email_address") or "",
           "consent_date": raw.get("creation_date", ""),
           "consent_ip": raw.get("ip_address", ""),
           "consent_source": "import:buttondown"}
    if kind in BUTTONDOWN_LEFT:
        out["status"] = BUTTONDOWN_LEFT[kind]
    elif kind == "unactivated":
        out["skip"] = "unactivated in Buttondown (never confirmed)"
    return out


# -- listmonk ------------------------------------------------------------------------------

def _listmonk(raw: Raw) -> dict[str, str]:
    out = {"email": raw.get("email", ""), "name": raw.get("name", ""),
           "consent_date": raw.get("created_at", ""), "consent_source": "import:listmonk"}
    status = raw.get("status", "").strip().lower()
    if status in ("blocklisted", "blacklisted", "disabled"):
        out["status"] = "unsubscribed"
    attributes = raw.get("attributes", "").strip()
    if attributes:
        try:
            extra = json.loads(attributes)
        except ValueError:
            out["error"] = f"attributes is not JSON: {attributes[:40]!r}"
            return out
        if isinstance(extra, dict):  # the few attributes we have a place for
            for key in ("language", "timezone"):
                if isinstance(extra.get(key), str):
                    out[key] = extra[key]
    return out


# -- Ghost ---------------------------------------------------------------------------------

def _ghost(raw: Raw) -> dict[str, str]:
    out = {"email": raw.get("email", ""), "name": raw.get("name", ""),
           "consent_date": raw.get("created_at", ""), "consent_source": "import:ghost"}
    if (raw.get("deleted_at") or "").strip():
        out["skip"] = "deleted in Ghost"
    elif not _truthy(raw.get("subscribed_to_emails", "true")):
        out["status"] = "unsubscribed"
    return out


# -- Brevo ---------------------------------------------------------------------------------

def _brevo(raw: Raw) -> dict[str, str]:
    out = {"email": raw.get("EMAIL", ""),
           "name": _join(raw.get("FIRSTNAME", ""), raw.get("LASTNAME", "")),
           "consent_date": raw.get("ADDED_TIME", ""), "consent_source": "import:brevo"}
    if _truthy(raw.get("EMAIL_BLACKLISTED", "")) or _truthy(raw.get("BLACKLISTED", "")):
        out["status"] = "unsubscribed"
    return out


def _cols(*names: str) -> frozenset[str]:
    return frozenset(names)


OWN = Shape("newsletter", _cols("email"), _own,
            _cols(*OWN_COLUMNS, *OWN_IGNORED, "first_name", "last_name"), strict=True)
SHAPES = (
    Shape("Mailchimp", _cols("Email Address", "MEMBER_RATING"), _mailchimp,
          _cols("Email Address", "First Name", "Last Name", "OPTIN_TIME", "OPTIN_IP",
                "CONFIRM_TIME", "CONFIRM_IP", "UNSUB_TIME", "CLEAN_TIME")),
    Shape("Substack", _cols("email", "active_subscription"), _substack,
          _cols("email", "created_at", "email_disabled")),
    Shape("Substack", _cols("email", "email_disabled"), _substack,
          _cols("email", "created_at", "email_disabled")),
    Shape("Substack", _cols("Email", "Subscription date"), _substack,
          _cols("Email", "Name", "Subscription date")),
    Shape("Buttondown", _cols("email", "creation_date"), _buttondown,
          _cols("email", "creation_date", "subscriber_type", "type", "ip_address")),
    Shape("Buttondown", _cols("email_address", "creation_date"), _buttondown,
          _cols("email_address", "creation_date", "subscriber_type", "type", "ip_address")),
    Shape("listmonk", _cols("uuid", "email", "name", "attributes", "status"), _listmonk,
          _cols("email", "name", "attributes", "status", "created_at")),
    Shape("Ghost", _cols("email", "subscribed_to_emails"), _ghost,
          _cols("email", "name", "subscribed_to_emails", "created_at", "deleted_at")),
    Shape("Brevo", _cols("EMAIL"), _brevo,
          _cols("EMAIL", "FIRSTNAME", "LASTNAME", "ADDED_TIME", "EMAIL_BLACKLISTED",
                "BLACKLISTED")),
)


def recognise(header: list[str]) -> Shape | None:
    """Our own format when every column is ours, else the first tool whose columns all fit."""
    columns = set(header)
    if "email" in columns and columns <= OWN.known:
        return OWN
    for shape in SHAPES:
        if shape.signature <= columns:
            return shape
    return None
