"""The editor's pages: the day's draft (preview, checks, stories, approval) and past issues."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, g, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from ... import pipeline
from ...compose import impersonal
from ...config import Config
from ...desk import approval_deadline, edits, service
from ...errors import EditRefused, NewsletterError
from ...models import Briefing
from ...store import Store
from .auth import Auth, login_required

VIEWS = {"phone": 375, "desktop": 640}
_DARK_QUERY = re.compile(r"@media\s*\(\s*prefers-color-scheme\s*:\s*dark\s*\)")


def parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        abort(404)


def force_scheme(html: str, scheme: str) -> str:
    """The email's dark-mode rules always on (dark) or off (light), whatever the OS says."""
    return _DARK_QUERY.sub("@media all" if scheme == "dark" else "@media not all", html)


def form_revision() -> int:
    """The revision the form was loaded at; 400 when it is not a number (a damaged form)."""
    raw = request.form.get("revision", "-1").strip()
    if not re.fullmatch(r"-?\d{1,9}", raw):
        abort(400, f"the form's revision {raw[:20]!r} is not a number: reload the page")
    return int(raw)


def ledger_counts(counts: dict[str, int]) -> dict[str, int]:
    """The ledger's statuses as the desk shows them: sent, failed, pending."""
    return {"sent": counts.get("sent", 0),
            "failed": sum(counts.get(k, 0) for k in ("failed", "suppressed", "unknown")),
            "pending": sum(counts.get(k, 0) for k in ("pending", "claimed", "deferred", "sending",
                                                      "handed"))}


