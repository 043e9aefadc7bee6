"""The daily job, stage by stage: collect -> build -> send. The only module that calls them all."""

from __future__ import annotations

import contextlib
import dataclasses
import email
import email.message
import email.policy
import functools
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from .brand import Brand
from .compose import MessageFactory, render_issue
from .compose.checks import Check, required_failures
from .compose.dkim_sign import DkimSigner
from .config import Config, parse_hhmm
from .curate import CurateSettings, blocked_stories, build_briefing, rank_stories
from .curate.abstractive import ChatSettings, ChatSummariser, SummaryCache
from .curate.readership import LearnSettings, ReadershipNudge
from .curate.readership import learn as learn_readership
from .delivery import DispatchResult, Sender, dispatch, make_sender
from .delivery.dispatch import LATE_DETAIL
from .demo import SAMPLE_DATE, SampleFeedServer, page_url
from .desk import approval_gate, begin_sending, editors_hold, note_rebuilt
from .desk import readership as desk_readership
from .errors import ConfigError, EditRefused, NewsletterError, RenderError, StaleIssue, StoreError
from .feeds import CollectResult, CollectSettings, FetchSettings, collect
from .feeds.articles import ArticleFetchSettings
from .feeds.opml import opml_feeds
from .models import (
    Briefing,
    BriefingItem,
    FeedSource,
    RenderedIssue,
    RunReport,
    ScoredCluster,
    Story,
    Subscriber,
)
from .ops.alerts import after_run, alert_unknown
from .ops.editorial import editorial_rules, news_value
from .ops.localtime import delivery_hold
from .ops.locks import LockBusy, _Either, held_lock
from .people import mailbox as people_mailbox
from .store import Store
from .text import bound
from .tokens import PREFERENCES, UNSUBSCRIBE, StoryLinks, Tokens

Clock = Callable[[], datetime]


log = logging.getLogger(__name__)

def utc_now() -> datetime:
    return datetime.now(UTC)


def today(config: Config, clock: Clock = utc_now) -> date:
    """The issue date today, in the newsletter's time zone ([demo] issue_date when pinned)."""
    if config.demo.issue_date:
        return date.fromisoformat(config.demo.issue_date)
    return clock().astimezone(config.zone).date()


def issue_window(config: Config, issue_date: date) -> tuple[datetime, datetime]:
    """[start, end) in UTC: the window_hours before the issue's cut-off."""
    cutoff = datetime.combine(issue_date, parse_hhmm(config.schedule.cutoff), tzinfo=config.zone)
    end = cutoff.astimezone(UTC)
    return end - timedelta(hours=config.collect.window_hours), end


def open_store(config: Config) -> Store:
    return Store.open(config.database_url)


# -- collect -------------------------------------------------------------------------------


@contextlib.contextmanager
def _sample_server(config: Config, issue_date: date) -> Iterator[None]:
    """Serve the bundled sample feeds while collecting, when the config asks for it."""
    port = config.demo.sample_feeds_port
    if not port:
        yield
        return
    try:
        server = SampleFeedServer(port, shift_days=(issue_date - SAMPLE_DATE).days)
    except OSError as exc:
        raise NewsletterError(f"cannot serve the sample feeds on 127.0.0.1:{port}: {exc.strerror}",
                              hint=f"free the port or change [demo] sample_feeds_port in "
                                   f"{config.source}") from exc
    with server:
        yield


def collect_stage(config: Config, store: Store, *, issue_date: date, clock: Clock = utc_now,
                  progress: Callable[[str], None] | None = None) -> CollectResult:
    """Fetch every configured feed into the store."""
    with _sample_server(config, issue_date):
        return collect(store, all_feeds(config), now=clock(), settings=collect_settings(config),
                       progress=progress)


