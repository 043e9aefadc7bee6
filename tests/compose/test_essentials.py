"""L'essentiel: the issue opens with its three lead stories, one line each, linking below."""

from __future__ import annotations

import re
from datetime import date

import pytest

from newsletter.compose import render_issue
from newsletter.curate import build_briefing
from newsletter.models import Briefing, BriefingItem
from tests.curate.test_briefing import CUTOFF, STORIES, settings

TITLES = {"fr": "L'essentiel", "en": "The essentials", "ar": "الأهم"}
HEADLINES = {
    "fr": ["Tempête Mirna : deux morts à El Jadida", "Le Parlement adopte le budget 2027",
           "Grève du contrôle aérien vendredi", "Le Raja gagne le derby"],
    "en": ["Storm Mirna: two dead in El Jadida", "Parliament passes the 2027 budget",
           "Air traffic controllers strike on Friday", "Raja win the derby"],
    "ar": ["العاصفة ميرنا: قتيلان في الجديدة", "البرلمان يصادق على ميزانية 2027",
           "إضراب المراقبين الجويين يوم الجمعة", "الرجاء يفوز في الديربي"],
}


def briefing(language: str, count: int = 4) -> Briefing:
    items = tuple(BriefingItem(
        rank=i, headline=h, url=f"https://news.example.org/{language}/{i}",
        summary="Un résumé de deux phrases. La suite.", source="Atlas", also_in=(),
        section="Société" if i % 2 else "Sport", reading_minutes=None, summary_words=7,
        score=1.0, story_id=f"{language}{i}")
        for i, h in enumerate(HEADLINES[language][:count], 1))
    return Briefing(issue_date=date(2026, 11, 27), language=language, title="Le Brief",
                    subject=items[0].headline, preheader="", items=items, in_brief=(),
                    reading_minutes=1, word_count=60, stories_seen=count)


@pytest.mark.parametrize("language", ["fr", "en", "ar"])
def test_the_three_leads_open_the_issue_and_link_to_their_items(language: str) -> None:
    issue = render_issue(briefing(language), postal_address="12 rue Exemple",
                         web_url="https://news.example.org/issues/2026-11-27")
    html, text = issue.html, issue.text
    box = html.index(TITLES[language])
    assert box < html.index('class="section-title"', box + 1)  # before the first section
    links = re.findall(r'href="#(story-[^"]+)"', html)
    assert links == [f"story-{language}{i}" for i in (1, 2, 3)]  # the first three, in rank order
    for anchor in links:
        assert f'id="{anchor}"' in html and f'name="{anchor}"' in html
    essentials = html[box:html.index("</table>", box)]
    assert HEADLINES[language][3] not in essentials
    if language == "ar":
        assert 'dir="rtl"' in html
    heading = f"== {TITLES[language].upper()} =="
    assert heading in text
    block = text[text.index(heading):].split("\n\n")[1]
    assert [line[:4] for line in block.splitlines()] == ["[1] ", "[2] ", "[3] "]
    assert f"[2] {HEADLINES[language][1]}" in text.split(heading)[1].split("\n\n", 2)[2]


def test_one_item_has_no_essentials() -> None:
    issue = render_issue(briefing("fr", count=1), postal_address="x", web_url="https://n.example")
    assert "essentiel" not in issue.html.lower() and "ESSENTIEL" not in issue.text


def test_the_subject_is_the_lead_headline_and_the_preheader_the_next_two() -> None:
    b = build_briefing(STORIES, settings(max_items=0), issue_date=date(2026, 11, 27), now=CUTOFF)
    assert len(b.items) > 3
    assert b.subject == b.items[0].headline
    assert b.preheader == f"{b.items[1].headline} · {b.items[2].headline}"


def test_the_pre_send_link_check_accepts_jumps_to_stories_of_the_email_only() -> None:
    from dataclasses import replace

    from newsletter.compose.checks import Limits, presend_checks

    limits = Limits(public_url="https://news.example.org", max_html_bytes=90_000, reading_minutes=5)
    b = briefing("fr")
    issue = render_issue(b, postal_address="x", web_url="https://news.example.org/i")
    links = {c.name: c for c in presend_checks(issue, b, limits)}["https_links"]
    assert links.ok, links.detail
    broken = replace(issue, html=issue.html.replace("</body>", '<a href="#ailleurs">x</a></body>'))
    links = {c.name: c for c in presend_checks(broken, b, limits)}["https_links"]
    assert not links.ok and "#ailleurs" in links.detail
