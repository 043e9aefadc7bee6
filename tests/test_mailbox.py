"""The mailto unsubscribe: offered only when its mailbox is configured, and it works.

Requests are delivered into a real Maildir (mailbox.Maildir) in tmp_path, shaped as a
mail client sends a List-Unsubscribe mailto; the store is real (SQLite and PostgreSQL).
"""

from __future__ import annotations

import json
import mailbox
import re
from datetime import UTC, date, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from newsletter import pipeline
from newsletter.cli import main
from newsletter.config import Config
from newsletter.errors import ConfigError, NewsletterError
from newsletter.models import RenderedIssue, Subscriber
from newsletter.people.mailbox import RESULT_HEADER, process_maildir
from newsletter.store import Store
from newsletter.tokens import CONFIRM, UNSUBSCRIBE, Tokens
from tests.conftest import SECRET, make_config, new_store

NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)
MAILBOX = "unsubscribe@news.example.org"
ISSUE = RenderedIssue(
    issue_date=date(2026, 11, 29), language="fr", subject="Le Brief du 29 novembre",
    preheader="p", html='<html><body><a href="NL__UNSUBSCRIBE_URL__NL">Se désabonner</a></body></html>',
    text="Se désabonner : NL__UNSUBSCRIBE_URL__NL\n")


def list_unsubscribe(config: Config, subscriber: Subscriber) -> str:
    """The raw List-Unsubscribe header of the message `send` would hand over."""
    data = pipeline.message_factory(config, ISSUE).build(subscriber, NOW).data
    value = BytesParser(policy=policy.compat32).parsebytes(data)["List-Unsubscribe"]
    assert isinstance(value, str) and "=?" not in value
    return value


def mailto_of(config: Config, subscriber: Subscriber) -> str:
    match = re.fullmatch(r"<https://[^>]+>, <(mailto:[^>]+)>", list_unsubscribe(config, subscriber))
    assert match, "no mailto after the https URL"
    return match.group(1)


def request(mailto: str, sender: str, *, subject_prefix: str = "") -> EmailMessage:
    """What a mail client sends for a mailto: URI (To and Subject taken from it)."""
    parts = urlsplit(mailto)
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = parts.path
    msg["Subject"] = subject_prefix + parts.query.removeprefix("subject=")
    msg.set_content("This message was sent to unsubscribe you from the list.")
    return msg


def plain(subject: str, sender: str = "someone@example.org") -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, MAILBOX, subject
    msg.set_content("hello")
    return msg


# -- the header --------------------------------------------------------------------------


