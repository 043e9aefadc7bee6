"""Each entry's text by role, on entries shaped like real feeds (texts written for these tests).

Every feed goes through the collector's own path: feedparser via parse_feed, then
normalise_entry via stories_from_body. A caption is never a story's summary, body or
reading-time basis.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime

from newsletter.curate import CurateSettings, build_briefing
from newsletter.feeds.parse import stories_from_body
from newsletter.feeds.roles import media_captions
from newsletter.models import FeedSource, Story

NOW = datetime(2026, 3, 12, 5, 0, tzinfo=UTC)
MEDIA = 'xmlns:media="http://search.yahoo.com/mrss/"'
CONTENT = 'xmlns:content="http://purl.org/rss/1.0/modules/content/"'
CAPTION = "Le port de Sète, le 12 mars 2024."


def rss(items: str, language: str = "fr-FR", namespaces: str = f"{MEDIA} {CONTENT}") -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" {namespaces}><channel>'
            f"<title>Example</title><link>https://news.example/</link><language>{language}</language>"
            f"{items}</channel></rss>").encode()


def stories(body: bytes, language: str | None = None) -> list[Story]:
    feed = FeedSource(url="https://news.example/rss", name="Example", language=language)
    parsed = stories_from_body(feed, body, {"content-type": "application/rss+xml"}, NOW)
    assert parsed.error is None
    return list(parsed.stories)


def only(body: bytes, language: str | None = None) -> Story:
    found = stories(body, language)
    assert len(found) == 1
    return found[0]


def item(n: int, extra: str, title: str = "Le port de Sète fermé après la tempête") -> str:
    return (f"<item><title>{title}</title><link>https://news.example/a/{n}.html</link>"
            f"<guid>g{n}</guid><pubDate>Thu, 12 Mar 2026 04:00:00 +0000</pubDate>{extra}</item>")


STANDFIRST = ("Les vents ont dépassé 130 km/h dans la nuit ; la préfecture a interdit "
              "toute sortie en mer jusqu’à vendredi.")


def test_le_monde_like_media_caption_after_the_description_is_not_the_body() -> None:
    story = only(rss(item(1, f"<description>{STANDFIRST}</description>"
                              '<media:content url="https://img.news.example/1.jpg" medium="image">'
                              f"<media:description>{CAPTION}</media:description>"
                              "<media:credit>AGENCE / PHOTOGRAPHE</media:credit></media:content>")))
    assert story.summary == STANDFIRST
    assert story.body == ""
    assert CAPTION not in story.text
    assert story.image == "https://img.news.example/1.jpg"


def test_media_caption_before_the_description_gives_the_description_back() -> None:
    # feedparser makes the first description the summary and moves the real one to content.
    story = only(rss(item(2, '<media:content url="https://img.news.example/2.jpg">'
                              f'<media:description type="plain">{CAPTION}</media:description>'
                              f"</media:content><description>{STANDFIRST}</description>")))
    assert story.summary == STANDFIRST
    assert story.body == ""


def test_html_media_caption_and_media_text_are_captions_too() -> None:
    story = only(rss(item(3, f"<description>{STANDFIRST}</description>"
                              '<media:content url="https://img.news.example/3.jpg">'
                              '<media:description type="html">&lt;b&gt;Le quai&lt;/b&gt; désert, '
                              "à Sète, mercredi.</media:description></media:content>"
                              "<media:text>Vue du port depuis la jetée</media:text>")))
    assert story.summary == STANDFIRST
    assert story.body == ""


def test_caption_under_another_prefix_is_found_by_its_namespace() -> None:
    body = rss(item(4, f"<description>{STANDFIRST}</description>"
                       f"<m:group><m:description>{CAPTION}</m:description></m:group>"),
               namespaces='xmlns:m="http://search.yahoo.com/mrss/"')
    assert media_captions(body) == {CAPTION.casefold()}
    assert only(body).body == ""


def test_daily_mail_like_credit_blobs_in_media_description_never_become_the_text() -> None:
    blob = ("PICTURE DESK (01632 960123)\nPic: J. Doe/Picture Desk\nThe moment a lorry "
            "overturned on the ring road was caught on camera by a passing cyclist.")
    teaser = "Traffic was stopped for three hours after the lorry shed its load of gravel."
    found = stories(rss(
        item(5, f"<description>{teaser}</description><media:content url='https://img.news.example/5.jpg'"
                f" type='image/jpeg'/><media:description>{blob}</media:description>"
                "<media:credit scheme='urn:ebu'>J. Doe/Picture Desk</media:credit>",
             title="Lorry overturns on ring road")
        + item(6, "<description>A quiet night for once.</description>"
                  "<media:description></media:description>", title="Calm night"),
        language="en-gb"))
    assert [s.summary for s in found] == [teaser, "A quiet night for once."]
    assert [s.body for s in found] == ["", ""]


WORDPRESS_BODY = """<![CDATA[<p>La mairie a voté mardi soir un plan de rénovation des quais,
financé pour moitié par la région.</p>
<figure class="wp-block-image"><img src="https://img.news.example/quai.jpg"
 alt="Le quai nord, à Sète, le 3 mars 2026." title="Quai nord"/>
<figcaption>Le quai nord, à Sète, le 3 mars 2026. PHOTO / AGENCE</figcaption></figure>
<p class="wp-caption-text">Les pontons, en février 2026.</p>
<p>Les travaux commenceront à l’automne et dureront deux ans, selon l’adjoint chargé du port.</p>
<p>The post <a href="https://news.example/quais">Sète rénove ses quais</a> appeared first on
<a href="https://news.example">News Example</a>.</p>]]>"""


def test_wordpress_content_encoded_is_the_body_without_figure_captions_or_the_post_trailer() -> None:
    description = ("<![CDATA[La mairie a voté mardi soir un plan de rénovation des quais. Les travaux "
                   "commenceront à l’automne et dureront deux &#8230; [&#8230;]<p>The post "
                   '<a href="https://news.example/quais">Sète rénove ses quais</a> appeared first '
                   'on <a href="https://news.example">News Example</a>.</p>]]>')
    story = only(rss(item(7, f"<description>{description}</description>"
                              f"<content:encoded>{WORDPRESS_BODY}</content:encoded>",
                          title="Sète rénove ses quais")))
    assert story.summary == "La mairie a voté mardi soir un plan de rénovation des quais."
    assert story.body == ("La mairie a voté mardi soir un plan de rénovation des quais, financé pour "
                          "moitié par la région.\n\nLes travaux commenceront à l’automne et dureront "
                          "deux ans, selon l’adjoint chargé du port.")


def test_atom_summary_and_content_keep_their_roles_and_the_media_group_caption_goes() -> None:
    body = f"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" {MEDIA}>
      <title>Example</title><id>urn:x</id><updated>2026-03-12T04:00:00Z</updated>
      <entry><title>Budget vote delayed</title><id>urn:1</id><link href="https://news.example/b"/>
        <updated>2026-03-12T04:00:00Z</updated>
        <media:group><media:description>Members of parliament in London on Tuesday.
        </media:description></media:group>
        <summary>The vote on the spending plan moves to next week.</summary>
        <content type="html">&lt;p&gt;The vote on the spending plan has been put off by a week.&lt;/p&gt;
          &lt;p&gt;Ministers want more time to win over their own back benches.&lt;/p&gt;</content></entry>
      <entry><title>Plain text body</title><id>urn:2</id><link href="https://news.example/c"/>
        <updated>2026-03-12T04:00:00Z</updated><summary>Short.</summary>
        <content type="text">A body written as plain text, which Atom allows.</content></entry>
    </feed>""".encode()
    first, second = stories(body, language="en")
    assert first.summary == "The vote on the spending plan moves to next week."
    assert first.body == ("The vote on the spending plan has been put off by a week.\n\n"
                          "Ministers want more time to win over their own back benches.")
    assert second.summary == "Short."
    assert second.body == "A body written as plain text, which Atom allows."