def collect_settings(config: Config) -> CollectSettings:
    c = config.collect
    return CollectSettings(
        user_agent=c.user_agent, workers=c.workers, per_host=c.per_host, deadline=c.deadline,
        parse_processes=c.parse_processes,
        fetch=FetchSettings(connect_timeout=c.connect_timeout, read_timeout=c.read_timeout,
                            max_bytes=c.max_bytes, feed_timeout=c.feed_timeout,
                            retries=c.retries, backoff=c.backoff),
        articles=ArticleFetchSettings(
            user_agent=c.user_agent, connect_timeout=c.connect_timeout,
            read_timeout=c.read_timeout, max_bytes=c.article_max_bytes,
            page_timeout=c.article_timeout, retries=c.retries, backoff=c.backoff,
            per_host=c.per_host, obey_robots=c.obey_robots),
        article_workers=c.article_workers, page_url=page_url,
    )


def all_feeds(config: Config) -> tuple[FeedSource, ...]:
    """The [[feeds]] of the config, then those of the OPML file ([collect] feeds_opml)."""
    return config.feeds + opml_feeds(config)


# -- build ---------------------------------------------------------------------------------


def curate_settings(config: Config, language: str | None = None, *,
                    readership: ReadershipNudge | None = None) -> CurateSettings:
    n, c = config.newsletter, config.curate
    return CurateSettings(
        redundancy=c.redundancy, rules=editorial_rules(config),
        section_names=config.section_names, timezone=n.timezone,
        language=language or n.language, title=n.name, reading_minutes=n.reading_minutes,
        words_per_minute=config.words_per_minute, max_items=c.max_items,
        in_brief_items=c.in_brief_items, half_life_hours=c.half_life_hours,
        cluster_threshold=c.cluster_threshold, max_per_source=c.max_per_source,
        rubric_labels=c.rubric_labels, live_blogs=c.live_blogs,
        summary_words=c.summary_words, news_value=news_value(config),
        front_pages=frozenset(f.url for f in config.feeds if f.front_page),
        readership=readership,
    )


def readership_nudge(config: Config, store: Store, issue_date: date, language: str,
                     until: datetime) -> ReadershipNudge | None:
    """What readers clicked in the editions before ``issue_date`` (clicks counted before
    ``until``), as the ranking's nudge; None unless [readership] learn = true."""
    r = config.readership
    if not r.learn:
        return None
    settings = LearnSettings(days=r.learn_days, half_life_days=r.learn_half_life_days,
                             max_factor=r.learn_max_factor, min_delivered=r.learn_min_delivered)
    history = desk_readership.learn_history(config, store, issue_date, language, until)
    return learn_readership(history, issue_date=issue_date, settings=settings)


def web_url(config: Config, issue_date: date, language: str | None = None) -> str:
    base = f"{config.newsletter.public_url.rstrip('/')}/issues/{issue_date.isoformat()}"
    return base if language in (None, config.newsletter.language) else f"{base}?lang={language}"


def rank_stage(config: Config, store: Store, issue_date: date
               ) -> tuple[list[ScoredCluster], list[tuple[Story, str]]]:
    """The ranked candidates of an issue, and the blocked stories (for `rank --explain`)."""
    start, end = issue_window(config, issue_date)
    stories = store.stories_between(start, end)
    language = config.newsletter.language
    settings = curate_settings(config, readership=readership_nudge(config, store, issue_date,
                                                                   language, end))
    return rank_stories(stories, settings, end), blocked_stories(stories, settings)


def chat_summariser(config: Config, store: Store, clock: Clock = utc_now) -> ChatSummariser | None:
    """The abstractive summariser, when [summaries] backend = "openai"."""
    s = config.summaries
    if s.backend != "openai":
        return None
    key = os.environ.get(s.api_key_env, "")
    if not key:
        raise ConfigError(f"{config.source}: [summaries] backend = 'openai' but the environment "
                          f"variable {s.api_key_env} (api_key_env) is empty")
    cache = SummaryCache(store.cached_summary, lambda k, v: store.cache_summary(k, v, clock()))
    return ChatSummariser(ChatSettings(s.base_url, s.model, key, s.timeout), cache)


def issue_languages(config: Config, store: Store) -> list[str]:
    """The newsletter's language first, then every other language a subscriber chose."""
    main = config.newsletter.language
    return [main, *sorted(store.subscriber_languages() - {main})]


