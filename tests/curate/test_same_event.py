"""Same event told twice: selection joins the second article to the first (curate/same_event.py).

Every headline here is written for these tests: one publisher's day in English, a few French
and Arabic stories. The two storm articles are worded apart on purpose, as grouping leaves them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from newsletter.curate import EditorialRules, build_briefing
from newsletter.curate.cluster import cluster_stories, cosine, tfidf_vectors
from newsletter.curate.rank import score_clusters, select
from newsletter.curate.same_event import SameEvent
from newsletter.models import ScoredCluster, SourceRef, Story
from tests.curate.test_briefing import settings

NOW = datetime(2026, 10, 4, 6, tzinfo=UTC)
DAY = date(2026, 10, 4)


def story(n: int, title: str, summary: str, *, source: str = "The Courier",
          language: str = "en") -> Story:
    url = f"https://{source.lower().replace(' ', '')}.example/{n}"
    return Story(id=f"c{n}", url=url, title=title, summary=summary,
                 published=NOW - timedelta(hours=1 + n / 4),
                 source=SourceRef(source, url, url.rsplit("/", 1)[0] + "/rss"),
                 language=language, section="World")


ROOFS = story(1, "Roofs torn off as storm Lyra reaches Norland and troops are sent to clear roads",
              "Soldiers were sent on Sunday to remove fallen trees after the storm tore through "
              "fishing towns overnight, cutting power to 80,000 homes.")
COAST = story(2, "Storm Lyra batters Norland’s north coast, leaving a trail of ‘shocking’ damage",
              "Residents described waves crashing over sea walls as the storm, downgraded from a "
              "hurricane, came ashore with winds of 150 km/h and left harbours wrecked.")
TALKS = story(3, "Varnia’s allies Kessa and Lotan call for negotiations to end Ostland war",
              "Two of Varnia’s main trading partners urged a ceasefire at the regional summit, the "
              "first such call since the invasion began in the spring.")
DISSENT = story(4, "Expect dissent to rise as Dravik’s call-up brings Ostland war home to Varnians",
                "Families of reservists protested in three cities after the mobilisation order, a "
                "rare show of defiance against the government.")
MORE_WAR = [
    story(5, "Ostland says it retook two villages near the southern front",
          "The army said its troops crossed the river at dawn; the claim could not be verified."),
    story(6, "Singer cancels Varnia concerts after remarks on the Ostland war",
          "Promoters said ticket holders would be refunded within a fortnight."),
]
OTHER_NEWS = [
    story(7, "Central bank holds rates as inflation eases for a third month",
          "Policymakers kept the main rate at 3.5% and said price growth had slowed."),
    story(8, "Teachers strike over pay as talks with ministry collapse",
          "Most secondary schools in the capital were shut on Monday."),
    story(9, "Ferry operator cuts winter crossings to the islands",
          "Islanders said the timetable would leave them without a morning boat."),
    story(10, "Rail fares to rise by 4% in January",
          "Season tickets on commuter lines will cost up to 150 more a year."),
    story(11, "Court jails former mayor for taking bribes from builders",
          "The judge said the payments had bought planning permission for six towers."),
    story(12, "Scientists find a new species of frog in a cloud forest",
          "The tiny amphibian lives only on moss-covered branches above 2,000 metres."),
    story(13, "Tropical storm Kemi strengthens as it nears the Palm Islands",
          "Forecasters said the storm could become a hurricane by Tuesday."),
    story(14, "Carmaker recalls 40,000 vehicles over a brake fault",
          "Owners were told to book a free repair at any dealer."),
    story(15, "Hospital waiting lists fall for the first time in two years",
          "Health officials credited extra weekend clinics for hip and knee operations."),
    story(16, "Chess prodigy, 12, becomes the country’s youngest grandmaster",
          "She secured the title with a draw in the final round of the open tournament."),
    story(17, "Museum returns carved masks to the people who made them",
          "The masks were taken by a collector more than a century ago."),
    story(18, "Wildfire near the border forces 2,000 people from their homes",
          "Firefighters said dry winds had pushed the flames across a valley overnight."),
]


def chosen(stories: list[Story], *, redundancy: float = 0.5, rules: EditorialRules | None = None,
           threshold: float = 0.2) -> list[ScoredCluster]:
    clusters = cluster_stories(stories, threshold=threshold, language="en")
    assert not any({ROOFS.id, COAST.id} <= {s.id for s in c.stories} for c in clusters)
    ranked = score_clusters(clusters, now=NOW, half_life_hours=12, language="en", rules=rules)
    return select(ranked, max_per_source=99, max_per_section=99, redundancy=redundancy, limit=40)


def headlines(stories: list[Story], redundancy: float = 0.5) -> list[str]:
    briefing = build_briefing(stories, settings(language="en", cluster_threshold=0.2,
                                                redundancy=redundancy), issue_date=DAY, now=NOW)
    return [i.headline for i in (*briefing.items, *briefing.in_brief)]


def test_a_second_article_on_the_same_event_joins_the_first() -> None:
    day = [ROOFS, COAST, TALKS, DISSENT, *MORE_WAR, *OTHER_NEWS]
    shown = headlines(day)
    picked = chosen(day)
    storm = [s for s in picked if {ROOFS.id, COAST.id} & {x.id for x in s.cluster.stories}]
    assert len(storm) == 1
    lead, joined = storm[0].cluster.stories
    assert {lead.id, joined.id} == {ROOFS.id, COAST.id}
    why = dict(storm[0].reasons)["same event"]
    assert f"«{joined.title}»" in why and "name Lyra and Norland" in why
    assert len(picked) == len(chosen(day, redundancy=0.0)) - 1  # one candidate fewer
    assert sum("Lyra" in h for h in headlines(day, redundancy=0.0)) == 2
    assert sum("Lyra" in h for h in shown) == 1
    assert shown == headlines([s for s in day if s.id != joined.id])  # as if told once


def test_the_same_event_from_another_publisher_becomes_its_second_link() -> None:
    other = story(2, COAST.title, COAST.summary, source="Evening Post")
    briefing = build_briefing([ROOFS, other, TALKS, DISSENT, *MORE_WAR, *OTHER_NEWS],
                              settings(language="en", cluster_threshold=0.2),
                              issue_date=DAY, now=NOW)
    items = [i for i in (*briefing.items, *briefing.in_brief) if "Lyra" in i.headline]
    assert len(items) == 1
    links = {(items[0].source, items[0].url), *((r.name, r.url) for r in items[0].also_in)}
    assert links == {("The Courier", ROOFS.url), ("Evening Post", other.url)}


def test_two_events_of_one_war_both_stay() -> None:
    """Allies calling for talks and dissent over a call-up: one war, two stories."""
    shown = headlines([ROOFS, COAST, TALKS, DISSENT, *MORE_WAR, *OTHER_NEWS])
    assert TALKS.title in shown and DISSENT.title in shown
    assert SameEvent([TALKS, DISSENT, *OTHER_NEWS]).names_shared(TALKS, DISSENT, 1.0) == ()


def test_a_topic_s_names_or_names_alone_do_not_make_one_event() -> None:
    """Two headlines naming Varnia and Ostland and "war": the same war, not the same event."""
    summit = story(19, "Neighbours of Varnia urge Ostland to end the war at a summit",
                   "Leaders meeting at the lakeside resort asked for a ceasefire by winter.")
    home = story(22, "Mothers in Varnia march as the Ostland war drags on",
                 "Thousands walked to the parliament to ask where their sons are serving.")
    war_day = [summit, home, *MORE_WAR, *OTHER_NEWS]  # four of the day's stories name them
    assert SameEvent(war_day).names_shared(summit, home, 1.0) == ()
    quiet_day = [summit, home, *OTHER_NEWS]  # only these two do: then the texts must agree
    assert SameEvent(quiet_day).names_shared(summit, home, 1.0) == ("Varnia", "Ostland")
    assert SameEvent(quiet_day).names_shared(summit, home, 0.09) == ()
    pact = story(23, "Kessa and Lotan sign a fishing pact", "The deal shares the northern banks.")
    row = story(24, "Lotan recalls its envoy from Kessa", "A spying case soured relations.")
    assert SameEvent([pact, row, *OTHER_NEWS]).names_shared(pact, row, 1.0) == ()  # names only


def test_one_shared_name_is_not_one_event() -> None:
    """A new accident at a park and the story of an earlier one's victim share a name and "crash"."""
    ride = story(20, "Carriages collide at Wellmoor Park in a second crash this month",
                 "Sixteen riders were hurt when two cars of the coaster met on the lift hill.")
    victim = story(21, "Teacher hurt in the Wellmoor Park crash speaks of her recovery",
                   "She spent six weeks in hospital after the July accident on the coaster.")
    day = [ride, victim, *OTHER_NEWS]
    assert SameEvent(day).names_shared(ride, victim, 1.0) == ()
    picked = chosen(day, threshold=1.01)  # grouping may join them; selection alone does not
    assert {ride.id, victim.id} <= {s.cluster.lead.id for s in picked}


