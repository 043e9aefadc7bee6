"""Pre-send checks on real rendered issues, each one made to fail on purpose."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from newsletter.compose import render_issue
from newsletter.compose.checks import CHECK_NAMES, Limits, presend_checks
from newsletter.models import Briefing, BriefingItem, RenderedIssue

LIMITS = Limits(public_url="https://news.example.org", max_html_bytes=90_000, reading_minutes=5)


def item(n: int, **kw: object) -> BriefingItem:
    values: dict[str, object] = dict(
        rank=n, headline=f"Headline number {n} about the harbour", url=f"https://news.example/{n}",
        summary=f"Summary {n} in a few words.", source="Daily", also_in=(), section="World",
        reading_minutes=None, summary_words=6, score=1.0, story_id=f"s{n}")
    values.update(kw)
    return BriefingItem(**values)  # type: ignore[arg-type]


def briefing(**kw: object) -> Briefing:
    values: dict[str, object] = dict(
        issue_date=date(2026, 11, 29), language="en", title="The Brief",
        subject="Headline number 1 about the harbour", preheader="Headline number 2",
        items=(item(1), item(2), item(3)), in_brief=(item(4),), reading_minutes=2,
        word_count=300, stories_seen=10)
    values.update(kw)
    return Briefing(**values)  # type: ignore[arg-type]


def render(b: Briefing) -> RenderedIssue:
    return render_issue(b, postal_address="1 Example Street", web_url="https://news.example.org/i")


def verdicts(issue: RenderedIssue, b: Briefing, limits: Limits = LIMITS) -> dict[str, bool]:
    return {c.name: c.ok for c in presend_checks(issue, b, limits)}


def test_a_good_issue_passes_every_check() -> None:
    b = briefing()
    checks = presend_checks(render(b), b, LIMITS)
    assert [c.name for c in checks] == list(CHECK_NAMES)
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]
    size = next(c for c in checks if c.name == "size")
    assert size.detail.endswith("/ 90 KB")


def test_size_over_the_limit_fails() -> None:
    b = briefing()
    issue = render(b)
    big = replace(issue, html=issue.html.replace("</body>", "<p>" + "x" * 95_000 + "</p></body>"))
    assert verdicts(big, b)["size"] is False
    assert verdicts(issue, b, replace(LIMITS, max_html_bytes=1_000))["size"] is False


def test_reading_time_over_budget_fails() -> None:
    b = briefing(reading_minutes=7)
    assert verdicts(render(b), b)["reading_time"] is False


def test_http_link_and_http_public_url_fail() -> None:
    b = briefing(items=(item(1), item(2, url="http://plain.example/2")))
    result = {c.name: c for c in presend_checks(render(b), b, LIMITS)}
    assert not result["https_links"].ok and "http://plain.example/2" in result["https_links"].detail
    good = briefing()
    assert verdicts(render(good), good, replace(LIMITS, public_url="http://localhost:8025")
                    )["https_links"] is False  # the unsubscribe link would be plain http


def test_image_without_alt_fails() -> None:
    b = briefing()
    issue = render(b)
    with_img = replace(issue, html=issue.html.replace(
        "</body>", '<img src="https://img.example/a.png" alt=""><img src="https://img.example/b.png"></body>'))
    result = {c.name: c for c in presend_checks(with_img, b, LIMITS)}
    assert not result["alt_text"].ok and "b.png" in result["alt_text"].detail
    assert "a.png" not in result["alt_text"].detail  # alt="" is right for a decorative image


def test_missing_preheader_fails() -> None:
    b = briefing(preheader="")
    assert verdicts(render(b), b)["preheader"] is False


def test_missing_unsubscribe_fails() -> None:
    b = briefing()
    issue = render(b)
    no_text = replace(issue, text=issue.text.replace("NL__UNSUBSCRIBE_URL__NL", "x"))
    no_html = replace(issue, html=issue.html.replace("NL__UNSUBSCRIBE_URL__NL", "https://x.example"))
    assert verdicts(no_text, b)["unsubscribe"] is False
    assert verdicts(no_html, b)["unsubscribe"] is False


def test_story_missing_from_text_part_fails() -> None:
    b = briefing()
    issue = render(b)
    cut = replace(issue, text=issue.text.replace("https://news.example/2", ""))
    result = {c.name: c for c in presend_checks(cut, b, LIMITS)}
    assert not result["text_part"].ok and "number 2" in result["text_part"].detail


def test_long_or_empty_subject_fails() -> None:
    b = briefing()
    issue = render(b)
    assert verdicts(replace(issue, subject="x" * 91), b)["subject"] is False
    assert verdicts(replace(issue, subject=" "), b)["subject"] is False


def test_check_details_speak_the_page_language() -> None:
    from newsletter.compose import strings

    b = briefing()
    issue = render(b)
    broken = replace(issue, text=issue.text.replace("NL__UNSUBSCRIBE_URL__NL", ""),
                     preheader="")
    checks = [*presend_checks(issue, b, LIMITS), *presend_checks(broken, b, LIMITS)]
    for language in ("fr", "en", "ar"):
        t = strings(language)
        for check in checks:
            assert check.key and f"check_{check.key}" in t, (language, check.key)
            assert "{" not in check.localised(t)  # every field filled in
    french = {c.name: c.localised(strings("fr")) for c in presend_checks(broken, b, LIMITS)}
    assert french["unsubscribe"] == "absent de la partie texte"
    assert french["preheader"] == "vide" and french["size"].endswith("/ 90 Ko")
