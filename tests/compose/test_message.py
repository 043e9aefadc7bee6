from __future__ import annotations

from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from email.parser import BytesParser

import pytest

from newsletter.compose import MessageFactory
from newsletter.models import RenderedIssue, Subscriber

NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)
ISSUE = RenderedIssue(
    issue_date=date(2026, 11, 29), language="fr", subject="Tempête : l'été « indien » s'achève",
    preheader="p", html='<!DOCTYPE html><html><body><p>Été</p>'
                        '<a href="NL__UNSUBSCRIBE_URL__NL">Se désabonner</a></body></html>',
    text="Été\nSe désabonner : NL__UNSUBSCRIBE_URL__NL\n")
LONG_TOKEN = "t" * 300


def factory(url_len: int = 40) -> MessageFactory:
    return MessageFactory(
        ISSUE, sender_address="Le Brief <brief@news.example.org>", list_name="Le Brief",
        domain="news.example.org",
        unsubscribe_url=lambda s: f"https://news.example.org/u/{s.id}-" + "t" * url_len,
        unsubscribe_mailto=lambda s: f"mailto:unsubscribe@news.example.org?subject=u-{s.id}")


def test_structure_and_headers() -> None:
    msg = factory().build(Subscriber(7, "amina@example.org", "Amina Bérrada"), NOW)
    parsed = message_from_bytes(msg.data, policy=policy.default)
    assert parsed.get_content_type() == "multipart/alternative"
    parts = list(parsed.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    for name in ("From", "To", "Subject", "Date", "Message-ID", "List-Id", "List-Unsubscribe",
                 "List-Unsubscribe-Post", "MIME-Version"):
        assert len(parsed.get_all(name)) == 1, name
    assert parsed["Subject"] == ISSUE.subject
    assert parsed["To"].addresses[0].display_name == "Amina Bérrada"
    assert parsed["Message-ID"].endswith("@news.example.org>")
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = "https://news.example.org/u/7-" + "t" * 40
    assert url in parts[0].get_content() and f'href="{url}"' in parts[1].get_content()
    assert "Été" in parts[0].get_content()
    assert b"Return-Path" not in msg.data


def test_long_list_headers_have_no_encoded_words() -> None:
    msg = factory(url_len=300).build(Subscriber(1, "a@example.org"), NOW)
    raw = BytesParser(policy=policy.compat32).parsebytes(msg.data)
    for name in ("List-Unsubscribe", "List-Id", "List-Unsubscribe-Post"):
        assert "=?" not in raw[name], name
    assert raw["List-Unsubscribe"].startswith("<https://news.example.org/u/1-" + "t" * 300 + ">")
    assert "<mailto:" in raw["List-Unsubscribe"]
    for line in msg.data.split(b"\r\n"):
        assert len(line) <= 998


def test_message_ids_are_unique() -> None:
    f = factory()
    ids = {f.build(Subscriber(i, f"s{i}@example.org"), NOW).message_id for i in range(2000)}
    assert len(ids) == 2000


def test_line_breaks_in_names_are_refused() -> None:
    with pytest.raises(ValueError, match="line break"):
        factory().build(Subscriber(1, "a@example.org", "Eve\r\nBcc: x@example.org"), NOW)


def test_subject_prefix_for_tests() -> None:
    f = MessageFactory(ISSUE, sender_address="brief@news.example.org", list_name="Le Brief",
                       domain="news.example.org",
                       unsubscribe_url=lambda s: "https://news.example.org/u",
                       subject_prefix="[TEST] ")
    parsed = message_from_bytes(f.build(Subscriber(0, "e@example.org"), NOW).data,
                                policy=policy.default)
    assert parsed["Subject"] == "[TEST] " + ISSUE.subject


def test_parts_decode_to_the_issue_with_the_link_and_lines_stay_short() -> None:
    long_html = ("<p>" + "Été à Agadir, " * 40 + '<a href="NL__UNSUBSCRIBE_URL__NL">x</a>'
                 + " suite " * 30 + "</p>\n") * 3
    issue = RenderedIssue(ISSUE.issue_date, "fr", "S", "p", long_html,
                          "avant " * 20 + "NL__UNSUBSCRIBE_URL__NL" + " après" * 20 + "\n")
    f = MessageFactory(issue, sender_address="brief@news.example.org", list_name="L",
                       domain="news.example.org",
                       unsubscribe_url=lambda s: "https://news.example.org/u/" + "t" * 120 + "?a=1&b=2")
    msg = f.build(Subscriber(1, "a@example.org"), NOW)
    parsed = message_from_bytes(msg.data, policy=policy.default)
    text, html = (p.get_content() for p in parsed.iter_parts())
    url = "https://news.example.org/u/" + "t" * 120 + "?a=1&b=2"
    assert html.replace("\r\n", "\n") == long_html.replace("NL__UNSUBSCRIBE_URL__NL",
                                                           url.replace("&", "&amp;"))
    assert text.replace("\r\n", "\n") == issue.text.replace("NL__UNSUBSCRIBE_URL__NL", url)
    body = msg.data.split(b"\r\n\r\n", 1)[1]
    assert max(len(line) for line in body.split(b"\r\n")) <= 76
    assert b"\n" not in body.replace(b"\r\n", b"")  # no bare line feed anywhere


def test_greeting_without_a_name_has_no_stray_space() -> None:
    html = ('<p>BonjourNL__NAME__NL,</p><a href="NL__PREFERENCES_URL__NL">p</a>'
            '<a href="NL__UNSUBSCRIBE_URL__NL">u</a>')
    issue = RenderedIssue(ISSUE.issue_date, "fr", "S", "p", html, "BonjourNL__NAME__NL,\n")
    f = MessageFactory(issue, sender_address="brief@news.example.org", list_name="L",
                       domain="news.example.org", unsubscribe_url=lambda s: "https://n.example/u",
                       preferences_url=lambda s: "https://n.example/p")
    for name, expected in (("", "Bonjour,"), ("Amina Berrada", "Bonjour Amina,")):
        msg = message_from_bytes(f.build(Subscriber(1, "a@example.org", name), NOW).data,
                                 policy=policy.default)
        text, body = (p.get_content() for p in msg.iter_parts())
        assert expected in body and text.startswith(expected)
        assert 'href="https://n.example/p"' in body and 'href="https://n.example/u"' in body


def test_parts_for_http_providers_match_the_mime() -> None:
    f = factory()
    msg = f.build(Subscriber(7, "amina@example.org", "Amina Bérrada"), NOW, with_parts=True)
    assert msg.parts is not None
    parsed = message_from_bytes(msg.data, policy=policy.default)
    text, html = (p.get_content() for p in parsed.iter_parts())
    assert msg.parts.html == html.replace("\r\n", "\n") or msg.parts.html == html
    assert msg.parts.subject == parsed["Subject"] and msg.parts.to == "amina@example.org"
    headers = dict(msg.parts.headers)
    assert headers["List-Unsubscribe"] == parsed["List-Unsubscribe"]
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f.build(Subscriber(8, "b@example.org"), NOW).parts is None  # only when asked