def build_stage(config: Config, store: Store, issue_date: date, *, clock: Clock = utc_now,
                notes: list[str] | None = None, discard_edits: bool = False
                ) -> tuple[Briefing, RenderedIssue]:
    """Build, render and store the issue, once per language (frozen at the cut-off).

    Returns the issue in the newsletter's language. A language with no story of its own
    is not built: its subscribers get the newsletter's language. An issue that editors
    changed or approved is rebuilt only with ``discard_edits``.
    """
    notes = notes if notes is not None else []
    hold = editors_hold(store, issue_date)
    if hold and not discard_edits:
        raise EditRefused(f"the {issue_date} issue has editors' work ({hold}): a rebuild would "
                          "discard it", hint=f"newsletter build --date {issue_date} --discard-edits")
    start, end = issue_window(config, issue_date)
    stories = store.stories_between(start, end)
    summariser = chat_summariser(config, store, clock)
    built: list[tuple[Briefing, RenderedIssue]] = []
    for language in issue_languages(config, store):
        skipped: list[BriefingItem] = []
        nudge = readership_nudge(config, store, issue_date, language, end)
        briefing = build_briefing(stories, curate_settings(config, language, readership=nudge),
                                  issue_date=issue_date, now=end, summariser=summariser,
                                  skipped=skipped)
        notes.extend(f"{language}: story skipped, too long for any issue ({len(item.headline)} + "
                     f"{len(item.summary)} characters): {bound(item.headline, 80)!r} {item.url}"
                     for item in skipped)
        if not briefing.items:
            if language == config.newsletter.language:
                raise NewsletterError(
                    f"no story for the {issue_date} issue: nothing was published in "
                    f"{language!r} between {start:%Y-%m-%d %H:%M} and {end:%Y-%m-%d %H:%M} UTC",
                    hint="check the feeds (newsletter feeds check) and the date")
            notes.append(f"no {language!r} story for {issue_date}: those subscribers get the "
                         f"{config.newsletter.language!r} issue")
            continue
        rendered = render_briefing(config, briefing)
        if rendered.moved_online:
            notes.append(f"{language}: {rendered.moved_online} stories only in the web version "
                         f"(the email would pass {config.render.max_html_bytes} bytes)")
        store.save_issue(rendered, briefing_to_dict(briefing), clock())
        built.append((briefing, rendered))
    if hold:
        note_rebuilt(store, issue_date, clock())
    if summariser is not None and summariser.errors:
        notes.append(f"{len(summariser.errors)} abstractive summaries failed; extractive ones "
                     f"used instead (first: {summariser.errors[0]})")
    return built[0]


def render_briefing(config: Config, briefing: Briefing) -> RenderedIssue:
    """The stored artifact of a briefing: the build and the editor's desk both render here.

    Every issue stored comes through here, so an issue without its unsubscribe link or
    postal address (compose.checks.REQUIRED: a template of [render] templates_dir dropped
    them) is refused here, and never reaches a send.
    """
    rendered = render_issue(story_links(config, briefing),
                            postal_address=config.newsletter.postal_address,
                            web_url=web_url(config, briefing.issue_date, briefing.language),
                            inliner=config.render.inliner, limit=config.render.max_html_bytes,
                            brand=brand_of(config), templates_dir=config.templates_dir,
                            clicks_counted=config.readership.clicks)
    failed = required_failures(rendered, config.newsletter.postal_address)
    if failed:
        raise unlawful(config, briefing, failed)
    return rendered


def story_links(config: Config, briefing: Briefing) -> Briefing:
    """With [readership] clicks: every story link (items and in brief) goes through
    {public_url}/r/<token>, which counts the click and redirects to the article.

    Only what is rendered changes: the stored briefing keeps the article URLs, the
    redirect's only targets. The token names the issue, edition and story, the same for
    every reader. Without clicks, the briefing as it is.
    """
    if not config.readership.clicks:
        return briefing
    links = StoryLinks(config.secret())
    base = config.newsletter.public_url.rstrip("/")

    def counted(item: BriefingItem) -> BriefingItem:
        token = links.make(briefing.issue_date, briefing.language, item.story_id)
        return dataclasses.replace(item, url=f"{base}/r/{token}")

    return dataclasses.replace(briefing, items=tuple(map(counted, briefing.items)),
                               in_brief=tuple(map(counted, briefing.in_brief)))


