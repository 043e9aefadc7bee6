from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import pytest

from newsletter.compose import UNSUBSCRIBE_PLACEHOLDER, render_issue
from newsletter.compose.inline import inline_css
from newsletter.models import Briefing, BriefingItem, SourceRef


def item(rank: int, section: str = "Politique", **kw: object) -> BriefingItem:
    values: dict[str, object] = dict(
        rank=rank, headline=f"Titre {rank} <b>& «guillemets»</b>",
        url=f"https://news.example/{rank}?a=1&b=2", summary=f"Résumé numéro {rank}.",
        source="Le Quotidien", also_in=(SourceRef("Dépêches", f"https://dep.example/{rank}",
                                                  "https://dep.example/rss"),),
        section=section, reading_minutes=3, summary_words=3, score=1.0, story_id=f"s{rank}")
    values.update(kw)
    return BriefingItem(**values)  # type: ignore[arg-type]


def briefing(language: str = "fr", n: int = 4) -> Briefing:
    return Briefing(
        issue_date=date(2026, 11, 29), language=language, title="Le Brief",
        subject="Titre 1", preheader="Titre 2 · Titre 3",
        items=tuple(item(i, "Politique" if i % 2 else "Sport") for i in range(1, n + 1)),
        in_brief=(item(9, reading_minutes=None, also_in=()),), reading_minutes=4,
        word_count=800, stories_seen=40)


@pytest.fixture(scope="module", params=["premailer", "css-inline"])
def issue_fr(request):  # type: ignore[no-untyped-def]
    return render_issue(briefing(), postal_address="12 rue Exemple, Casablanca",
                        web_url="https://news.example/issues/2026-11-29", inliner=request.param)


def test_html_is_inlined_with_media_queries_kept(issue_fr) -> None:  # type: ignore[no-untyped-def]
    html = issue_fr.html
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert '<h3 class="headline" style="' in html  # inline styles on the elements
    style = re.findall(r"<style[^>]*>(.*?)</style>", html, re.S)
    assert len(style) == 1 and "prefers-color-scheme: dark" in style[0]
    assert "max-width: 620px" in style[0] and "!important" in style[0]
    assert ".headline { margin" not in style[0]  # plain rules were moved inline
    assert "<link" not in html and "<script" not in html
    assert html.count("<!--[if mso]>") == html.count("<![endif]-->") == 3  # head + ghost table
    assert not re.search(r"#[0-9a-fA-F]{3}\b", html)


def test_html_content(issue_fr) -> None:  # type: ignore[no-untyped-def]
    html = issue_fr.html
    assert '<html lang="fr" dir="ltr"' in html
    assert "dimanche 29 novembre 2026" in html and "4 min de lecture" in html
    assert "Titre 1 &lt;b&gt;&amp; «guillemets»&lt;/b&gt;" in html  # escaped, never markup
    assert 'href="https://news.example/1?a=1&amp;b=2"' in html
    assert "Aussi dans" in html and "https://dep.example/1" in html
    assert "3 min de lecture" in html
    assert "En bref" in html
    assert html.count(UNSUBSCRIBE_PLACEHOLDER) == 1
    assert "12 rue Exemple, Casablanca" in html
    assert "https://news.example/issues/2026-11-29" in html
    assert "Titre 2 · Titre 3" in html  # preheader
    assert len(html.encode()) < 100_000


def test_text_twin(issue_fr) -> None:  # type: ignore[no-untyped-def]
    text = issue_fr.text
    for n in (1, 2, 3, 4, 9):
        assert f"https://news.example/{n}?a=1&b=2" in text
    assert "Titre 1 <b>& «guillemets»</b>" in text
    assert UNSUBSCRIBE_PLACEHOLDER in text and "12 rue Exemple" in text
    for line in text.splitlines():
        assert len(line) <= 72 or "://" in line, line


def test_english_and_arabic() -> None:
    en = render_issue(briefing("en"), postal_address="1 Main St", web_url="https://n.example/i")
    assert "Sunday, November 29, 2026" in en.html and "4 min read" in en.html
    assert "In brief" in en.html and "Unsubscribe" in en.html
    ar = render_issue(briefing("ar"), postal_address="1 Main St", web_url="https://n.example/i")
    assert '<html lang="ar" dir="rtl"' in ar.html and "إلغاء الاشتراك" in ar.html


@pytest.mark.parametrize("inliner", ["premailer", "css-inline"])
def test_inliner_never_touches_the_network(inliner: str) -> None:
    html = ('<!DOCTYPE html><html><head><link rel="stylesheet" href="http://127.0.0.1:9/x.css">'
            '<style>p { color: #112233; }</style></head><body><p>x</p></body></html>')
    out = inline_css(html, backend=inliner)  # would hang or fail if it tried to fetch port 9
    assert re.search(r'<p style="color: ?#112233;?">', out)


def test_a_big_briefing_keeps_the_email_under_the_limit() -> None:
    from newsletter.compose.mime import encoded_size

    big = replace(briefing(n=45), in_brief=tuple(item(100 + i, reading_minutes=None, also_in=())
                                                 for i in range(15)))
    big = replace(big, items=tuple(replace(i, summary=i.summary + " Un détail de plus." * 25)
                                   for i in big.items))
    issue = render_issue(big, postal_address="12 rue Exemple", web_url="https://n.example/w",
                         limit=60_000)
    assert encoded_size(issue.html, "https://n.example/unsubscribe/" + "x" * 160) <= 60_000
    assert issue.moved_online > 0
    assert f"{issue.moved_online} autres articles sur la version web" in issue.html
    assert "https://n.example/w" in issue.text and str(issue.moved_online) in issue.text
    assert "Titre 45" in issue.web_html and "Titre 45" not in issue.html  # lowest rank moved
    assert "Titre 1 " in issue.html
    assert "Se désabonner" in issue.html and "12 rue Exemple" in issue.html  # footer kept


def test_same_briefing_same_bytes() -> None:
    a = render_issue(briefing(), postal_address="x", web_url="https://n.example/i")
    b = render_issue(briefing(), postal_address="x", web_url="https://n.example/i")
    assert a.html.encode() == b.html.encode() and a.text.encode() == b.text.encode()


def test_a_hostile_subject_is_cut_by_characters_and_the_issue_still_renders() -> None:
    """A 100,000-character lead headline used to make the frame alone pass the size limit."""
    from newsletter.compose.checks import SUBJECT_MAX

    family = "👩\u200d👩\u200d👧\u200d👦"
    subject = "Alerte " + family * 10 + " " + "à" * 100_000
    issue = render_issue(replace(briefing(), subject=subject), postal_address="12 rue Exemple",
                         web_url="https://n.example/w", limit=20_000)
    assert len(issue.subject) <= SUBJECT_MAX and issue.subject.endswith("…")
    kept = issue.subject.removesuffix("…")
    assert subject.startswith(kept) and kept.count("\u200d") % 3 == 0  # whole families only
    assert "à" * 200 not in issue.html
