"""The newcomer's path: `newsletter demo` from any folder, then every other command on its data."""

from __future__ import annotations

import re
import subprocess
from email import policy
from email.parser import BytesParser
from pathlib import Path
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
                     "--language", "en", cwd=tmp_path, env={"NEWSLETTER_SECRET": ""})
    assert result.returncode == 1, result.stderr
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
