"""The list: import, export, forget (right to erasure) and never bringing leavers back."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from newsletter.cli import main
from newsletter.people.lists import forget
from newsletter.store import Store
from tests.conftest import SECRET, new_store

SAMPLE = Path(__file__).parent.parent / "subscribers" / "sample.csv"


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def config(tmp_path: Path) -> str:
    path = tmp_path / "newsletter.toml"
    path.write_text('[store]\nurl = "sqlite:///db.sqlite3"\n', encoding="utf-8")
    return str(new_store(path))


def test_export_has_preferences_and_consent(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    cli("subscribers", "import", str(SAMPLE), "--config", cfg)
    code, out = cli("subscribers", "export", "--format", "json", "--config", cfg)
    rows = json.loads(out)
    amina = next(r for r in rows if r["email"] == "amina.berrada@example.org")
    assert amina["language"] == "fr" and amina["sections"] == ["Politique", "Économie"]
    assert amina["consent_source"] == "form" and amina["consent_at"].startswith("2026-10-02")
    code, out = cli("subscribers", "export", "--config", cfg)
    assert out.splitlines()[0].startswith("id,email,name,language,sections,timezone,status")
    assert len(out.splitlines()) == 6


def test_forget_erases_and_blocks_reimport(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    cli("subscribers", "import", str(SAMPLE), "--config", cfg)
    code, out = cli("subscribers", "forget", "Julien.Morel@example.org", "--yes", "--config", cfg)
    assert code == 0
    code, out = cli("subscribers", "export", "--format", "json", "--config", cfg)
    assert "julien" not in out.lower() and "Morel" not in out
    assert any(r["status"] == "forgotten" for r in json.loads(out))
    code, out = cli("subscribers", "import", str(SAMPLE), "--config", cfg)
    assert "added 0" in out and "julien.morel@example.org: forgotten" in out
    code, out = cli("subscribers", "forget", "nobody@example.org", "--yes", "--config", cfg)
    assert code == 1


def test_import_dry_run_changes_nothing_and_list_filters_by_status(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    code, out = cli("subscribers", "import", str(SAMPLE), "--dry-run", "--config", cfg)
    assert code == 0 and "5" in out
    code, out = cli("subscribers", "list", "--json", "--config", cfg)
    assert json.loads(out) == []  # the dry run stored nobody
    cli("subscribers", "import", str(SAMPLE), "--config", cfg)
    cli("subscribers", "remove", "julien.morel@example.org", "--config", cfg)
    code, out = cli("subscribers", "list", "--status", "unsubscribed", "--json", "--config", cfg)
    assert [r["email"] for r in json.loads(out)] == ["julien.morel@example.org"]
    code, out = cli("subscribers", "list", "--status", "active", "--json", "--config", cfg)
    assert len(json.loads(out)) == 4


def run(*args: str) -> Result:
    """The CLI as a user runs it: exceptions become output and an exit code."""
    return CliRunner().invoke(main, list(args))


def assert_no_traceback(result: Result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output


def test_one_bad_row_never_stops_the_good_ones(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    csv = tmp_path / "list.csv"
    huge = "y" * 200_000  # past the csv module's field limit (131,072)
    csv.write_bytes(
        b"email,name,timezone\n"
        b"first@example.org,First,Africa/Casablanca\n"
        + f"huge@example.org,{huge},\n".encode()
        + b"zone@example.org,Zone,Europe\n"
        + b"long-zone@example.org,Long," + b"x" * 5_000 + b"\n"
        + b"latin1@example.org,Ren\xe9,\n"
        + b"nul@example.org,N\x00ul,\n"
        + b"last@example.org,Last,UTC\n")
    result = run("subscribers", "import", str(csv), "--config", cfg)
    assert_no_traceback(result)
    assert result.exit_code == 1
    assert "added 2," in result.output and "bad rows 5" in result.output
    assert f"{csv}:3: this line cannot be read as CSV: field larger than field limit" in result.output
    assert f"{csv}:4: unknown time zone 'Europe'" in result.output
    assert f"{csv}:5: timezone longer than 64 characters" in result.output
    assert f"{csv}:6: name is not UTF-8 text" in result.output
    assert f"{csv}:7: name contains a control character" in result.output
    code, out = cli("subscribers", "list", "--json", "--config", cfg)
    assert [r["email"] for r in json.loads(out)] == ["first@example.org", "last@example.org"]


def test_extra_fields_refuse_a_shifted_row_and_warn_about_empty_ones(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    csv = tmp_path / "list.csv"
    csv.write_text("email,name,language\n"
                   "shifted@example.org,Doe, Jane,fr\n"  # a comma outside quotes
                   "trailing@example.org,Trail,en,,\n"  # a spreadsheet's empty cells
                   "quoted@example.org,\"Doe, John\",fr\n", encoding="utf-8")
    result = run("subscribers", "import", str(csv), "--config", cfg)
    assert_no_traceback(result)
    assert result.exit_code == 1 and "added 2," in result.output and "warnings 1" in result.output
    assert f"{csv}:2: 4 fields but 3 columns: extra 'fr'" in result.output
    assert f"{csv}:3: warning: 2 empty field(s) past the last column ignored" in result.output
    code, out = cli("subscribers", "list", "--json", "--config", cfg)
    rows = {r["email"]: r for r in json.loads(out)}
    assert set(rows) == {"trailing@example.org", "quoted@example.org"}
    assert rows["quoted@example.org"]["name"] == "Doe, John"


FORMULAS = ['=HYPERLINK("https://evil.example/","Cliquez")', "+33 6 12", "-2+3", "@SUM(A1)",
            "\tTab", "Plain"]


def test_csv_export_defuses_formulas_and_round_trips(tmp_path: Path) -> None:
    """Names typed into the public sign-up form reach the export as they were typed."""
    cfg = config(tmp_path)
    store = Store.open(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    now = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    for i, name in enumerate(FORMULAS):
        store.add_subscriber(f"p{i}@example.org", name=name, now=now,
                             consent_source="=1+1" if i == 0 else "form")
    code, out = cli("subscribers", "export", "--config", cfg)
    exported = list(csv.DictReader(io.StringIO(out)))
    names = [r["name"] for r in exported]
    assert names == ["'" + n if n[0] in "=+-@\t" else n for n in FORMULAS]
    assert exported[0]["consent_source"] == "'=1+1"
    assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for r in exported for v in r.values())
    code, out = cli("subscribers", "export", "--format", "json", "--config", cfg)
    assert [r["name"] for r in json.loads(out)] == FORMULAS  # JSON keeps the values as stored
    # The exported file imports into a new list as the same people (the ' comes off again).
    again = tmp_path / "again"
    again.mkdir()
    cfg2 = config(again)
    back = again / "export.csv"
    back.write_text(
        "email,name,consent_source\n" + "".join(
            f"{r['email']},{_quoted(r['name'])},{_quoted(r['consent_source'])}\n" for r in exported),
        encoding="utf-8")
    assert cli("subscribers", "import", str(back), "--config", cfg2)[0] == 0
    code, out = cli("subscribers", "export", "--format", "json", "--config", cfg2)
    assert [r["name"] for r in json.loads(out)] == [n.strip() for n in FORMULAS]  # import strips


def _quoted(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def test_import_says_why_an_address_is_suppressed(tmp_path: Path) -> None:
    from newsletter.people.bounces import apply_events
    from newsletter.webhooks.base import COMPLAINT, HARD_BOUNCE, WebhookEvent

    cfg = config(tmp_path)
    secret = SECRET.encode()
    store = Store.open(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    now = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    apply_events(store, secret, [
        WebhookEvent("mailgun", "e1", HARD_BOUNCE, "dead@example.org", now),
        WebhookEvent("mailgun", "e2", COMPLAINT, "angry@example.org", now),
    ], soft_limit=3, now=now)
    store.add_subscriber("erased@example.org", now=now)
    forget(store, secret, "erased@example.org", now)
    csv_path = tmp_path / "list.csv"
    csv_path.write_text("email\ndead@example.org\nangry@example.org\nerased@example.org\n"
                        "new@example.org\n", encoding="utf-8")
    code, out = cli("subscribers", "import", str(csv_path), "--config", cfg)
    assert "added 1," in out and "refused 3" in out
    assert "refused dead@example.org: the address bounced" in out
    assert "refused angry@example.org: they reported the newsletter as spam" in out
    assert "refused erased@example.org: forgotten at their request" in out
    assert "dead@example.org: forgotten" not in out and "angry@example.org: forgotten" not in out


EXPORTS = Path(__file__).parent / "people" / "exports"


def listed(cfg: str) -> dict[str, dict[str, Any]]:
    code, out = cli("subscribers", "export", "--format", "json", "--config", cfg)
    return {r["email"]: r for r in json.loads(out)}


def test_our_csv_export_imports_unchanged_into_a_fresh_store(tmp_path: Path) -> None:
    """Round trip: export, import into a new store: the same people, sections, languages,
    statuses and consent records (the store gives them new ids and dates of its own)."""
    cfg = config(tmp_path)
    store = Store.open(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    now = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    store.add_subscriber("a@example.org", name="=Ali, \"A\"", language="ar",
                         sections="Politique,Économie", timezone="Africa/Casablanca",
                         consent_source="form", consent_at=now, now=now,
                         consent_ip="192.0.2.1", consent_user_agent="Mozilla/5.0 (X11)",
                         consent_text_version="v3")
    store.add_subscriber("b@example.org", name="Bea", language="en", consent_source="cli", now=now)
    store.add_subscriber("gone@example.org", consent_source="import", now=now)
    store.add_subscriber("forget.me@example.org", consent_source="cli", now=now)
    cli("subscribers", "remove", "gone@example.org", "--config", cfg)
    cli("subscribers", "forget", "forget.me@example.org", "--yes", "--config", cfg)
    before = listed(cfg)
    exported = tmp_path / "export.csv"
    assert cli("subscribers", "export", "--out", str(exported), "--config", cfg)[0] == 0

    again = tmp_path / "again"
    again.mkdir()
    cfg2 = config(again)
    result = run("subscribers", "import", str(exported), "--config", cfg2)
    assert_no_traceback(result)
    assert result.exit_code == 0, result.output
    assert "added 2, added as not active 1," in result.output
    assert "skipped 1" in result.output and ":5: skipped: forgotten" in result.output
    after = listed(cfg2)
    kept = ("email", "name", "language", "sections", "timezone", "status", "consent_source",
            "consent_at", "consent_ip", "consent_user_agent", "consent_text_version")
    assert set(after) == set(before) - {e for e in before if e.startswith("forgotten-")}
    for email, row in after.items():
        assert {k: row[k] for k in kept} == {k: before[email][k] for k in kept}, email
    assert after["a@example.org"]["sections"] == ["Politique", "Économie"]
    assert after["gone@example.org"]["status"] == "unsubscribed"


def test_sections_read_with_semicolons_or_commas(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    path = tmp_path / "list.csv"
    path.write_text('email,sections\na@example.org,Politique;Sport\nb@example.org,"Sport, Culture"\n',
                    encoding="utf-8")
    assert cli("subscribers", "import", str(path), "--config", cfg)[0] == 0
    rows = listed(cfg)
    assert rows["a@example.org"]["sections"] == ["Politique", "Sport"]
    assert rows["b@example.org"]["sections"] == ["Sport", "Culture"]


# (file, tool, {email: status or None when not imported}, line numbers reported, consent)
TOOLS = [
    ("mailchimp_subscribed.csv", "Mailchimp",
     {"salma.idrissi@example.org": "active", "tom.lefevre@example.net": "active"},
     {":4: skipped: no opt-in time", ":5: invalid email address 'not-an-address'"},
     ("salma.idrissi@example.org", "2025-03-02 09:12:40", "192.0.2.10", "Salma Idrissi")),
    ("mailchimp_unsubscribed.csv", "Mailchimp", {"gone.reader@example.org": "unsubscribed"},
     set(), ("gone.reader@example.org", "2024-01-05 08:01:00", None, "Gone Reader")),
    ("mailchimp_cleaned.csv", "Mailchimp", {"dead.box@example.org": "bounced"}, set(), None),
    ("substack_email_list.csv", "Substack",
     {"nadia.amrani@example.org": "active", "paid.reader@example.com": "active",
      "muted.reader@example.net": "unsubscribed"}, set(),
     ("nadia.amrani@example.org", "2024-09-14 07:31:02.113000", None, "")),
    ("buttondown.csv", "Buttondown",
     {"karim.bennani@example.org": "active", "left.buttondown@example.org": "unsubscribed"},
     {":4: skipped: unactivated"}, ("karim.bennani@example.org", "2025-01-20 11:00:00", None, "")),
    ("listmonk.csv", "listmonk",
     {"ines.haddad@example.org": "active", "blocked.reader@example.net": "unsubscribed"}, set(),
     ("ines.haddad@example.org", "2025-03-03 09:00:00.123000", None, "Inès Haddad")),
    ("ghost_members.csv", "Ghost",
     {"youssef.alami@example.org": "active", "quiet.member@example.org": "unsubscribed"}, set(),
     ("youssef.alami@example.org", "2025-05-05 05:05:05", None, "Youssef Alami")),
    ("brevo_contacts.csv", "Brevo",
     {"leila.tazi@example.org": "active", "hamza.berrada@example.net": "active"}, set(),
     ("leila.tazi@example.org", "2025-02-14 08:30:00", None, "Leïla Tazi")),
]


@pytest.mark.parametrize(("name", "tool", "statuses", "lines", "consent"), TOOLS,
                         ids=[t[0] for t in TOOLS])
def test_other_tools_exports_are_recognised_and_leavers_stay_out(
        tmp_path: Path, name: str, tool: str, statuses: dict[str, str], lines: set[str],
        consent: tuple[str, str, str | None, str] | None) -> None:
    cfg = config(tmp_path)
    path = EXPORTS / name
    result = run("subscribers", "import", str(path), "--config", cfg)
    assert_no_traceback(result)
    assert f"read as a {tool} export" in result.output
    assert result.exit_code == (1 if any("skipped" not in x for x in lines) else 0), result.output
    for fragment in lines:
        assert f"{path}{fragment}" in result.output
    rows = listed(cfg)
    assert {e: r["status"] for e, r in rows.items()} == statuses
    # nobody who left the other tool is sent to
    code, out = cli("subscribers", "list", "--status", "active", "--json", "--config", cfg)
    assert {r["email"] for r in json.loads(out)} == {e for e, s in statuses.items() if s == "active"}
    if consent:
        email, when, ip, full_name = consent
        row = rows[email]
        assert row["consent_at"] == when + "+00:00" and row["consent_ip"] == ip  # null when unset
        assert row["consent_source"] == f"import:{tool.lower()}" and row["name"] == full_name
    if tool == "listmonk":
        assert rows["ines.haddad@example.org"]["language"] == "ar"


def test_substack_dashboard_shape_and_map_for_anything_else(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    dash = tmp_path / "substack.csv"
    dash.write_text("Email,Name,Subscription type,Subscription date\n"
                    "amal@example.org,Amal,Free,\"Oct 2, 2025\"\n", encoding="utf-8")
    result = run("subscribers", "import", str(dash), "--config", cfg)
    assert "read as a Substack export" in result.output and result.exit_code == 0
    assert listed(cfg)["amal@example.org"]["consent_at"] == "2025-10-02 00:00:00+00:00"
    other = tmp_path / "other.csv"
    other.write_text("Courriel,Prénom,Nom,Langue,Rubriques,Source\n"
                     "zineb@example.org,Zineb,Fassi,fr,Sport;Culture,salon\n", encoding="utf-8")
    result = run("subscribers", "import", str(other), "--config", cfg)
    assert result.exit_code == 1 and "missing column(s): email (the header has 'Courriel'" \
        in result.output
    assert "--map COLUMN=FIELD" in result.output
    result = run("subscribers", "import", str(other), "--config", cfg, "--map", "Courriel=email",
                 "--map", "Prénom=first_name", "--map", "Nom=last_name", "--map",
                 "Langue=language", "--map", "Rubriques=sections", "--map", "Source=")
    assert result.exit_code == 0, result.output
    row = listed(cfg)["zineb@example.org"]
    assert (row["name"], row["language"], row["sections"]) == ("Zineb Fassi", "fr", ["Sport", "Culture"])
    result = run("subscribers", "import", str(other), "--config", cfg, "--map", "Courriel=mail")
    assert result.exit_code == 2 and "unknown field 'mail'" in result.output
    # a Mailchimp column mapped onto one of our fields
    result = run("subscribers", "import", str(EXPORTS / "mailchimp_subscribed.csv"), "--config",
                 cfg, "--map", "CC=timezone", "--dry-run")
    assert "unknown time zone 'MA'" in result.output


def test_an_unsubscribe_in_the_file_never_touches_someone_active_here(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    cli("subscribers", "add", "quiet.member@example.org", "--config", cfg)
    result = run("subscribers", "import", str(EXPORTS / "ghost_members.csv"), "--config", cfg)
    assert "refused quiet.member@example.org: unsubscribed in the file but active here" in \
        result.output
    assert listed(cfg)["quiet.member@example.org"]["status"] == "active"


def test_forget_asks_first(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    cli("subscribers", "import", str(SAMPLE), "--config", cfg)
    # not at a terminal and no --yes: refused, nothing erased
    result = run("subscribers", "forget", "julien.morel@example.org", "--config", cfg)
    assert result.exit_code == 2 and "--yes" in result.output
    assert "julien.morel@example.org" in listed(cfg)
    # at a terminal: asked; "n" keeps them, "y" erases
    assert _forget_at_a_terminal(cfg, tmp_path, "n\n")[0] == 1
    assert "julien.morel@example.org" in listed(cfg)
    code, out = _forget_at_a_terminal(cfg, tmp_path, "y\n")
    assert code == 0 and "Erase julien.morel@example.org" in out and "forgotten:" in out
    assert "julien.morel@example.org" not in listed(cfg)


def _forget_at_a_terminal(cfg: str, cwd: Path, answer: str) -> tuple[int, str]:
    import os
    import pty
    import subprocess
    import sys

    main_fd, tty_fd = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "newsletter", "subscribers", "forget",
             "julien.morel@example.org", "--config", cfg],
            stdin=tty_fd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=cwd)
        os.write(main_fd, answer.encode())
        out, _ = proc.communicate(timeout=60)
    finally:
        os.close(main_fd)
        os.close(tty_fd)
    return proc.returncode, out.decode()


@pytest.mark.parametrize("args", [
    ("subscribers", "list", "--status", "bogus"),
    ("subscribers", "export", "--status", "bogus"),
    ("subscribers", "export", "--format", "xml"),
    ("subscribers", "add", "x@example.org", "--language", "de"),
])
def test_choices_are_validated(tmp_path: Path, args: tuple[str, ...]) -> None:
    result = run(*args, "--config", config(tmp_path))
    assert result.exit_code == 2
    assert "Invalid value" in result.output
    if "--status" in args:
        assert "'active'" in result.output and "'unsubscribed'" in result.output