def add_desk_routes(bp: Blueprint, auth: Auth, page: Callable[..., Any]) -> None:
    config, store = auth.config, auth.store
    required = login_required(auth)

    def language() -> str:
        wanted = request.values.get("lang", config.newsletter.language)
        return wanted if re.fullmatch(r"[a-z]{2}", wanted) else config.newsletter.language

    def choice(name: str, allowed: tuple[str, ...]) -> str:
        value = request.values.get(name, allowed[0])
        return value if value in allowed else allowed[0]

    @bp.get("/")
    @required
    def home() -> BaseResponse:
        return redirect(url_for("editor.draft", day=landing_day(store, pipeline.today(config))
                                .isoformat()))

    @bp.get("/issue/<day>")
    @required
    def draft(day: str) -> Any:
        return show(parse_day(day), language())

    def show(issue_date: date, lang: str, status: int = 200, error: str | None = None,
             ) -> tuple[str, int]:
        d = service.load_draft(config, store, issue_date, lang)
        context: dict[str, Any] = dict(
            day=issue_date, lang=lang, draft=d, error=error, ok=request.args.get("ok"),
            view=choice("view", ("desktop", "phone")), scheme=choice("scheme", ("light", "dark")),
            views=VIEWS, editions=sorted(store.issue_editions(issue_date)),
            csrf=auth.csrf(), editor=g.editor, test_list=service.test_list(config),
            require_approval=config.editor.require_approval,
            deadline=approval_deadline(config, issue_date), on_deadline=config.editor.on_deadline,
            counts=ledger_counts(store.delivery_counts(issue_date)))
        if d is not None:
            context.update(checks=service.checks(config, d), log=store.issue_log(issue_date, lang),
                           stories=_rows(d.briefing), html_kb=len(d.issue.html.encode()) / 1000)
        shown: tuple[str, int] = page("editor/draft.html", status if d else 404, **context)
        return shown

    @bp.get("/issue/<day>/frame")
    @required
    def frame(day: str) -> Response:
        issue = store.get_issue(parse_day(day), language())
        if issue is None:
            abort(404)
        html = impersonal(issue.html, config.newsletter.public_url)
        html = force_scheme(html, choice("scheme", ("light", "dark")))
        html = html.replace("<head>", '<head>\n<base target="_blank">', 1)
        response = Response(html, mimetype="text/html")
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; "
            "frame-ancestors 'self'")
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        return response

    def act(issue_date: date, lang: str, run: Callable[[service.Draft, int], None]) -> Any:
        """Run a change on the draft; back to the page (409 with the reason if refused)."""
        d = service.load_draft(config, store, issue_date, lang)
        if d is None:
            abort(404)
        revision = form_revision()
        try:
            run(d, revision)
        except EditRefused as exc:
            return show(issue_date, lang, 409, exc.message)
        anchor = request.form.get("story", "")
        target = url_for("editor.draft", day=issue_date.isoformat(), lang=lang,
                         view=choice("view", ("desktop", "phone")),
                         scheme=choice("scheme", ("light", "dark")), ok=request.form["action"])
        return redirect(target + (f"#story-{anchor}" if anchor else ""), code=303)

    @bp.post("/issue/<day>/story")
    @required
    def story(day: str) -> Any:
        issue_date, lang = parse_day(day), language()

        def run(d: service.Draft, revision: int) -> None:
            action, sid = request.form.get("action", ""), request.form.get("story", "")
            item = service.story(d, sid)
            edit, log, detail = _story_edit(config, store, d, action, sid, lang)
            service.change(config, store, d, editor=g.editor["username"], action=log,
                           detail=detail or item.headline, revision=revision, now=pipeline.utc_now(),
                           edit=edit)
        return act(issue_date, lang, run)

    @bp.post("/issue/<day>/add")
    @required
    def add(day: str) -> Any:
        issue_date, lang = parse_day(day), language()

        def run(d: service.Draft, revision: int) -> None:
            item = service.item_for_url(config, store, request.form.get("url", ""), lang)
            full = request.form.get("place") != "brief"
            service.change(config, store, d, editor=g.editor["username"], action="add",
                           detail=f"{item.headline} ({item.url})", revision=revision,
                           now=pipeline.utc_now(), edit=lambda b: edits.add(b, item, full=full))
        return act(issue_date, lang, run)

    @bp.post("/issue/<day>/subject")
    @required
    def subject(day: str) -> Any:
        issue_date, lang = parse_day(day), language()

        def run(d: service.Draft, revision: int) -> None:
            values = {k: " ".join(request.form.get(k, "").split()) for k in ("subject", "preheader")}
            hand = {k: v for k, v in values.items() if v}
            if len(values["subject"]) > 150 or len(values["preheader"]) > 250:
                raise EditRefused("a subject has at most 150 characters, a preheader 250")
            kept = {k: v for k, v in d.hand_set.items() if k not in values}
            detail = "; ".join(f"{k}: {v or '(automatic)'}" for k, v in values.items())
            service.change(config, store, replace_hand(d, kept), editor=g.editor["username"],
                           action="subject", detail=detail, revision=revision,
                           now=pipeline.utc_now(), hand_set=hand)
        return act(issue_date, lang, run)

    @bp.post("/issue/<day>/approve")
    @required
    def approve(day: str) -> Any:
        issue_date, lang = parse_day(day), language()

        def run(d: service.Draft, revision: int) -> None:
            name, now = g.editor["username"], pipeline.utc_now()
            if request.form.get("action") == "withdraw":
                store.withdraw_approval(issue_date, lang, editor=name, action="withdraw",
                                        detail="", now=now)
            else:
                store.approve_issue(issue_date, lang, editor=name, expected_revision=revision,
                                    now=now)
        return act(issue_date, lang, run)

    @bp.post("/issue/<day>/test")
    @required
    def test(day: str) -> Any:
        issue_date, lang = parse_day(day), language()

        def run(d: service.Draft, _revision: int) -> None:
            me = request.form.get("action") == "test-me"
            to = [g.editor["email"]] if me else service.test_list(config)
            if not [a for a in to if a]:
                raise EditRefused("no address: " + ("your account has none (an account gets "
                                                    "one at creation: newsletter editors add "
                                                    "NAME --email ADDR); send to the test list"
                                                    if me else "set [editor] test_addresses"))
            try:
                service.send_tests(config, store, d, to, editor=g.editor["username"],
                                   now=pipeline.utc_now())
            except NewsletterError as exc:
                raise EditRefused(f"the test could not be sent: {exc.message}") from exc
        return act(issue_date, lang, run)

    @bp.get("/issues")
    @required
    def issues() -> tuple[str, int]:
        rows = []
        listed = store.list_issues()[:120]
        editions: dict[Any, set[str]] = {}
        for r in listed:
            editions.setdefault(r["issue_date"], set()).add(r["language"])
        by_language: dict[Any, dict[str | None, dict[str, int]]] = {}
        for r in listed:
            state = r["status"]
            if state == "draft" and store.approval(r["issue_date"], r["language"]):
                state = "approved"
            last = store.issue_log(r["issue_date"], r["language"], limit=1)
            if state == "draft" and last and last[0]["action"] == "deadline-skip":
                state = "skipped"
            day = r["issue_date"]
            if day not in by_language:
                by_language[day] = store.delivery_counts_by_language(day)
            # A subscriber gets the edition of their language when one was built, else the
            # newsletter's own: count each delivery under the edition it carried.
            counts: dict[str, int] = {}
            for chosen, numbers in by_language[day].items():
                edition = chosen if chosen in editions[day] else config.newsletter.language
                if edition == r["language"]:
                    for status, n in numbers.items():
                        counts[status] = counts.get(status, 0) + n
            rows.append({**r, "state": state, "counts": ledger_counts(counts)})
        shown: tuple[str, int] = page("editor/issues.html", rows=rows, csrf=auth.csrf(),
                                      editor=g.editor)
        return shown


