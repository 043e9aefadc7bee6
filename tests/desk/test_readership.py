"""Readership figures: joined from briefing, ledger and clicks; shown on the desk as ranges;
exported as CSV and JSON (desk download and `newsletter readership export`)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from newsletter import pipeline
from newsletter.cli import main
from newsletter.config import Config, load_config
from newsletter.desk import readership
from newsletter.desk.accounts import add_editor
from newsletter.models import ClickCount, DeliveryStatus
from newsletter.store import Store
from newsletter.web import create_app
from tests.compose.test_checks import briefing, item
from tests.conftest import make_config

DAY = date(2026, 11, 29)
NOW = datetime(2026, 11, 29, 5, 0, tzinfo=UTC)
SENT = datetime(2026, 11, 29, 7, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
EN = ["harbour reopens after the storm", "=HYPERLINK(\"http://x.example\",\"parliament\")",
      "derby ends in a draw", "museum opens a new wing"]
T = {"readership_fewer_than": "fewer than {n}", "readership_under": "under {rate}"}


def stories(language: str) -> tuple[tuple[object, ...], tuple[object, ...]]:
    sections = ["World", "Politics", "Sport", "Culture"]
    made = [item(n, headline=f"{EN[n - 1]} ({language})", section=sections[n - 1],
                 source="Daily" if n % 2 else "Gazette") for n in range(1, 5)]
    return tuple(made[:3]), (made[3],)


def deliver(store: Store, day: date, ids: list[int], status: DeliveryStatus) -> None:
    store.claim_deliveries(day, [(i, f"<{day}-{i}@news.example>") for i in ids], SENT)
    store.record_deliveries(day, [(i, status, "") for i in ids], SENT)


def sent_day(config: Config, store: Store, day: date = DAY, *, subscribers: int = 150,
             french: int = 30) -> None:
    """Both editions stored and sent: ``subscribers`` with no language (+ 5 who chose
    Arabic, which has no edition: they get English), ``french`` who chose French; 3 of the
    English deliveries failed."""
    for language in ("en", "fr"):
        items, brief = stories(language)
        b = briefing(issue_date=day, language=language, items=items, in_brief=brief)
        store.save_issue(pipeline.render_briefing(config, b), pipeline.briefing_to_dict(b), NOW)
    rows = [{"email": f"{day}-{lang or 'x'}-{i}@example.org", "language": lang}
            for lang, n in ((None, subscribers), ("ar", 5), ("fr", french)) for i in range(n)]
    store.add_subscribers(rows, NOW)
    ids = {r["email"]: r["id"] for r in store.list_subscribers()}
    wanted = [ids[r["email"]] for r in rows]
    deliver(store, day, wanted[3:], DeliveryStatus.SENT)
    deliver(store, day, wanted[:3], DeliveryStatus.FAILED)
    store.set_issue_status(day, "sent")


def clicks(store: Store, day: date = DAY) -> None:
    hour = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=8)
    store.add_clicks([
        ClickCount(day, "en", "s1", hour, "reader", 25),
        ClickCount(day, "en", "s1", hour + timedelta(hours=1), "reader", 12),
        ClickCount(day, "en", "s2", hour, "reader", 37),  # ties s1: they share click rank 1
        ClickCount(day, "en", "s3", hour, "reader", 4),
        ClickCount(day, "en", "s4", hour, "reader", 11),
        ClickCount(day, "en", "s1", hour, "robot", 6),
        ClickCount(day, "en", "s3", hour, "robot", 3),
        ClickCount(day, "fr", "s3", hour, "reader", 2),
    ])


def setup(tmp_path: Path) -> tuple[Config, Store]:
    config = make_config(tmp_path, newsletter={"language": "en", "public_url": "http://localhost"},
                         readership={"clicks": True})
    store = Store.open(config.database_url)
    sent_day(config, store)
    clicks(store)
    return config, store


def test_figures_join_the_briefing_the_ledger_and_the_clicks(tmp_path: Path) -> None:
    config, store = setup(tmp_path)
    assert readership.delivered_by_edition(config, store, DAY) == {"en": 152, "fr": 30}
    en = readership.edition_figures(config, store, DAY, "en")
    assert en is not None and en.delivered == 152 and en.robots == 9 and en.clicks == 89
    by_id = {s.story_id: s for s in en.stories}
    assert [(s.rank, s.clicks, s.robots, s.brief) for s in en.stories] == [
        (1, 37, 6, False), (2, 37, 0, False), (3, 4, 3, False), (4, 11, 0, True)]
    assert by_id["s1"].section == "World" and by_id["s2"].source == "Gazette"
    # click ranks: ties share the better one; under 10 clicks, none
    assert [(s.story_id, s.click_rank) for s in en.by_clicks()] == [
        ("s1", 1), ("s2", 1), ("s4", 3), ("s3", None)]
    assert [(r.section, r.stories, r.clicks) for r in en.sections()][:2] == [
        ("World", 1, 37), ("Politics", 1, 37)]
    fr = readership.edition_figures(config, store, DAY, "fr")
    assert fr is not None and fr.delivered == 30 and fr.clicks == 2 and fr.robots == 0
    # what a ranking on the morning after could know: clicks of the hours before it
    early = readership.edition_figures(config, store, DAY, "en",
                                       until=datetime(2026, 11, 29, 9, 0, tzinfo=UTC))
    assert early is not None and {s.story_id: s.clicks for s in early.stories}["s1"] == 25
    assert readership.edition_figures(config, store, DAY, "ar") is None


def test_small_numbers_are_ranges() -> None:
    count, rate = readership.count_text, readership.rate_text
    assert [count(n, T) for n in (0, 1, 9, 10, 12345)] == [
        "0", "fewer than 10", "fewer than 10", "10", "12\u202f345"]
    assert rate(50, 99, T) == "—"  # too few delivered to say anything
    assert rate(0, 1000, T) == "0\u202f%"
    assert rate(4, 1000, T) == "under 1.0\u202f%"  # what 10 clicks would have made
    assert rate(37, 152, T) == "17–34\u202f%"  # the 95 % range of 37 clicks
    assert rate(150, 5000, T) == "2.5–3.5\u202f%"  # as precise as the figure: 3.0 %
    assert rate(10_000, 100_000, T) == "10\u202f%"  # both ends round alike: one figure
    # the Poisson range is within 1 % of the exact (Garwood) interval from 10 clicks
    for n, (low, high) in {10: (4.7954, 18.3904), 37: (26.0514, 50.9998)}.items():
        got = readership.poisson_range(n)
        assert got[0] == pytest.approx(low, rel=0.01) and got[1] == pytest.approx(high, rel=0.01)


def desk(tmp_path: Path) -> tuple[Config, Store, FlaskClient]:
    config, store = setup(tmp_path)
    add_editor(store, "amina", PASSWORD, "amina@example.org", NOW)
    client = create_app(config, store).test_client()
    page = client.get("/editor/login").data
    token = re.search(rb'name="csrf" value="([0-9a-f]+)"', page)
    assert token
    answer = client.post("/editor/login", data={"username": "amina", "password": PASSWORD,
                                                "csrf": token.group(1).decode()})
    assert answer.status_code == 302
    return config, store, client


def cells(html: str) -> list[list[str]]:
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S)
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
            for r in rows]


def test_the_desk_shows_an_edition_s_readers_as_ranges(tmp_path: Path) -> None:
    config, store, client = desk(tmp_path)
    assert create_app(config, store).test_client().get(
        f"/editor/issue/{DAY}/readership").status_code == 302  # a login first
    issue = client.get(f"/editor/issue/{DAY}").get_data(as_text=True)
    assert f'href="/editor/issue/{DAY}/readership?lang=en"' in issue
    listed = client.get("/editor/issues").get_data(as_text=True)
    assert f'href="/editor/issue/{DAY}/readership?lang=fr"' in listed
    answer = client.get(f"/editor/issue/{DAY}/readership")
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert "Readership of the 2026-11-29 issue" in html
    assert "152<small>delivered messages</small>" in html
    assert "89<small>reader clicks</small>" in html
    # robots apart, in one line; 9 is a small number too
    assert "fewer than 10 automated clicks excluded (link scanners, prefetchers)." in html
    rows = cells(html)
    stories = [r for r in rows if len(r) == 8]
    # most clicked first: click rank, rank, readers vs rank, headline, section, source, …
    assert [r[:3] for r in stories] == [["1", "1", "="], ["1", "2", "▲ 1"], ["3", "4", "▲ 1"],
                                        ["—", "3", "—"]]
    assert stories[3][3].startswith("derby ends in a draw") and stories[3][6] == "fewer than 10"
    assert stories[3][7] == "under 6.6\u202f%"
    assert stories[0][6] == "37" and stories[0][7] == "17–34\u202f%"
    sections = [r for r in rows if len(r) == 4]
    assert sections[0] == ["World", "1", "37", "17–34\u202f%"]
    assert "95 % range" in html and "never who clicked" in html
    assert 'href="/editor/readership.csv?day=2026-11-29"' in html
    # the French edition: 30 delivered, under 100: click-through not shown
    fr = cells(client.get(f"/editor/issue/{DAY}/readership?lang=fr").get_data(as_text=True))
    fr_rows = {r[3]: r[6:] for r in fr if len(r) == 8}
    assert fr_rows["derby ends in a draw (fr)"] == ["fewer than 10", "—"]
    assert fr_rows["harbour reopens after the storm (fr)"] == ["0", "—"]
    assert client.get(f"/editor/issue/{DAY}/readership?lang=ar").status_code == 404
    assert client.get("/editor/issue/2026-13-01/readership").status_code == 404


def test_an_unsent_edition_and_counting_off_say_so(tmp_path: Path) -> None:
    config = make_config(tmp_path, newsletter={"language": "en", "public_url": "http://localhost"})
    store = Store.open(config.database_url)
    b = briefing()
    store.save_issue(pipeline.render_briefing(config, b), pipeline.briefing_to_dict(b), NOW)
    add_editor(store, "amina", PASSWORD, "amina@example.org", NOW)
    client = create_app(config, store).test_client()
    token = re.search(rb'name="csrf" value="([0-9a-f]+)"', client.get("/editor/login").data)
    assert token
    client.post("/editor/login", data={"username": "amina", "password": PASSWORD,
                                       "csrf": token.group(1).decode()})
    issue = client.get(f"/editor/issue/{DAY}").get_data(as_text=True)
    assert "/readership" not in issue  # a draft: no link
    html = client.get(f"/editor/issue/{DAY}/readership").get_data(as_text=True)
    assert "has not been sent" in html and "Click counting is off" in html


def test_the_desk_download_is_the_export(tmp_path: Path) -> None:
    _, store, client = desk(tmp_path)
    answer = client.get(f"/editor/readership.csv?day={DAY}")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert 'filename="readership-2026-11-29.csv"' in answer.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert len(rows) == 8  # 4 stories × 2 editions
    first = rows[0]
    assert {k: first[k] for k in ("issue_date", "language", "delivered", "rank", "story_id",
                                  "section", "reader_clicks", "robot_clicks", "brief")} == {
        "issue_date": "2026-11-29", "language": "en", "delivered": "152", "rank": "1",
        "story_id": "s1", "section": "World", "reader_clicks": "37", "robot_clicks": "6",
        "brief": "false"}
    assert float(first["click_through"]) == pytest.approx(37 / 152, abs=1e-6)
    # a headline that a spreadsheet would run as a formula is defused
    assert rows[1]["headline"].startswith("'=HYPERLINK(")
    data = json.loads(client.get("/editor/readership.json").get_data(as_text=True))
    assert data[1]["headline"].startswith("=HYPERLINK(")  # JSON keeps the text as it is
    assert data[0]["reader_clicks"] == 37 and data[0]["click_through"] == round(37 / 152, 6)
    assert client.get("/editor/readership.xml").status_code == 404
    assert client.get("/editor/readership.csv?since=2026-12-01").get_data(as_text=True) \
        .count("\n") == 1  # the header alone
    store.close()


def test_cli_export_writes_csv_and_json_since_a_date(tmp_path: Path) -> None:
    path = tmp_path / "newsletter.toml"
    path.write_text('[store]\nurl = "sqlite:///db.sqlite3"\n[newsletter]\nlanguage = "en"\n'
                    '[delivery]\noutbox_dir = "outbox"\n', encoding="utf-8")
    config = load_config(path)
    store = Store.open(config.database_url)
    sent_day(config, store, DAY - timedelta(days=1), subscribers=10, french=0)
    sent_day(config, store)
    clicks(store)
    out = tmp_path / "clicks.csv"
    result = CliRunner().invoke(main, ["readership", "export", "--config", str(path),
                                       "--since", str(DAY), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and "8 stories of 2 editions" in result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {r["issue_date"] for r in rows} == {"2026-11-29"}
    assert rows[1]["headline"].startswith("'=HYPERLINK(")
    every = CliRunner().invoke(main, ["readership", "export", "--config", str(path),
                                      "--format", "json"])
    assert every.exit_code == 0, every.output
    data = json.loads(every.output)
    assert len(data) == 16 and data[0]["issue_date"] == "2026-11-28"
    assert data[0]["delivered"] == 12 and data[0]["reader_clicks"] == 0  # 10 + 5 - 3 failed
    bad = CliRunner().invoke(main, ["readership", "export", "--config", str(path),
                                    "--since", "yesterday"])
    assert bad.exit_code == 2 and "'yesterday' is not a date" in bad.output
