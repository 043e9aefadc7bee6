"""The newcomer's path: `newsletter demo` from any folder, then every other command on its data."""

from __future__ import annotations

import re
import subprocess
from datetime import date
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from newsletter.config import load_config
from newsletter.tokens import UNSUBSCRIBE, Tokens
from tests.conftest import DEMO_DATE, parse_eml, run_cli

Demo = tuple[Path, subprocess.CompletedProcess[str]]


def test_demo_reports_and_exits_1_for_the_broken_feed(demo_run: Demo) -> None:
    out, result = demo_run
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    report = result.stdout
    assert "feeds:   10 ok, 1 failed" in report
    assert re.search(r"FAILED http://127\.0\.0\.1:\d+/feeds/broken\.xml: ", report)
    seen = int(re.search(r"stories: (\d+) seen", report).group(1))  # type: ignore[union-attr]
    assert seen >= 20
    assert re.search(r"items:\s+\d+ chosen \+ \d+ in brief · reading time [1-5] min", report)
    assert "messages: 5 written, 0 failed" in report


def test_demo_leaves_its_files(demo_run: Demo) -> None:
    out, _ = demo_run
    assert (out / "newsletter.sqlite3").is_file()
    assert (out / "preview.html").is_file()
    assert len(list((out / "outbox").glob("*.eml"))) == 5  # one per line of sample.csv
    config = load_config(out / "newsletter.toml")
    assert config.database_url == f"sqlite:///{out / 'newsletter.sqlite3'}"
    assert "NL__UNSUBSCRIBE" not in (out / "preview.html").read_text(encoding="utf-8")


def emls(out: Path) -> list[Path]:
    return sorted((out / "outbox").glob("*.eml"))


def test_every_eml_is_well_formed(demo_run: Demo) -> None:
    out, _ = demo_run
    ids = set()
    unsubscribe_urls = set()
    secret = (out / "secret.key").read_text().strip().encode()
    for path in emls(out):
        msg = parse_eml(path)
        assert msg.get_content_type() == "multipart/alternative"
        parts = list(msg.iter_parts())
        assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
        assert all(p.get_content_charset() == "utf-8" for p in parts)
        for name in ("From", "To", "Subject", "Date", "Message-ID"):
            assert len(msg.get_all(name) or []) == 1, (path, name)
        assert msg["Message-ID"].endswith("@news.example.org>")
        ids.add(msg["Message-ID"])
        assert msg["List-Id"] == "Le Brief <le-brief.news.example.org>"
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        raw = BytesParser(policy=policy.compat32).parsebytes(path.read_bytes())
        value = raw["List-Unsubscribe"]
        assert "=?" not in value
        # The demo reads no unsubscribe mailbox, so it offers no mailto (README, unsubscribes).
        https = re.fullmatch(r"<(https://[^>]+)>", value).group(1)  # type: ignore[union-attr]
        unsubscribe_urls.add(https)
        token = urlsplit(https).path.rsplit("/", 1)[1]
        subscriber_id = Tokens(secret).read(UNSUBSCRIBE, token)
        assert path.name.endswith(f"-{subscriber_id:06d}.eml")
        assert "@" not in token
        text, html = parts[0].get_content(), parts[1].get_content()
        assert https in text and f'href="{https}"' in html
    assert len(ids) == len(unsubscribe_urls) == 5


def test_html_part_content(demo_run: Demo) -> None:
    out, _ = demo_run
    msg = parse_eml(emls(out)[0])
    html = list(msg.iter_parts())[1]
    body = html.get_content()
    assert len(html.get_payload(decode=False).encode()) < 100_000  # as encoded in the message
    assert "<link" not in body and "<script" not in body
    assert "vendredi 27 novembre 2026" in body
    minutes = int(re.search(r"(\d) min de lecture", body).group(1))  # type: ignore[union-attr]
    assert 1 <= minutes <= 5
    assert "12 rue Exemple, Casablanca, Maroc" in body
    assert "Se désabonner" in body
    assert "!important" in body and 'style="' in body
    stories = re.findall(r'<h3 class="headline"[^>]*><a [^>]*href="(https://[^"]+)"', body)
    assert len(stories) >= 5
    summaries = re.findall(r'<p class="summary"[^>]*>([^<]+)</p>', body)
    assert len(summaries) == len(stories) and all(len(s.split()) >= 8 for s in summaries)
    sources = re.findall(r'<p class="meta"[^>]*><a [^>]*>([^<]+)</a>', body)
    assert len(sources) == len(stories)
    text = list(msg.iter_parts())[0].get_content()
    for url in stories:
        assert url.replace("&amp;", "&") in text