def landing_day(store: Store, today: date) -> date:
    """Where /editor/ lands: today's issue when built, else the newest draft, else the newest
    issue (the issues page links to every other); today (not built yet) when none is."""
    listed = store.list_issues()
    if any(r["issue_date"] == today for r in listed):
        return today
    drafts = [r for r in listed if r["status"] == "draft"]
    newest = drafts or listed
    return newest[0]["issue_date"] if newest else today


def replace_hand(d: service.Draft, hand_set: dict[str, str]) -> service.Draft:
    from dataclasses import replace

    return replace(d, hand_set=hand_set)


def _rows(b: Briefing) -> list[dict[str, Any]]:
    stories = [*b.items, *b.in_brief]
    return [{"item": item, "position": i + 1, "full": i < len(b.items),
             "first": i == 0, "last": i == len(stories) - 1}
            for i, item in enumerate(stories)]


def _story_edit(config: Config, store: Store, d: service.Draft, action: str, sid: str,
                lang: str) -> tuple[Callable[[Briefing], Briefing], str, str]:
    """The edit a story form asks for: (the change, its log action, its log detail)."""
    simple: dict[str, tuple[Callable[[Briefing], Briefing], str]] = {
        "drop": (lambda b: edits.drop(b, sid), "drop"),
        "pin": (lambda b: edits.pin(b, sid), "pin"),
        "up": (lambda b: edits.move(b, sid, -1), "move"),
        "down": (lambda b: edits.move(b, sid, +1), "move"),
        "brief": (lambda b: edits.to_brief(b, sid), "brief"),
        "full": (lambda b: edits.to_full(b, sid), "full"),
    }
    if action in simple:
        edit, log = simple[action]
        return edit, log, f"{service.story(d, sid).headline}" + (
            f" ({action})" if action in ("up", "down") else "")
    if action == "rewrite":
        old = service.story(d, sid)
        headline, summary = request.form.get("headline"), request.form.get("summary")
        headline = headline if headline is not None and headline.strip() != old.headline else None
        summary = summary if summary is not None and " ".join(summary.split()) != old.summary \
            else None
        if headline is None and summary is None:
            raise EditRefused("nothing changed in the headline or the summary")
        log = "rewrite" if headline and summary else "headline" if headline else "summary"
        detail = "; ".join(f"{k}: {v}" for k, v in (("headline", headline), ("summary", summary))
                           if v is not None)
        return (lambda b: edits.rewrite(b, sid, headline=headline, summary=summary)), log, detail
    if action == "source":
        chosen = service.item_for_url(config, store, request.form.get("source_url", ""), lang)
        return (lambda b: edits.use_source(b, sid, chosen)), "source", \
            f"{chosen.source}: {chosen.headline} ({chosen.url})"
    raise EditRefused(f"unknown action {action!r}")