def test_french_headlines_share_names_through_their_stems() -> None:
    roofs = story(30, "Tempête Lyra : l'armée envoyée dégager les routes d'Ambrac",
                  "Des soldats ont été déployés dimanche pour retirer les arbres tombés pendant la "
                  "nuit sur les villages de pêcheurs.", language="fr")
    coast = story(31, "La tempête Lyra ravage le port d'Ambrac",
                  "Les vagues ont franchi les digues quand la tempête a touché la côte, laissant des "
                  "ports dévastés et des milliers de foyers sans électricité.", language="fr")
    others = [story(32 + i, title, summary, language="fr") for i, (title, summary) in enumerate([
        ("La banque centrale maintient ses taux", "L'inflation ralentit pour le troisième mois."),
        ("Grève des enseignants dans la capitale", "La plupart des lycées étaient fermés lundi."),
        ("Les tarifs du train augmenteront de 4 % en janvier", "Les abonnements coûteront plus."),
    ])]
    day = [roofs, coast, *others]
    vectors = tfidf_vectors({s.id: s for s in day})
    names = SameEvent(day).names_shared(roofs, coast, cosine(vectors[roofs.id], vectors[coast.id]))
    assert names == ("Lyra", "Ambrac")  # "d'Ambrac": the capital after the elision counts