def test_other_commands_work_on_the_demo_config(demo_run: Demo, tmp_path: Path) -> None:
    out, _ = demo_run
    cfg = ["--config", str(out / "newsletter.toml")]
    env = {"NEWSLETTER_SECRET": "", "NEWSLETTER_CONFIG": ""}
    listing = run_cli("subscribers", "list", *cfg, cwd=tmp_path, env=env)
    assert listing.returncode == 0 and "amina.berrada@example.org" in listing.stdout
    status = run_cli("status", *cfg, cwd=tmp_path, env=env)
    assert status.returncode == 0 and "run" in status.stdout
    preview = run_cli("preview", "--date", DEMO_DATE.isoformat(), *cfg, cwd=tmp_path, env=env)
    assert preview.returncode == 0 and preview.stdout.strip().endswith(".txt")
    send = run_cli("send", "--date", DEMO_DATE.isoformat(), *cfg, cwd=tmp_path, env=env)
    assert send.returncode == 0 and "already done 5" in send.stdout
    again = run_cli("run", "--date", DEMO_DATE.isoformat(), *cfg, cwd=tmp_path, env=env)
    assert again.returncode == 1  # the broken feed, still
    assert "nothing to send" in again.stdout and "messages: 0 written" in again.stdout
    assert len(emls(out)) == 5
    check = run_cli("check-config", *cfg, cwd=tmp_path, env=env)
    assert check.returncode == 0, check.stderr
    feeds = run_cli("feeds", "check", *cfg, cwd=tmp_path, env=env)
    assert "FAILING" in feeds.stdout and feeds.stdout.count("/feeds/") == 11


def test_each_subscriber_gets_their_language(tmp_path: Path) -> None:
    result = run_cli("demo", "--out", str(tmp_path / "d"), "--date", "2026-11-27",
                     "--language", "en", cwd=tmp_path,
                     env={"NEWSLETTER_SECRET": "",
                          "NEWSLETTER_DEMO_EDITOR_PASSWORD": "chosen-by-the-reader"})
    assert result.returncode == 1, result.stderr
    assert desk_password(result) == "chosen-by-the-reader"
    by_address = {}
    for path in (tmp_path / "d" / "outbox").glob("*.eml"):
        msg = parse_eml(path)
        by_address[msg["To"].addresses[0].addr_spec] = list(msg.iter_parts())[1].get_content()
    english = by_address["claire.dubois@example.com"]  # no language of her own: the newsletter's
    assert "Friday, November 27, 2026" in english and "min read" in english
    assert '<html lang="en"' in english
    def stories(html: str) -> list[str]:
        return re.findall(r'<h3 class="headline"[^>]*><a [^>]*href="([^"]+)"', html)

    assert stories(by_address["sarah.okoye@example.net"]) == stories(english)
    assert "Good morning Sarah," in by_address["sarah.okoye@example.net"]
    assert "Good morning Claire," in english
    french = by_address["amina.berrada@example.org"]  # chose French
    assert '<html lang="fr"' in french and "vendredi 27 novembre 2026" in french


# -- what the demo leaves to work with (issue 18, point 1) ---------------------------------

DRAFT_DATE = "2026-11-28"  # the day after DEMO_DATE


def demo_copy(out: Path, tmp_path: Path) -> Path:
    """A copy of the session's demo folder, for tests that change its store."""
    import shutil

    copy = tmp_path / "demo"
    shutil.copytree(out, copy)
    return copy


