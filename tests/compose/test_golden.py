"""Golden emails: one exact .eml per language, regenerated only by --update-golden."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from newsletter.compose import MessageFactory, render_issue
from newsletter.models import Briefing, BriefingItem, SourceRef, Subscriber

GOLDEN = Path(__file__).parent.parent / "golden"
NOW = datetime(2026, 11, 29, 6, 30, tzinfo=UTC)

CONTENT = {
    "fr": ("Le Brief", "Amina Berrada", [
        ("Tempête Mirna : Casablanca en alerte orange", "Société",
         "Les vents ont dépassé 110 km/h dans la nuit. Les écoles resteront fermées vendredi, "
         "a annoncé la préfecture.", 3),
        ("Bank Al-Maghrib laisse son taux directeur à 2,25 %", "Économie",
         "Le conseil de la banque centrale a maintenu son taux, comme l'attendaient onze des "
         "douze économistes interrogés.", 2),
    ]),
    "en": ("The Brief", "Sarah Okoye", [
        ("Storm Mirna puts Casablanca on orange alert", "World",
         "Winds passed 110 km/h overnight. Schools will stay closed on Friday, the prefecture "
         "said.", 3),
        ("Morocco's central bank holds its key rate at 2.25%", "Business",
         "Eleven of the twelve economists polled had expected the decision.", 2),
    ]),
    "ar": ("الموجز", "يوسف العلمي", [
        ("العاصفة ميرنا: إنذار برتقالي في الدار البيضاء", "مجتمع",
         "تجاوزت سرعة الرياح 110 كيلومترات في الساعة ليلا. وستبقى المدارس مغلقة يوم الجمعة.", 3),
        ("بنك المغرب يبقي سعر الفائدة عند 2.25 في المئة", "اقتصاد",
         "توقع أغلب الاقتصاديين هذا القرار.", 2),
    ]),
}


def golden_message(language: str) -> bytes:
    title, reader, stories = CONTENT[language]
    items = tuple(BriefingItem(
        rank=i, headline=h, url=f"https://news.example.org/{language}/{i}", summary=s,
        source="Le Quotidien de l'Atlas", also_in=(SourceRef("Coastal Tribune",
                                                             f"https://ct.example/{i}", "x"),),
        section=sec, reading_minutes=m, summary_words=len(s.split()), score=1.0,
        story_id=f"{language}{i}") for i, (h, sec, s, m) in enumerate(stories, 1))
    briefing = Briefing(issue_date=date(2026, 11, 29), language=language, title=title,
                        subject=stories[0][0], preheader=stories[1][0], items=items,
                        in_brief=(), reading_minutes=1, word_count=80, stories_seen=2)
    issue = render_issue(briefing, postal_address="12 rue Exemple, Casablanca, Maroc",
                         web_url="https://news.example.org/issues/2026-11-29")
    factory = MessageFactory(
        issue, sender_address=f"{title} <brief@news.example.org>", list_name=title,
        domain="news.example.org",
        unsubscribe_url=lambda s: f"https://news.example.org/unsubscribe/TOKEN-{s.id}",
        unsubscribe_mailto=lambda s: f"mailto:unsubscribe@news.example.org?subject=u-{s.id}",
        preferences_url=lambda s: f"https://news.example.org/preferences/TOKEN-{s.id}")
    data = factory.build(Subscriber(7, "reader@example.org", reader), NOW).data
    # The two random parts of a message, fixed so the file can be compared byte for byte.
    data = re.sub(rb"=_nl_[0-9a-f]{24}", b"=_nl_BOUNDARY", data)
    return re.sub(rb"<20261129\.7\.[0-9a-f]{16}@", b"<20261129.7.RANDOM@", data)


@pytest.mark.parametrize("language", ["fr", "en", "ar"])
def test_golden_eml(language: str, request: pytest.FixtureRequest) -> None:
    path = GOLDEN / f"{language}.eml"
    data = golden_message(language)
    if request.config.getoption("--update-golden"):
        path.write_bytes(data)
    assert path.exists(), f"no golden file {path}: run pytest --update-golden and review it"
    assert data == path.read_bytes(), f"{path} differs: review, then pytest --update-golden"