def test_arabic_has_no_capitals_so_nothing_is_joined() -> None:
    """Without capital letters no word is a name: both stories stay, the penalty alone applies."""
    storm = story(40, "العاصفة ليرا تضرب سواحل نورلاند وتقطع الكهرباء عن آلاف المنازل",
                  "اقتلعت الرياح الأشجار في قرى الصيادين وانقطع التيار عن ثمانين ألف منزل.",
                  language="ar")
    army = story(41, "الجيش ينتشر في نورلاند بعد مرور العاصفة ليرا",
                 "أرسلت الحكومة الجنود لفتح الطرق وإزالة الأشجار المتساقطة في البلدات الساحلية.",
                 language="ar")
    others = [story(42 + i, title, summary, language="ar") for i, (title, summary) in enumerate([
        ("البنك المركزي يبقي على سعر الفائدة", "قال البنك إن التضخم تراجع للشهر الثالث."),
        ("إضراب المعلمين في العاصمة", "أغلقت معظم المدارس الثانوية أبوابها يوم الاثنين."),
        ("ارتفاع أسعار تذاكر القطار في يناير", "سترتفع الاشتراكات الشهرية بنسبة أربعة في المئة."),
    ])]
    day = [storm, army, *others]
    assert SameEvent(day).names_shared(storm, army, 1.0) == ()
    ranked = score_clusters(cluster_stories(day, threshold=1.01, language="ar"), now=NOW,
                            half_life_hours=12, language="ar")
    picked = select(ranked, max_per_source=99, max_per_section=99, redundancy=0.5, limit=40)
    assert {storm.id, army.id} <= {s.cluster.lead.id for s in picked}
    assert not any(name == "same event" for s in picked for name, _ in s.reasons)
    assert any(name == "redundancy" for s in picked for name, _ in s.components)


def test_title_case_headlines_say_nothing_about_names() -> None:
    """Where every word has a capital, capitals do not tell names: nothing is joined."""
    cost = story(50, "Storm Lyra: Norland Counts The Cost", "")
    troops = story(51, "Norland Sends Troops After Storm Lyra", "")
    assert SameEvent([cost, troops, *OTHER_NEWS]).names_shared(cost, troops, 1.0) == ()
    cased = story(52, "Troops sent to Norland after storm Lyra", "")
    assert SameEvent([cost, cased, *OTHER_NEWS]).names_shared(cost, cased, 1.0) == (
        "Lyra", "Norland")  # one sentence-case headline tells them


def test_names_are_read_as_written() -> None:
    """"of" joins a name, a hyphen too; a possessive ends one."""
    loans = story(53, "Bank of Norland offers loans to Saint-Aubin after storm Lyra",
                  "Shops flooded by the storm can borrow from the Bank of Norland at no interest.")
    branch = story(54, "Storm Lyra: Bank of Norland’s Saint-Aubin branch reopens",
                   "Staff of the Bank of Norland cleared the mud from the counters in two days.")
    found = SameEvent([loans, branch, *OTHER_NEWS]).names_shared(loans, branch, 1.0)
    assert found == ("Bank of Norland", "Saint-Aubin", "Lyra")


def test_no_join_without_redundancy_nor_for_a_pinned_story() -> None:
    day = [ROOFS, COAST, TALKS, DISSENT, *MORE_WAR, *OTHER_NEWS]
    off = chosen(day, redundancy=0.0)
    assert {ROOFS.id, COAST.id} <= {s.cluster.lead.id for s in off}
    one_pin = chosen(day, rules=EditorialRules(pins=(COAST.url,)))
    assert [x.id for x in one_pin[0].cluster.stories] == [COAST.id, ROOFS.id]  # joins the pin
    both = chosen(day, rules=EditorialRules(pins=(COAST.url, ROOFS.url)))
    assert [s.cluster.lead.id for s in both[:2]] == [COAST.id, ROOFS.id]  # a pin never joins
