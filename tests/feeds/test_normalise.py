from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

import feedparser

from newsletter.feeds.normalise import canonical_url, clean_text, normalise_entry, story_id
from newsletter.models import FeedSource
from newsletter.text import limits

FEED = FeedSource(url="https://feeds.example/rss", name="Example", language=None)
NOW = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)


def test_canonical_url_drops_tracking_and_fragment() -> None:
    assert canonical_url("HTTPS://News.Example:443/a/b?utm_source=rss&id=3&fbclid=x&xtor=RSS-1#top") \
        == "https://news.example/a/b?id=3"
    assert canonical_url("http://news.example/a?gclid=1") == "http://news.example/a"


def test_clean_text_removes_markup_scripts_and_entities() -> None:
    hostile = '&lt;b&gt;Exclusif&lt;/b&gt; : prix &amp; salaires <script>alert("x")</script>' \
              '<style>p{}</style> fin&nbsp;!'
    assert clean_text(hostile) == "Exclusif : prix & salaires fin\u00a0!"
    assert clean_text("<p>Un</p><p>Deux</p>", paragraphs=True) == "Un\n\nDeux"
    assert clean_text("si a<b alors") == "si a<b alors"


def test_story_id_prefers_guid_then_link() -> None:
    assert story_id(FEED.url, "g1", "https://x.example/a", "t", "d") != \
        story_id(FEED.url, None, "https://x.example/a", "t", "d")
    assert story_id(FEED.url, None, "https://x.example/a?utm_medium=rss", "t", "d") == \
        story_id("https://other.example/feed", None, "https://x.example/a", "u", "e")


def _entry(xml_item: str) -> object:
    doc = f"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"
      xmlns:media="http://search.yahoo.com/mrss/"><channel><title>T</title>
      <language>fr-FR</language>{xml_item}</channel></rss>"""
    return feedparser.parse(doc.encode()).entries[0]


def test_entry_becomes_a_clean_story() -> None:
    entry = _entry("""<item><title>&lt;b&gt;Grève&lt;/b&gt; &amp; trafic</title>
      <link>https://x.example/greve?utm_source=rss</link><guid>g-1</guid>
      <pubDate>Thu, 26 Nov 2026 18:40:00 +0100</pubDate><category>Société</category>
      <description>&lt;p&gt;Le trafic &lt;script&gt;alert(1)&lt;/script&gt;reprend.&lt;/p&gt;</description>
      <media:content url="http://img.example/a.jpg" medium="image"/>
      <enclosure url="https://img.example/b.jpg" type="image/jpeg" length="1"/></item>""")
    story = normalise_entry(entry, FEED, "fr-FR", NOW)
    assert story is not None
    assert story.title == "Grève & trafic"
    assert story.summary == "Le trafic reprend."
    assert story.url == "https://x.example/greve"
    assert story.published == datetime(2026, 11, 26, 17, 40, tzinfo=UTC)
    assert story.language == "fr"
    assert story.section == "Société"
    assert story.image == "https://img.example/b.jpg"  # the http:// one is refused


def test_entry_without_title_or_link_is_skipped_and_missing_date_is_first_seen() -> None:
    assert normalise_entry(_entry("<item><description>x</description></item>"), FEED, None,
                           NOW) is None
    story = normalise_entry(_entry("<item><title>Sans date</title></item>"), FEED, None, NOW)
    assert story is not None and story.published == NOW


def test_clean_text_collapses_spaces_but_keeps_no_break_spaces() -> None:
    # French typography (« : », « 12 000 € ») needs its no-break spaces up to the email.
    assert clean_text(" 12\u00a0000\u202f€ \t de\r\nplus\u2009encore ") \
        == "12\u00a0000\u202f€ de plus encore"
    assert clean_text("<p>Un\u00a0 deux</p>\n<p> trois </p>", paragraphs=True) == "Un\u00a0deux\n\ntrois"
    assert clean_text("Le «\u00a0oui\u00a0» l’emporte\u202f!") == "Le «\u00a0oui\u00a0» l’emporte\u202f!"
    assert clean_text("\u00a0 bord \u00a0") == "bord"


def test_hostile_entry_is_bounded_at_ingestion() -> None:
    """Every string a feed sends is stored within its limit, whatever the feed sends."""
    long_name = FeedSource(url="https://feeds.example/rss", name="Agence " * 10_000)
    word = "marée "
    entry = _entry(f"""<item><title>{word * 20_000}</title>
      <link>https://x.example/{"a" * 5_000}</link><guid>g-hostile</guid>
      <category>{"catégorie" * 1_000}</category>
      <description>{"Le port reste fermé. " * 50_000}</description>
      <content:encoded xmlns:content="http://purl.org/rss/1.0/modules/content/"><![CDATA[
        <p>{"Les dockers votent la grève. " * 20_000}</p>
        <img src="https://img.example/{"b" * 5_000}.jpg"/>]]></content:encoded></item>""")
    story = normalise_entry(entry, long_name, "fr-FR", NOW)
    assert story is not None
    assert len(story.title) <= limits.MAX_TITLE and story.title.endswith("marée…")
    assert len(story.summary) <= limits.MAX_SUMMARY and story.summary.endswith(" Le…")
    assert len(story.body) <= limits.MAX_BODY and story.body.endswith("…")
    assert all(len(c) <= limits.MAX_CATEGORY for c in story.categories)
    assert story.section is not None and len(story.section) <= limits.MAX_CATEGORY
    assert len(story.source.name) <= limits.MAX_NAME
    assert story.url == FEED.url  # a 5,000-character link is dropped, not cut
    assert story.image is None


def test_bounded_title_keeps_its_last_letter_whole() -> None:
    """An Arabic title cut at the limit never leaves a letter without its harakat."""
    title = "ٱلْعَاصِفَةُ" * 100  # one unbroken word of letters with marks
    story = normalise_entry(_entry(f"<item><title>{title}</title><link>https://x.example/ar</link>"
                                   "</item>"), FEED, "ar", NOW)
    assert story is not None and len(story.title) <= limits.MAX_TITLE
    kept = story.title.removesuffix("…")
    assert title.startswith(kept) and not unicodedata.combining(title[len(kept)])