def test_without_a_mailbox_only_the_https_one_click_url_is_sent(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    value = list_unsubscribe(config, Subscriber(7, "amina@example.org"))
    assert re.fullmatch(r"<https://news\.example\.org/unsubscribe/[A-Za-z0-9_.-]+>", value), value
    parts = pipeline.message_factory(config, ISSUE).build(
        Subscriber(7, "amina@example.org"), NOW, with_parts=True, mime=False).parts
    assert parts is not None
    assert dict(parts.headers)["List-Unsubscribe"] == value  # the HTTP providers' too


def test_with_a_mailbox_the_mailto_follows_the_https_url_with_the_same_token(tmp_path: Path) -> None:
    config = make_config(tmp_path, delivery={"unsubscribe_mailbox": MAILBOX})
    value = list_unsubscribe(config, Subscriber(7, "amina@example.org"))
    https, mailto = re.fullmatch(r"<(https://[^>]+)>, <(mailto:[^>]+)>", value).groups()  # type: ignore[union-attr]
    token = https.rsplit("/", 1)[1]
    assert mailto == f"mailto:{MAILBOX}?subject=unsubscribe-{token}"
    assert Tokens(SECRET.encode()).read(UNSUBSCRIBE, token) == 7


@pytest.mark.parametrize("bad", ["unsubscribe", "a b@example.org", "u@example.org?x=1",
                                 "<u@example.org>", "désabo@example.org", "u@example.org, v@x.org"])
def test_a_mailbox_that_is_not_a_plain_address_is_refused(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ConfigError, match=r"\[delivery\] unsubscribe_mailbox"):
        make_config(tmp_path, delivery={"unsubscribe_mailbox": bad})


# -- reading the mailbox -----------------------------------------------------------------


def test_requests_unsubscribe_by_token_and_move_to_done(tmp_path: Path, store: Store) -> None:
    config = make_config(tmp_path, delivery={"unsubscribe_mailbox": MAILBOX})
    ids = [store.add_subscriber(f"s{i}@example.org", now=NOW)[0] for i in range(4)]
    subs = [store.get_subscriber(i) for i in ids]
    assert all(subs)
    a, b, c, d = (s for s in subs if s)
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    box.add(request(mailto_of(config, a), a.email))
    box.add(request(mailto_of(config, b), b.email, subject_prefix="Re: "))
    box.add(request(mailto_of(config, b), b.email))  # sent twice
    report = process_maildir(store, Tokens(SECRET.encode()), tmp_path / "Maildir", now=NOW)
    assert sorted(report.unsubscribed) == sorted([a.id, b.id]) and report.already == [b.id]
    assert report.left == []
    for s, status in ((a, "unsubscribed"), (b, "unsubscribed"), (c, "active"), (d, "active")):
        assert store.subscriber_status(s.email) == status
    assert len(box) == 0
    done = box.get_folder("done")
    assert len(done) == 3
    results = sorted(str(m[RESULT_HEADER]).split(";")[0] for m in done)
    assert results == sorted([f"unsubscribed subscriber {a.id} (mailto)",
                              f"unsubscribed subscriber {b.id} (mailto)",
                              f"subscriber {b.id} already unsubscribed (mailto)"])
    assert all("S" in m.get_flags() and m.get_subdir() == "cur" for m in done)
    # Again: nothing left to do, nothing changes.
    again = process_maildir(store, Tokens(SECRET.encode()), tmp_path / "Maildir", now=NOW)
    assert (again.unsubscribed, again.already, again.left) == ([], [], [])
    assert len(done) == 3 and store.subscriber_status(c.email) == "active"


def test_forged_or_foreign_tokens_unsubscribe_nobody(tmp_path: Path, store: Store) -> None:
    config = make_config(tmp_path, delivery={"unsubscribe_mailbox": MAILBOX})
    sid = store.add_subscriber("target@example.org", now=NOW)[0]
    target = store.get_subscriber(sid)
    assert target
    mailto = mailto_of(config, target)
    token = mailto.rsplit("unsubscribe-", 1)[1]
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")  # one character of the signature
    other_purpose = Tokens(SECRET.encode()).make(CONFIRM, sid)
    other_secret = Tokens(b"another-secret-" + b"y" * 40).make(UNSUBSCRIBE, sid)
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    keys = [box.add(plain(f"unsubscribe-{forged}")), box.add(plain(f"unsubscribe-{other_purpose}")),
            box.add(plain(f"unsubscribe-{other_secret}")), box.add(plain("Question about the list")),
            box.add(plain(f"unsubscribe-{Tokens(SECRET.encode()).make(UNSUBSCRIBE, 999_999)}"))]
    report = process_maildir(store, Tokens(SECRET.encode()), tmp_path / "Maildir", now=NOW)
    assert report.unsubscribed == [] and report.already == []
    reasons = dict(report.left)
    assert set(reasons) == set(keys)
    for key in keys[:3]:
        assert reasons[key] == "the token in the subject is invalid or was altered"
    assert reasons[keys[3]] == "no unsubscribe-<token> in the subject"
    assert "subscriber 999999 no longer exists" in reasons[keys[4]]
    assert store.subscriber_status("target@example.org") == "active"
    assert sorted(box.keys()) == sorted(keys)  # left where they were, untouched
    assert len(box.get_folder("done")) == 0


def test_a_folder_that_is_not_a_maildir_is_refused(tmp_path: Path, store: Store) -> None:
    (tmp_path / "plain").mkdir()
    with pytest.raises(NewsletterError, match="not a Maildir"):
        process_maildir(store, Tokens(SECRET.encode()), tmp_path / "plain", now=NOW)


def test_command_end_to_end(tmp_path: Path) -> None:
    toml = tmp_path / "newsletter.toml"
    toml.write_text('[store]\nurl = "sqlite:///db.sqlite3"\n'
                    f'[delivery]\nunsubscribe_mailbox = "{MAILBOX}"\n', encoding="utf-8")
    cfg = str(new_store(toml))
    runner = CliRunner()

    def cli(*args: str) -> tuple[int, str]:
        result = runner.invoke(main, [*args, "--config", cfg], catch_exceptions=False)
        return result.exit_code, result.output

    for address in ("amina@example.org", "julien@example.org"):
        assert cli("subscribers", "add", address)[0] == 0
    from newsletter.config import load_config

    config = load_config(toml)
    store = pipeline.open_store(config)
    rows = {r["email"]: r["id"] for r in store.list_subscribers()}
    amina = store.get_subscriber(rows["amina@example.org"])
    assert amina
    maildir = tmp_path / "Maildir"
    box = mailbox.Maildir(maildir, create=True)
    box.add(request(mailto_of(config, amina), amina.email))
    junk = box.add(plain("unsubscribe-not.a.token"))

    code, out = cli("unsubscribes", "process", "--maildir", str(maildir), "--dry-run")
    assert code == 0 and "would unsubscribe 1" in out
    assert store.subscriber_status("amina@example.org") == "active" and len(box) == 2

    code, out = cli("unsubscribes", "process", "--maildir", str(maildir))
    assert code == 0, out
    assert "unsubscribed 1, already off the list 0 (moved to done), left in the mailbox 1" in out
    assert f"left {junk}: the token in the subject is invalid or was altered" in out
    code, out = cli("subscribers", "list", "--status", "unsubscribed")
    assert "amina@example.org" in out and "julien" not in out
    code, out = cli("unsubscribes", "process", "--maildir", str(maildir), "--json")
    assert json.loads(out)["unsubscribed"] == [] and len(json.loads(out)["left"]) == 1
    # And the next send leaves her out (GMAIL-04).
    assert [s.email for batch in store.active_subscribers() for s in batch] == ["julien@example.org"]
    store.close()

    code, out = cli("unsubscribes", "process", "--maildir", str(tmp_path / "nowhere"))
    assert code == 1 and "not a Maildir" in out