def unlawful(config: Config, briefing: Briefing, failed: list[Check]) -> NewsletterError:
    """What an issue lacks of the law's (its unsubscribe link, its postal address), naming
    the templates that rendered it: a ConfigError when one of them is the user's."""
    what = {"unsubscribe": "the unsubscribe link ({{ unsubscribe_url }})",
            "postal_address": "the postal address ({{ postal_address }})"}
    lacks = "; ".join(f"{what[c.name]} is {c.detail}" for c in failed)
    folder = config.templates_dir
    theirs = [str(folder / "email" / name) for name in ("briefing.html", "briefing.txt")
              if folder is not None and (folder / "email" / name).is_file()]
    message = (f"the {briefing.issue_date} issue ({briefing.language}) cannot be sent: {lacks}")
    if theirs:
        return ConfigError(f"[render] templates_dir: {message}, as rendered by "
                           f"{' and '.join(theirs)}",
                           hint="put them back in the template (docs/branding.md), or remove "
                                "it to use ours")
    return RenderError(message)


def brand_of(config: Config) -> Brand:
    """[brand] as the value renders take (the logo's alt text defaults to the name)."""
    b = config.brand
    return Brand(logo_url=b.logo_url, logo_width=b.logo_width, logo_height=b.logo_height,
                 logo_alt=b.logo_alt or config.newsletter.name, accent_color=b.accent_color,
                 text_color=b.text_color, background_color=b.background_color,
                 font_stack=b.font_stack, footer_text=b.footer_text)


def briefing_to_dict(briefing: Briefing) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(dataclasses.asdict(briefing), default=str))
    return data


# -- send ----------------------------------------------------------------------------------


def message_factory(config: Config, issue: RenderedIssue, *, subject_prefix: str = ""
                    ) -> MessageFactory:
    tokens = Tokens(config.secret())
    base = config.newsletter.public_url.rstrip("/")
    domain = config.sending_domain
    # Tokens dated the issue's day, not the second they are made: a message built again
    # after a crash is byte-identical, as an idempotent provider's replay needs.
    minted = int(datetime.combine(issue.issue_date, datetime.min.time(), UTC).timestamp())

    @functools.lru_cache(maxsize=1)  # the URL and the mailto of one subscriber share it
    def token(subscriber_id: int) -> str:
        return tokens.make(UNSUBSCRIBE, subscriber_id, at=minted)

    def unsubscribe_url(subscriber: Subscriber) -> str:
        return f"{base}/unsubscribe/{token(subscriber.id)}"

    # The mailto only when its mailbox is read (`unsubscribes process`): https only otherwise.
    mailbox = config.delivery.unsubscribe_mailbox

    def unsubscribe_mailto(subscriber: Subscriber) -> str:
        return people_mailbox.unsubscribe_mailto(mailbox, token(subscriber.id))

    def preferences_url(subscriber: Subscriber) -> str:
        return f"{base}/preferences/{tokens.make(PREFERENCES, subscriber.id, at=minted)}"

    signer = None
    if config.dkim.key_path:
        signer = DkimSigner.load(config.dkim.domain or domain, config.dkim.selector,
                                 config.path(config.dkim.key_path))
    return MessageFactory(issue, sender_address=config.newsletter.sender_address,
                          list_name=config.newsletter.name, domain=domain,
                          unsubscribe_url=unsubscribe_url,
                          unsubscribe_mailto=unsubscribe_mailto if mailbox else None,
                          preferences_url=preferences_url, signer=signer,
                          subject_prefix=subject_prefix)


def stored_issue(config: Config, store: Store, issue_date: date) -> RenderedIssue:
    issue = store.get_issue(issue_date, config.newsletter.language)
    if issue is None:
        raise StoreError(f"no {issue_date} issue has been built yet",
                         hint=f"run: newsletter build --date {issue_date}")
    return issue


