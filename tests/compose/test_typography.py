"""French typography survives to the bytes of both parts of the email."""

from __future__ import annotations

import html
import textwrap
from datetime import UTC, date, datetime
from email import message_from_bytes, policy

from newsletter.compose import MessageFactory, render_issue
from newsletter.compose.render import TEXT_WIDTH
from newsletter.models import Briefing, BriefingItem, Subscriber

NBSP, NNBSP = "\u00a0", "\u202f"
# As the feeds give it: the publisher's no-break spaces in the headline; the summary, rebuilt
# from sentences, has plain spaces, and a « falls right at the text part's wrapping column.
HEADLINE = f"Grève des cheminots{NBSP}: les trains «{NBSP}à l’arrêt{NBSP}» jusqu’à mardi{NNBSP}?"
SUMMARY = ("Les syndicats de la région ont voté la reconduction du mouvement : « nous irons "
           "jusqu’au bout », a dit leur porte-parole. Qui paiera ? La direction se tait ; "
           "les usagers, eux, attendent !")
TYPESET_SUMMARY = ("Les syndicats de la région ont voté la reconduction du mouvement\u00a0: "
                   "«\u00a0nous irons jusqu’au bout\u00a0», a dit leur porte-parole. Qui "
                   "paiera\u202f? La direction se tait\u202f; les usagers, eux, attendent\u202f!")


def _issue_parts(language: str = "fr") -> tuple[str, str, bytes, bytes]:
    item = BriefingItem(rank=1, headline=HEADLINE, url="https://news.example/greve",
                        summary=SUMMARY, source="Le Quotidien", also_in=(), section="Société",
                        reading_minutes=None, summary_words=30, score=1.0, story_id="s1")
    briefing = Briefing(issue_date=date(2026, 3, 12), language=language, title="Le Brief",
                        subject=HEADLINE, preheader="", items=(item,), in_brief=(),
                        reading_minutes=1, word_count=60, stories_seen=1)
    issue = render_issue(briefing, postal_address="12 rue Exemple, Sète",
                         web_url="https://news.example/issues/2026-03-12")
    factory = MessageFactory(
        issue, sender_address="Le Brief <brief@news.example>", list_name="Le Brief",
        domain="news.example", unsubscribe_url=lambda s: f"https://news.example/u/{s.id}",
        unsubscribe_mailto=lambda s: f"mailto:unsubscribe@news.example?subject=u-{s.id}")
    data = factory.build(Subscriber(1, "lecteur@example.org"), datetime(2026, 3, 12, 6, tzinfo=UTC)).data
    text_part, html_part = message_from_bytes(data, policy=policy.default).iter_parts()
    text_bytes = text_part.get_payload(decode=True)
    html_bytes = html_part.get_payload(decode=True)
    assert isinstance(text_bytes, bytes) and isinstance(html_bytes, bytes)
    return text_bytes.decode("utf-8"), html_bytes.decode("utf-8"), text_bytes, html_bytes


def test_the_summary_as_written_would_leave_a_guillemet_at_a_line_end() -> None:
    # What made the test below worth having: plain wrapping breaks right after this «.
    assert any(line.endswith("«") for line in textwrap.fill(SUMMARY, TEXT_WIDTH).splitlines())


def test_no_break_spaces_reach_the_bytes_of_both_parts() -> None:
    text, page, text_bytes, html_bytes = _issue_parts()
    for expected in (HEADLINE, TYPESET_SUMMARY):
        assert expected.encode() in html.unescape(page).encode()
        assert expected.encode() in " ".join(text.splitlines()).encode()
    assert "\u00a0:".encode() in text_bytes and "\u00a0:".encode() in html.unescape(page).encode()
    assert b"\xe2\x80\xaf?" in text_bytes  # U+202F before ?, as UTF-8
    assert "«\u00a0nous".encode() in html.unescape(html_bytes.decode()).encode()


def test_no_guillemet_or_stop_is_alone_at_a_line_end_of_the_text_part() -> None:
    text = _issue_parts()[0]
    for line in text.splitlines():
        assert not line.rstrip().endswith("«"), line
        assert not line.lstrip().startswith(("»", ":", ";", "?", "!")), line


def test_other_languages_are_left_as_written() -> None:
    text = _issue_parts(language="en")[0]
    assert "mouvement : «" in " ".join(text.splitlines())  # English spacing rules are not ours to apply
    assert not any(line.rstrip().endswith("«") for line in text.splitlines())  # but « still holds
