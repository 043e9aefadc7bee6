from __future__ import annotations

from datetime import UTC, datetime

import feedparser

from newsletter.feeds.normalise import canonical_url, clean_text, normalise_entry, story_id
from newsletter.models import FeedSource

FEED = FeedSource(url="https://feeds.example/rss", name="Example", language=None)
NOW = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)


def test_canonical_url_drops_tracking_and_fragment() -> None:
    assert canonical_url("HTTPS://News.Example:443/a/b?utm_source=rss&id=3&fbclid=x&xtor=RSS-1#top") \
        == "https://news.example/a/b?id=3"
    assert canonical_url("http://news.example/a?gclid=1") == "http://news.example/a"


def test_clean_text_removes_markup_scripts_and_entities() -> None:
    hostile = '&lt;b&gt;Exclusif&lt;/b&gt; : prix &amp; salaires <script>alert("x")</script>' \
              '<style>p{}</style> fin&nbsp;!'
    assert clean_text(hostile) == "Exclusif : prix & salaires fin !"
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


def test_clean_text_collapses_every_kind_of_space() -> None:
    assert clean_text(" 12\u00a0000\u202f€ \t de\r\nplus\u2009encore ") == "12 000 € de plus encore"
    assert clean_text("<p>Un\u00a0 deux</p>\n<p> trois </p>", paragraphs=True) == "Un deux\n\ntrois"