def send_window_closes(config: Config, issue_date: date) -> datetime | None:
    """When the issue becomes stale: [schedule] send_at + [delivery] send_window_hours."""
    hours = config.delivery.send_window_hours
    if not hours:
        return None
    send_at = datetime.combine(issue_date, parse_hhmm(config.schedule.send_at), tzinfo=config.zone)
    return send_at + timedelta(hours=hours)


def may_send(config: Config, store: Store, issue_date: date, now: datetime, *, force: bool,
             command: str = "newsletter send") -> None:
    """Raise unless the issue may go now: its approval ([editor] require_approval), then its
    send window (unless --force, or local-time delivery, which checks it per subscriber)."""
    approval_gate(config, store, issue_date, now)
    closes = send_window_closes(config, issue_date)
    if (closes is not None and now > closes and not force
            and not config.schedule.local_delivery):
        raise StaleIssue(
            f"the {issue_date} issue is past its send window (closed {closes:%Y-%m-%d %H:%M %Z}): "
            "not sent", hint=f"{command} --date {issue_date} --force sends it anyway")


def send_stage(config: Config, store: Store, issue_date: date, *, clock: Clock = utc_now,
               sender: Sender | None = None, progress: Callable[[int], None] | None = None,
               force: bool = False, resend_failed: bool = False, resend_unknown: bool = False,
               sleep: Callable[[float], None] = time.sleep,
               stop: threading.Event | None = None) -> DispatchResult:
    """Send the stored issue to every active subscriber who has not had it yet.

    Refuses a stale issue (past its send window) unless ``force``; ``resend_failed``
    first puts permanently failed deliveries back in the queue, ``resend_unknown`` those
    in doubt (handed over without an answer: the operator decided). Deliveries a stopped
    send left in flight are settled first (delivery/recovery.py); unknown ones are
    alerted (ops/alerts.py). With [schedule]
    local_delivery, only subscribers whose local send time has come get it (ops/localtime.py),
    and the send window is checked per subscriber. With [editor] require_approval, an
    unapproved issue waits for its approval deadline (desk/approval.py).
    """
    may_send(config, store, issue_date, clock(), force=force)
    local = config.schedule.local_delivery
    if resend_failed:
        store.requeue_failed(issue_date, clock())
    elif force and local:  # --force: those recorded as past their window go too
        store.requeue_failed(issue_date, clock(), detail=LATE_DETAIL)
    if resend_unknown:
        store.requeue_unknown(issue_date, clock())
    main = message_factory(config, stored_issue(config, store, issue_date))
    factories: dict[str | None, MessageFactory] = {config.newsletter.language: main}

    def factory(language: str | None) -> MessageFactory:
        """The subscriber's language edition when one was built, else the main one."""
        if language not in factories:
            issue = store.get_issue(issue_date, language) if language else None
            factories[language] = message_factory(config, issue) if issue else main
        return factories[language]

    hold = delivery_hold(config, issue_date, clock, force=force) if local else None
    stop = stop or threading.Event()
    lost = threading.Event()
    lock_lost = _Either(stop, lost)
    with held_lock(store, "send", clock, lost=lost) as owner:
        result = _send_locked(config, store, issue_date, factory, clock, sender, progress,
                              sleep, lock_lost, hold, owner)
    if result.unknown:
        alert_unknown(config, store, issue_date, result.unknown, clock())
    if lost.is_set():
        raise LockBusy("this send lost its lock (stalled past its expiry, or the store was "
                       "unreachable): it stopped after the chunk under way",
                       hint="run again: the ledger resumes where it stopped")
    return result