def test_html_escaped_descriptions_and_doubly_escaped_entities_come_out_as_text() -> None:
    story = only(rss(item(8, "<description>&lt;p&gt;L&amp;amp;#039;été sera &amp;amp;eacute;"
                              "pargné, dit l&amp;#8217;institut.&lt;/p&gt;</description>",
                          title="L&amp;amp;#039;été &amp;amp;amp; la sécheresse")))
    assert story.title == "L'été & la sécheresse"
    assert story.summary == "L'été sera épargné, dit l’institut."


def test_teasers_lose_their_mark_and_the_broken_sentence() -> None:
    found = stories(rss(
        item(9, "<description>Le conseil a adopté le budget. Les élus de l’opposition ont "
                "dénoncé un texte qui [&#8230;]</description>", title="Budget adopté")
        + item(10, "<description>&lt;p&gt;La ligne rouvrira lundi après six mois de travaux. "
                   "Les horaires changent.&lt;/p&gt;&lt;p&gt;&lt;a href='https://news.example/l'&gt;"
                   "Lire la suite&lt;/a&gt;&lt;/p&gt;</description>", title="Ligne rouverte")
        + item(11, "<description>Le festival affiche complet pour sa trentième édition, "
                   "avec des concerts jusqu’à... Lire la suite »</description>",
               title="Festival complet")))
    assert [s.summary for s in found] == [
        "Le conseil a adopté le budget.",
        "La ligne rouvrira lundi après six mois de travaux. Les horaires changent.",
        "Le festival affiche complet pour sa trentième édition, avec des concerts jusqu’à…",
    ]


