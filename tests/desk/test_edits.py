"""Editors' changes: pure briefing edits, then the stored draft re-rendered and logged."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from newsletter import pipeline
from newsletter.config import Config
from newsletter.desk import edits, service
from newsletter.errors import EditRefused
from newsletter.models import SourceRef, Story
from newsletter.store import Store
from tests.compose.test_checks import briefing, item
from tests.conftest import make_config

NOW = datetime(2026, 11, 29, 5, 30, tzinfo=UTC)
DAY = date(2026, 11, 29)


def ids(b: object) -> tuple[list[str], list[str]]:
    return [i.story_id for i in b.items], [i.story_id for i in b.in_brief]  # type: ignore[attr-defined]


def test_briefing_round_trips_through_its_stored_form() -> None:
    b = briefing(items=(item(1, also_in=(SourceRef("Other", "https://o.example/1", "f"),)),))
    assert edits.briefing_from_dict(pipeline.briefing_to_dict(b)) == b


def test_moves_keep_the_number_of_full_stories() -> None:
    b = briefing()  # s1 s2 s3 | s4
    assert ids(edits.move(b, "s2", -1)) == (["s2", "s1", "s3"], ["s4"])
    assert ids(edits.move(b, "s3", +1)) == (["s1", "s2", "s4"], ["s3"])  # crosses the line
    assert ids(edits.move(b, "s1", -1)) == ids(b)  # already first
    assert ids(edits.pin(b, "s4")) == (["s4", "s1", "s2"], ["s3"])


def test_drop_and_brief_and_full_change_the_line() -> None:
    b = briefing()
    assert ids(edits.drop(b, "s2")) == (["s1", "s3"], ["s4"])
    assert ids(edits.drop(b, "s4")) == (["s1", "s2", "s3"], [])
    assert ids(edits.to_brief(b, "s1")) == (["s2", "s3"], ["s1", "s4"])
    assert ids(edits.to_full(b, "s4")) == (["s1", "s2", "s3", "s4"], [])
    with pytest.raises(EditRefused):
        edits.drop(b, "nope")


def test_rewrite_checks_and_counts_words() -> None:
    b = edits.rewrite(briefing(), "s2", headline="  New   headline ", summary="Three new words")
    assert b.items[1].headline == "New headline" and b.items[1].summary_words == 3
    with pytest.raises(EditRefused):
        edits.rewrite(briefing(), "s2", headline="   ")
    with pytest.raises(EditRefused):
        edits.rewrite(briefing(), "s2", summary="word " * 151)


def test_add_refuses_a_story_already_there_and_use_source_keeps_the_former_lead() -> None:
    b = briefing()
    assert ids(edits.add(b, item(7))) == (["s1", "s2", "s3", "s7"], ["s4"])
    assert ids(edits.add(b, item(7), full=False)) == (["s1", "s2", "s3"], ["s4", "s7"])
    with pytest.raises(EditRefused):
        edits.add(b, item(8, url="https://news.example/2"))
    other = item(9, source="Evening", url="https://evening.example/9", headline="Their take")
    swapped = edits.use_source(b, "s2", other).items[1]
    assert (swapped.source, swapped.url, swapped.rank) == ("Evening", "https://evening.example/9", 2)
    assert swapped.also_in[0].url == "https://news.example/2"


def test_settle_follows_headlines_unless_set_by_hand() -> None:
    b = edits.settle(edits.pin(briefing(), "s3"), words_per_minute=200)
    assert b.subject == "Headline number 3 about the harbour"
    assert b.word_count == 3 * (6 + 6) + 6 and b.reading_minutes == 1
    hand = edits.settle(b, words_per_minute=200, subject="My subject", preheader="Mine")
    assert (hand.subject, hand.preheader) == ("My subject", "Mine")


# -- on the stored draft ---------------------------------------------------------------------


@pytest.fixture
def desk(tmp_path: Path) -> tuple[Config, Store]:
    config = make_config(tmp_path, newsletter={"language": "en"})
    store = Store.open(config.database_url)
    b = briefing()
    store.save_issue(pipeline.render_briefing(config, b), pipeline.briefing_to_dict(b), NOW)
    return config, store


def draft(config: Config, store: Store) -> service.Draft:
    d = service.load_draft(config, store, DAY, "en")
    assert d is not None
    return d


def test_a_change_rerenders_logs_and_withdraws_approval(desk: tuple[Config, Store]) -> None:
    config, store = desk
    store.approve_issue(DAY, "en", editor="amina", expected_revision=0, now=NOW)
    d = draft(config, store)
    assert d.state == "approved" and d.revision == 1
    service.change(config, store, d, editor="amina", action="drop", detail="Headline number 2",
                   revision=d.revision, now=NOW, edit=lambda b: edits.drop(b, "s2"))
    after = draft(config, store)
    assert after.state == "draft" and after.approval is None
    assert "https://news.example/2" not in after.issue.html + after.issue.text
    assert "https://news.example/3" in after.issue.html and "https://news.example/3" in after.issue.text
    assert [i.story_id for i in after.briefing.items] == ["s1", "s3"]
    log = store.issue_log(DAY, "en")
    assert [(e["editor"], e["action"]) for e in log] == [("amina", "drop"), ("amina", "approve")]
    assert log[0]["at"] == NOW
    assert store.edits_since_build(DAY, "en") == 1


def test_hand_set_subject_survives_later_changes(desk: tuple[Config, Store]) -> None:
    config, store = desk
    d = draft(config, store)
    service.change(config, store, d, editor="a", action="subject", detail="Harbour special",
                   revision=d.revision, now=NOW, hand_set={"subject": "Harbour special"})
    d = draft(config, store)
    service.change(config, store, d, editor="a", action="pin", detail="", revision=d.revision,
                   now=NOW, edit=lambda b: edits.pin(b, "s3"))
    d = draft(config, store)
    assert d.issue.subject == "Harbour special" and d.briefing.items[0].story_id == "s3"
    assert d.issue.preheader.startswith("Headline number 1")  # still follows the headlines


def test_stale_revision_and_sent_issue_are_refused(desk: tuple[Config, Store]) -> None:
    config, store = desk
    d = draft(config, store)
    service.change(config, store, d, editor="a", action="drop", detail="", revision=d.revision,
                   now=NOW, edit=lambda b: edits.drop(b, "s4"))
    with pytest.raises(EditRefused, match="changed since"):
        service.change(config, store, d, editor="b", action="drop", detail="",
                       revision=d.revision, now=NOW, edit=lambda b: edits.drop(b, "s3"))
    store.set_issue_status(DAY, "sending")
    with pytest.raises(EditRefused, match="sending"):
        service.change(config, store, draft(config, store), editor="a", action="drop", detail="",
                       revision=1, now=NOW, edit=lambda b: edits.drop(b, "s3"))
    with pytest.raises(EditRefused):
        store.approve_issue(DAY, "en", editor="a", expected_revision=None, now=NOW)


def test_add_by_url_needs_a_collected_story(desk: tuple[Config, Store]) -> None:
    config, store = desk
    source = SourceRef("Harbour Post", "https://harbour.example/cranes", "https://harbour.example/rss")
    story = Story(id="h1", url=source.url, title="New cranes arrive at the harbour",
                  summary="Four new cranes arrived on Sunday. They will double the port's "
                          "capacity by spring.", published=NOW, source=source, language="en")
    store.add_stories([story, replace(story, source=SourceRef(
        "Coast News", "https://coast.example/c", "https://coast.example/rss"),
        url="https://coast.example/c")], NOW)
    with pytest.raises(EditRefused, match="no collected story"):
        service.item_for_url(config, store, "https://elsewhere.example/x", "en")
    added = service.item_for_url(config, store, "https://coast.example/c", "en")
    assert (added.source, added.url) == ("Coast News", "https://coast.example/c")
    assert [r.name for r in added.also_in] == ["Harbour Post"]
    d = draft(config, store)
    service.change(config, store, d, editor="a", action="add", detail=added.url,
                   revision=d.revision, now=NOW, edit=lambda b: edits.add(b, added))
    d = draft(config, store)
    assert "New cranes arrive at the harbour" in d.issue.html and added.url in d.issue.text