def _send_locked(config: Config, store: Store, issue_date: date,
                 factory: Callable[[str | None], MessageFactory], clock: Clock,
                 sender: Sender | None, progress: Callable[[int], None] | None,
                 sleep: Callable[[float], None], stop: threading.Event | None,
                 hold: Callable[[Subscriber], str | None] | None = None,
                 owner: str | None = None) -> DispatchResult:
    begin_sending(config, store, issue_date, clock())
    sender = sender or make_sender(config, issue_date)
    try:
        result = dispatch(store, sender, factory, issue_date=issue_date,
                          batch_size=config.delivery.batch_size, clock=clock, progress=progress,
                          retries=config.delivery.retries, backoff=config.delivery.retry_backoff,
                          sleep=sleep, stop=stop, hold=hold, owner=owner,
                          lease=timedelta(seconds=config.workers.lease_seconds))
    finally:
        sender.close()
    counts = store.delivery_counts(issue_date)
    # Interrupted (SIGTERM, lost lock): subscribers not reached yet have no ledger row,
    # so the counts cannot tell; the issue stays "sending" for the next round to finish.
    if not result.interrupted and not result.not_due and \
            not any(counts.get(k) for k in ("sending", "handed", "claimed", "pending",
                                            "deferred")):
        store.set_issue_status(issue_date, "sent")
    return result


def send_test(config: Config, store: Store, issue_date: date, address: str | list[str], *,
              clock: Clock = utc_now, language: str | None = None) -> str:
    """Send the stored issue to one address (or several) with [TEST] in the subject.

    The ledger is untouched. The test messages carry subscriber ids 0, -1, -2…: no
    subscriber has them, so a test's unsubscribe link unsubscribes nobody.
    """
    from .models import normalise_email

    addresses = [address] if isinstance(address, str) else address
    issue = (store.get_issue(issue_date, language) if language else None) \
        or stored_issue(config, store, issue_date)
    factory, now = message_factory(config, issue, subject_prefix="[TEST] "), clock()
    messages = [factory.build(Subscriber(id=-i, email=normalise_email(a)), now)
                for i, a in enumerate(addresses)]
    sender = make_sender(config, issue_date, test=True)
    try:
        results = sender.send_batch(messages)
    finally:
        sender.close()
    if isinstance(address, str):
        return f"{results[0].status.value}: {results[0].detail}"
    return "; ".join(f"{m.recipient}: {r.status.value}: {r.detail}"
                     for m, r in zip(messages, results, strict=True))