def test_feedsportal_style_ad_and_tracking_html_after_a_description_is_dropped() -> None:
    ads = ('&lt;img width="1" height="1" src="http://ads.example/c/1/mf.gif" border="0"/&gt;'
           '&lt;br clear="all"/&gt;&lt;br/&gt;&lt;a href="http://ads.example/r/1/rc.htm" rel="nofollow"&gt;'
           '&lt;img src="http://ads.example/r/1/rc.img" border="0"/&gt;&lt;/a&gt;&lt;br/&gt;'
           '&lt;img width="1" height="1" src="http://ads.example/r/1/a2t.img" border="0"/&gt;')
    story = only(rss(item(12, f"<description>Le tunnel a rouvert à la circulation.{ads}</description>",
                          title="Le tunnel rouvre")))
    assert story.summary == "Le tunnel a rouvert à la circulation."
    assert story.body == ""


def test_guardian_like_standfirst_paragraphs_and_continue_reading() -> None:
    description = ("<![CDATA[<p>Ministers say the plan will cut waiting lists by a third</p>"
                   "<p>The health service will open twelve new surgical centres this year, the "
                   "government announced on Tuesday.</p><p> <span>Related: </span>"
                   '<a href="https://news.example/r">Hospitals face winter pressure</a> </p>'
                   "<p>The centres will treat patients who have waited longest.</p> "
                   '<a href="https://news.example/full">Continue reading...</a>]]>')
    story = only(rss(item(13, f"<description>{description}</description>",
                          title="Twelve surgical centres to open"), language="en-gb"))
    assert story.summary == "Ministers say the plan will cut waiting lists by a third"
    assert story.body == ("The health service will open twelve new surgical centres this year, the "
                          "government announced on Tuesday.\n\nThe centres will treat patients who "
                          "have waited longest.")


def test_a_description_that_reads_like_a_caption_is_not_a_summary() -> None:
    found = stories(rss(
        item(14, f"<description>{CAPTION}</description>")
        + item(16, "<description>AGENCE / PHOTOGRAPHE</description>", title="Grève à Lyon")))
    found += stories(rss(item(15, "<description>A protester in Lyon on Tuesday.</description>",
                              title="Protests spread to Lyon"), language="en-gb"))
    assert [s.summary for s in found] == ["", "", ""]
    assert all(s.text == "" for s in found)


def test_mojibake_in_titles_is_repaired() -> None:
    story = only(rss(item(17, f"<description>{STANDFIRST}</description>",
                          title="Ã‰lections : la participation Ã  midi dÃ©passe 20 %")))
    assert story.title == "Élections : la participation à midi dépasse 20 %"


def test_rubric_labels_leave_headlines_and_standfirsts() -> None:
    found = stories(rss(
        item(18, "<description>LE SCAN POLITIQUE - Selon un sondage publié dimanche, la maire "
                 "sortante arrive en tête.</description>", title="EN IMAGES. Les quais sous l’eau")
        + item(19, f"<description>{STANDFIRST}</description>",
               title="INFO FRANCEINFO. Le port de Sète restera fermé")
        + item(20, f"<description>{STANDFIRST}</description>", title="OTAN : sommet à Vilnius")))
    assert [s.title for s in found] == ["Les quais sous l’eau", "Le port de Sète restera fermé",
                                        "OTAN : sommet à Vilnius"]
    assert found[0].summary == "Selon un sondage publié dimanche, la maire sortante arrive en tête."


def test_a_caption_never_gives_a_briefing_item_its_summary_or_reading_time() -> None:
    # The shape the issue saw: a teaser feed whose media:description came first in each item.
    body = rss("".join(
        item(30 + n, '<media:content url="https://img.news.example/p.jpg">'
                     f"<media:description>Le port Hercule, à Monaco, le {n + 1} mars 2026."
                     f"</media:description></media:content>"
                     f"<description>Le Grand Prix numéro {n} change de date à cause des travaux "
                     f"sur le port.</description>", title=f"Grand Prix {n} : le calendrier change")
        for n in range(3)))
    settings = CurateSettings(language="fr", title="Le Brief", reading_minutes=5,
                              words_per_minute=230, max_items=5, in_brief_items=0,
                              half_life_hours=12.0, cluster_threshold=0.9, max_per_source=5,
                              summary_words=60)
    briefing = build_briefing(stories(body), settings, issue_date=date(2026, 3, 12), now=NOW)
    assert briefing.items
    for entry in briefing.items:
        assert "Monaco" not in entry.summary
        assert entry.summary.startswith("Le Grand Prix numéro")
        assert entry.reading_minutes is None


def test_ftfy_is_imported_only_for_a_broken_text() -> None:
    code = ("import sys\nfrom newsletter.feeds.roles import repair\n"
            "assert repair('Un titre sans défaut : « oui »') == 'Un titre sans défaut : « oui »'\n"
            "assert 'ftfy' not in sys.modules\n"
            "assert repair('Ã‰té') == 'Été' and 'ftfy' in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