def test_the_config_pins_the_draft_day_and_the_draft_waits(demo_run: Demo) -> None:
    from newsletter import pipeline
    from newsletter.store import Store

    out, _ = demo_run
    config = load_config(out / "newsletter.toml")
    assert config.demo.issue_date == DRAFT_DATE
    assert pipeline.today(config).isoformat() == DRAFT_DATE
    assert config.editor.require_approval and config.editor.on_deadline == "skip"
    store = Store.open(config.database_url, create=False)
    try:
        sent = store.issue_editions(DEMO_DATE)
        draft = store.issue_editions(date.fromisoformat(DRAFT_DATE))
        assert {e["status"] for e in sent.values()} == {"sent"}
        assert draft and {e["status"] for e in draft.values()} == {"draft"}
        assert not any(e["approved_by"] for e in draft.values())
        # The draft is built from the samples republished a day later: new stories.
        day2 = store.issue_briefing(date.fromisoformat(DRAFT_DATE), "fr")
        day1 = store.issue_briefing(DEMO_DATE, "fr")
        assert day1 and day2 and len(day2["items"]) >= 5
        assert {i["url"] for i in day2["items"]}.isdisjoint(i["url"] for i in day1["items"])
        assert any("/2026/11/28/" in i["url"] for i in day2["items"])
    finally:
        store.close()


def test_the_demo_prints_the_desk_line_and_what_to_try(demo_run: Demo) -> None:
    out, result = demo_run
    cfg = out / "newsletter.toml"
    assert re.search(rf"^desk: +newsletter serve --config {re.escape(str(cfg))}  then "
                     r"http://127\.0\.0\.1:8025/editor/  \(editor / \S{10,}\)$",
                     result.stdout, re.M), result.stdout
    assert f"export NEWSLETTER_CONFIG={cfg}" in result.stdout
    assert f"pins today to {DRAFT_DATE}" in result.stdout
    assert f"--date {DEMO_DATE}" in result.stdout
    for command in ("newsletter preview", "newsletter rank --explain", "newsletter send-test",
                    "newsletter approve --as editor", "newsletter send"):
        assert f"  {command}" in result.stdout


def desk_password(result: subprocess.CompletedProcess[str]) -> str:
    found = re.search(r"\(editor / (\S+)\)$", result.stdout, re.M)
    assert found, result.stdout
    return found.group(1)


def test_commands_without_date_act_on_the_draft(demo_run: Demo, tmp_path: Path) -> None:
    out, _ = demo_run
    copy = demo_copy(out, tmp_path)
    env = {"NEWSLETTER_SECRET": "", "NEWSLETTER_CONFIG": str(copy / "newsletter.toml")}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return run_cli(*args, cwd=tmp_path, env=env)

    preview = cli("preview")
    assert preview.returncode == 0 and f"{DRAFT_DATE}.txt" in preview.stdout, preview.stderr
    rank = cli("rank", "--explain", "--limit", "3")
    assert rank.returncode == 0 and "freshness" in rank.stdout and "  1. " in rank.stdout
    test = cli("send-test", "--to", "you@example.org")
    assert test.returncode == 0 and f"{DRAFT_DATE}-test-" in test.stdout
    refused = cli("send")
    assert refused.returncode != 0 and "not approved" in refused.stderr
    assert not list((copy / "outbox").glob(f"{DRAFT_DATE}-0*.eml"))
    # The hint is a command that works when typed (NAME: the demo's editor).
    hint = re.search(r"`(newsletter approve [^`]+)`", refused.stderr)
    assert hint and hint.group(1) == f"newsletter approve --date {DRAFT_DATE} --as NAME"
    approve = cli(*hint.group(1).replace("NAME", "editor").split()[1:])
    assert approve.returncode == 0 and "as editor" in approve.stdout
    send = cli("send")
    assert send.returncode == 0 and "sent 5" in send.stdout, send.stderr
    assert len(list((copy / "outbox").glob(f"{DRAFT_DATE}-0*.eml"))) == 5


def test_a_stale_issue_hint_names_its_date(demo_run: Demo, tmp_path: Path) -> None:
    out, _ = demo_run
    copy = demo_copy(out, tmp_path)
    cfg = copy / "newsletter.toml"
    text = cfg.read_text(encoding="utf-8")
    cfg.write_text(text.replace("send_window_hours = 0.0", "send_window_hours = 1.0"),
                   encoding="utf-8")
    env = {"NEWSLETTER_SECRET": "", "NEWSLETTER_CONFIG": str(cfg)}
    assert run_cli("approve", "--as", "editor", cwd=tmp_path, env=env).returncode == 0
    stale = run_cli("send", "--date", DRAFT_DATE, cwd=tmp_path, env=env)
    assert stale.returncode != 0 and "past its send window" in stale.stderr
    hint = re.search(r"hint: (newsletter .+?) sends it anyway", stale.stderr)
    assert hint and hint.group(1) == f"newsletter send --date {DRAFT_DATE} --force"
    # "today" is pinned to the draft, but the hint would be right on any day.
    forced = run_cli(*hint.group(1).split()[1:], cwd=tmp_path, env=env)
    assert forced.returncode == 0 and "sent 5" in forced.stdout, forced.stderr