def write_preview(config: Config, store: Store, issue_date: date, folder: Path) -> list[Path]:
    """The stored issue exactly as a subscriber gets it (the parts of a real message)."""
    issue = stored_issue(config, store, issue_date)
    sample = Subscriber(id=0, email="preview@example.invalid")
    message = message_factory(config, issue).build(sample, utc_now())
    parsed = email.message_from_bytes(message.data, policy=email.policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    text, html = (part.get_content() for part in parsed.iter_parts())
    folder.mkdir(parents=True, exist_ok=True)
    html_path, text_path = folder / f"{issue_date}.html", folder / f"{issue_date}.txt"
    html_path.write_text(html.replace("\r\n", "\n"), encoding="utf-8")
    text_path.write_text(text.replace("\r\n", "\n"), encoding="utf-8")
    return [html_path, text_path]


# -- the whole job -------------------------------------------------------------------------


def run(config: Config, store: Store, issue_date: date, *, dry_run: bool = False,
        force: bool = False, clock: Clock = utc_now, sender: Sender | None = None,
        stop: threading.Event | None = None,
        progress: Callable[[str], None] | None = None,
        report: RunReport | None = None) -> RunReport:
    """Collect, build (unless already sending or sent), send. Safe to run twice.

    Fills ``report`` when given: a caller keeps what the run did even when it raises.
    """
    report = report if report is not None else RunReport(issue_date=issue_date)
    run_id = store.start_run("run", issue_date, clock())
    try:
        collected = collect_stage(config, store, issue_date=issue_date, clock=clock,
                                  progress=progress)
        report.feeds_ok = collected.ok + collected.not_modified
        report.feeds_failed = collected.failed
        report.feeds_disabled = collected.disabled
        report.entries_skipped = collected.skipped_entries
        report.stories_new = collected.new_stories
        report.articles = collected.articles
        if collected.articles.get("error"):
            report.notes.append(f"article pages: {collected.articles['error']}")
        report.notes += [f"{url}: {warning}" for url, warning in collected.warnings]
        status = store.issue_status(issue_date, config.newsletter.language)
        hold = editors_hold(store, issue_date) if status == "draft" else None
        if hold:
            report.notes.append(f"the {issue_date} issue keeps the editors' version ({hold}): "
                                "not rebuilt")
            _describe_stored(report, store, config, issue_date)
        elif status in (None, "draft"):
            briefing, issue = build_stage(config, store, issue_date, clock=clock,
                                          notes=report.notes)
            _describe(report, briefing, issue)
        else:
            report.notes.append(f"the {issue_date} issue is already {status}: not rebuilt")
            _describe_stored(report, store, config, issue_date)
        if dry_run:
            report.notes.append("dry run: nothing sent")
        else:
            _send_into(report, config, store, issue_date, clock, sender, force, stop)
    except NewsletterError as exc:
        report.notes.append(f"error: {exc.message}")
        if not report.stories_seen:  # the build failed before counting them
            with contextlib.suppress(StoreError):
                window = store.stories_between(*issue_window(config, issue_date))
                report.stories_seen = len({story.id for story in window})
        store.finish_run(run_id, "error", report.to_dict(), clock())
        after_run(config, store, command="run", issue_date=issue_date, outcome="error",
                  report=report.to_dict(), error=exc, now=clock())
        raise
    outcome = "failed" if report.failed else "ok"
    store.finish_run(run_id, outcome, report.to_dict(), clock())
    after_run(config, store, command="run", issue_date=issue_date, outcome=outcome,
              report=report.to_dict(), error=None, now=clock())
    return report


def _send_into(report: RunReport, config: Config, store: Store, issue_date: date,
               clock: Clock, sender: Sender | None, force: bool,
               stop: threading.Event | None) -> None:
    result = send_stage(config, store, issue_date, clock=clock, sender=sender, force=force,
                        stop=stop)
    if result.interrupted:
        report.notes.append("stopped on request (SIGTERM) after the current chunk; run again "
                            "to send the rest")
    report.messages_sent = result.sent
    report.messages_failed = result.failed + result.deferred + result.unknown
    report.messages_skipped = result.skipped
    if result.requeued or result.stranded or result.replayed:
        report.notes.append(stopped_note(result))
    if result.not_due or result.late:
        report.notes.append(f"local-time delivery: {result.not_due} subscriber(s) wait for their "
                            f"local send time, {result.late} past their send window")
    if result.attempted == 0:
        report.notes.append(
            f"nothing to send: every active subscriber already has the {issue_date} issue "
            f"({result.skipped} skipped)" if result.skipped else "nothing to send: no active subscribers")


def stopped_note(result: DispatchResult) -> str:
    """What this run did with the deliveries a stopped send had left in flight."""
    return (f"a stopped send had left {result.requeued + result.replayed + result.stranded} "
            f"deliveries in flight: {result.requeued} never delivered (sent again), "
            f"{result.replayed} sent again under their idempotency keys, {result.stranded} "
            "unknown (they may have been delivered: send --resend-unknown sends them again)")


def _describe(report: RunReport, briefing: Briefing, issue: RenderedIssue) -> None:
    report.stories_seen = briefing.stories_seen
    report.items_chosen = len(briefing.items)
    report.in_brief = len(briefing.in_brief)
    report.reading_minutes = briefing.reading_minutes
    report.html_bytes = len(issue.html.encode("utf-8"))


def _describe_stored(report: RunReport, store: Store, config: Config, issue_date: date) -> None:
    data = store.issue_briefing(issue_date, config.newsletter.language) or {}
    report.stories_seen = int(data.get("stories_seen", 0))
    report.items_chosen = len(data.get("items", []))
    report.in_brief = len(data.get("in_brief", []))
    report.reading_minutes = int(data.get("reading_minutes", 0))
    issue = store.get_issue(issue_date, config.newsletter.language)
    report.html_bytes = len(issue.html.encode("utf-8")) if issue else 0
