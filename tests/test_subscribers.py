"""The list: import, export, forget (right to erasure) and never bringing leavers back."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner, Result

from newsletter.cli import main
from newsletter.people.lists import forget
from newsletter.store import Store
from tests.conftest import SECRET

SAMPLE = Path(__file__).parent.parent / "subscribers" / "sample.csv"


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def config(tmp_path: Path) -> str:
    path = tmp_path / "newsletter.toml"
    path.write_text('[store]\nurl = "sqlite:///db.sqlite3"\n', encoding="utf-8")
    return str(path)


def test_export_has_preferences_and_consent(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    cli("subscribers", "import", str(SAMPLE), "--config", cfg)
    code, out = cli("subscribers", "export", "--format", "json", "--config", cfg)
    rows = json.loads(out)
    amina = next(r for r in rows if r["email"] == "amina.berrada@example.org")
    assert amina["language"] == "fr" and amina["sections"] == "Politique,Économie"
    assert amina["consent_source"] == "form" and amina["consent_at"].startswith("2026-10-02")
    code, out = cli("subscribers", "export", "--config", cfg)
    assert out.splitlines()[0].startswith("id,email,name,language,sections,timezone,status")
    assert len(out.splitlines()) == 6


def test_forget_erases_and_blocks_reimport(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    cli("subscribers", "import", str(SAMPLE), "--config", cfg)
    code, out = cli("subscribers", "forget", "Julien.Morel@example.org", "--config", cfg)
    assert code == 0
    code, out = cli("subscribers", "export", "--format", "json", "--config", cfg)
    assert "julien" not in out.lower() and "Morel" not in out
    assert any(r["status"] == "forgotten" for r in json.loads(out))
    code, out = cli("subscribers", "import", str(SAMPLE), "--config", cfg)
    assert "added 0" in out and "julien.morel@example.org: forgotten" in out
    code, out = cli("subscribers", "forget", "nobody@example.org", "--config", cfg)
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