def desk_client(copy: Path, **demo: str) -> tuple[Any, Any]:
    from dataclasses import replace

    from newsletter.store import Store
    from newsletter.web import create_app

    config = load_config(copy / "newsletter.toml")
    config = replace(config, demo=replace(config.demo, **demo))
    store = Store.open(config.database_url, create=False)
    return store, create_app(config, store).test_client()


def log_in(client: Any, password: str) -> Any:
    https = "https://news.example.org"  # the demo's public URL: its cookies are Secure
    page = client.get("/editor/login", base_url=https).data
    token = re.search(rb'name="csrf" value="([0-9a-f]+)"', page)
    assert token, page[:300]
    return client.post("/editor/login", base_url=https,
                       data={"username": "editor", "password": password,
                             "csrf": token.group(1).decode()})


def test_the_editor_account_logs_in_and_lands_on_the_draft(demo_run: Demo,
                                                           tmp_path: Path) -> None:
    out, result = demo_run
    copy = demo_copy(out, tmp_path)
    https = "https://news.example.org"
    store, client = desk_client(copy)
    try:
        assert log_in(client, "wrong password!").status_code == 401
        answer = log_in(client, desk_password(result))
        assert answer.status_code == 302, answer.data[:300]
        landing = client.get("/editor/", base_url=https)
        assert landing.headers["Location"] == f"/editor/issue/{DRAFT_DATE}"
        page = client.get(landing.headers["Location"], base_url=https)
        assert page.status_code == 200
        assert b"/editor/issues" in page.data  # the link to the other issues
        issues = client.get("/editor/issues", base_url=https).data
        assert f"/editor/issue/{DEMO_DATE}".encode() in issues
    finally:
        store.close()


def test_without_a_built_today_the_desk_lands_on_the_newest_draft_then_issue(
        demo_run: Demo, tmp_path: Path) -> None:
    out, result = demo_run
    copy = demo_copy(out, tmp_path)
    https = "https://news.example.org"
    store, client = desk_client(copy, issue_date="2030-01-01")  # nothing built that day
    try:
        assert log_in(client, desk_password(result)).status_code == 302
        assert client.get("/editor/", base_url=https).headers["Location"] == \
            f"/editor/issue/{DRAFT_DATE}"  # the draft, though newer issues might exist
        store.set_issue_status(date.fromisoformat(DRAFT_DATE), "sent")  # no draft left
        store.set_issue_status(DEMO_DATE, "sent")
        assert client.get("/editor/", base_url=https).headers["Location"] == \
            f"/editor/issue/{DRAFT_DATE}"  # the newest issue
    finally:
        store.close()


def test_republished_samples_are_new_stories_with_their_pages() -> None:
    import requests

    from newsletter.demo import SampleFeedServer
    from newsletter.demo.articles import article_path

    def items(shift: int) -> tuple[list[str], list[str], str]:
        with SampleFeedServer(0, shift_days=shift) as server:
            xml = requests.get(f"{server.base_url}/feeds/quotidien-atlas.xml", timeout=5).text
            links = re.findall(r"<link>(https://[^<]+/\d{4}/\d\d/\d\d/[^<]+)</link>", xml)
            page = requests.get(server.base_url + article_path(links[0]), timeout=5)
            assert page.status_code == 200, links[0]
            return links, re.findall(r"<guid[^>]*>([^<]+)</guid>", xml), page.text

    links0, ids0, page0 = items(0)
    links1, ids1, page1 = items(1)
    assert len(links1) == len(links0) >= 10 and set(links1).isdisjoint(links0)
    assert set(ids1).isdisjoint(ids0)
    assert "/2026/11/28/" in links1[0] and page1 == page0  # same article, a day later


def test_a_pinned_date_must_be_a_date(tmp_path: Path) -> None:
    import pytest

    from newsletter.config import config_from_dict
    from newsletter.errors import ConfigError

    with pytest.raises(ConfigError, match=r"\[demo\] issue_date must be a date like 2026-11-27, "
                                          r"got 'tomorrow'"):
        config_from_dict({"demo": {"issue_date": "tomorrow"}}, source="x.toml", base_dir=tmp_path)
