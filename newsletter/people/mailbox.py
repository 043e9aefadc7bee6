"""The mailto unsubscribe: its address in List-Unsubscribe, and the reader of that mailbox.

With ``[delivery] unsubscribe_mailbox`` set, each message's List-Unsubscribe carries,
after the one-click https URL that Gmail requires (GMAIL-02, RFC 8058), the mailto that
Yahoo also accepts: ``<mailto:MAILBOX?subject=unsubscribe-TOKEN>``, TOKEN being the same
signed unsubscribe token as the URL's. Unset, only the https URL is sent: a mailto nobody
reads would be a promise not kept (GMAIL-04, UNSUB-07).

``process_maildir`` reads that mailbox (a Maildir, as Dovecot, Postfix's virtual delivery,
getmail or mbsync keep it): a message whose subject holds a valid token unsubscribes its
subscriber with the store call the one-click POST makes, and moves to the ``done`` folder
with an ``X-Newsletter-Unsubscribe`` header saying what it did (reason "mailto"). Any
other message stays where it is, and the report says why. A forged token, or one signed
for another purpose, changes nothing. Unsubscribe tokens never expire (CONSENT-05), as
for the web link. Running it again, or receiving the same request twice, is harmless.
"""

from __future__ import annotations

import contextlib
import email.errors
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import NewsletterError, TokenError
from ..tokens import UNSUBSCRIBE, Tokens

if TYPE_CHECKING:
    import mailbox

    from ..store import Store

SUBJECT_PREFIX = "unsubscribe-"
DONE_FOLDER = "done"
RESULT_HEADER = "X-Newsletter-Unsubscribe"
REASON = "mailto"
# Tokens are itsdangerous' "payload.timestamp.signature", each URL-safe base64.
_TOKEN = re.compile(re.escape(SUBJECT_PREFIX) + r"([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)")
MAX_SUBJECT = 2000  # a longer subject is not a mail client's unsubscribe request


def unsubscribe_mailto(mailbox_address: str, token: str) -> str:
    """The mailto URI of List-Unsubscribe for one subscriber's token."""
    return f"mailto:{mailbox_address}?subject={SUBJECT_PREFIX}{token}"


def tokens_in(subject: str) -> list[str]:
    """The candidate unsubscribe tokens of a subject ("Re:" or other additions allowed)."""
    return _TOKEN.findall(subject[:MAX_SUBJECT])


@dataclass
class MailtoReport:
    """What one pass over the mailbox did; ``left`` holds (message key, reason)."""

    unsubscribed: list[int] = field(default_factory=list)  # subscriber ids
    already: list[int] = field(default_factory=list)  # not active any more: nothing to do
    left: list[tuple[str, str]] = field(default_factory=list)


def process_maildir(store: Store, tokens: Tokens, path: Path, *, now: datetime,
                    dry_run: bool = False) -> MailtoReport:
    """Unsubscribe everyone whose mailto request is in the Maildir at ``path``."""
    import mailbox

    try:
        box = mailbox.Maildir(path, factory=None, create=False)
        box.keys()  # a folder without new/ and cur/ fails here
    except (mailbox.NoSuchMailboxError, FileNotFoundError, NotADirectoryError) as exc:
        raise NewsletterError(f"{path}: not a Maildir (no cur/ and new/ folders)",
                              hint="pass the mailbox's Maildir folder, the one holding cur/, "
                                   "new/ and tmp/") from exc
    done = None if dry_run else _done_folder(box)
    report = MailtoReport()
    for key in sorted(box.keys()):
        try:
            raw = box.get_bytes(key)
        except KeyError:  # taken meanwhile by another run
            continue
        subscriber_id, reason = _requested(tokens, raw)
        if subscriber_id is None:
            report.left.append((key, reason))
            continue
        subscriber = store.get_subscriber(subscriber_id)
        if subscriber is None:
            report.left.append((key, f"valid token, but subscriber {subscriber_id} no longer exists"))
            continue
        if subscriber.status == "active":
            if not dry_run:
                store.set_subscriber_status(subscriber.id, "unsubscribed", now)
            report.unsubscribed.append(subscriber.id)
            outcome = f"unsubscribed subscriber {subscriber.id} ({REASON})"
        else:
            report.already.append(subscriber.id)
            outcome = f"subscriber {subscriber.id} already {subscriber.status} ({REASON})"
        if done is not None:
            _move(box, key, done, f"{outcome}; {now.isoformat()}")
    return report


def _requested(tokens: Tokens, raw: bytes) -> tuple[int | None, str]:
    """The subscriber id a message validly asks to unsubscribe, or None and why not."""
    try:
        subject = BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)["Subject"]
    except (email.errors.MessageError, ValueError, LookupError) as exc:
        return None, f"unreadable headers ({exc})"
    candidates = tokens_in(str(subject or ""))
    if not candidates:
        return None, f"no {SUBJECT_PREFIX}<token> in the subject"
    for token in candidates:
        try:
            return tokens.read(UNSUBSCRIBE, token), ""
        except TokenError:
            continue
    return None, "the token in the subject is invalid or was altered"


def _done_folder(box: mailbox.Maildir) -> mailbox.Maildir:
    if DONE_FOLDER in box.list_folders():
        return box.get_folder(DONE_FOLDER)
    return box.add_folder(DONE_FOLDER)


def _move(box: mailbox.Maildir, key: str, done: mailbox.Maildir, result: str) -> None:
    """Into ``done``, marked seen and with what was done; then out of the inbox.

    In this order, a crash in between leaves the request in both: the next run finds the
    subscriber already unsubscribed and only moves it again.
    """
    try:
        message = box.get_message(key)
    except KeyError:
        return
    message[RESULT_HEADER] = result
    message.set_subdir("cur")
    message.add_flag("S")
    done.add(message)
    with contextlib.suppress(KeyError):  # removed meanwhile by another run
        box.remove(key)
