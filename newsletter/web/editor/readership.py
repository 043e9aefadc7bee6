"""The desk's Readership page of an issue edition, and the figures as a download.

The figures come from desk/readership.py (clicks per story and section, click-through per
delivered message, robots apart); small numbers are shown as ranges (its docstring).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, g, request

from ...desk import readership
from .auth import Auth, login_required
from .views import parse_day


def add_readership_routes(bp: Blueprint, auth: Auth, page: Callable[..., Any]) -> None:
    config, store = auth.config, auth.store
    required = login_required(auth)

    def language() -> str:
        wanted = request.args.get("lang", config.newsletter.language)
        return wanted if re.fullmatch(r"[a-z]{2}", wanted) else config.newsletter.language

    @bp.get("/issue/<day>/readership")
    @required
    def readership_page(day: str) -> tuple[str, int]:
        issue_date, lang = parse_day(day), language()
        editions = store.issue_editions(issue_date)
        if lang not in editions:
            abort(404)
        figures = readership.edition_figures(config, store, issue_date, lang)
        assert figures is not None  # the edition is stored
        sent = editions[lang]["status"] in readership.SENT_STATUSES
        shown: tuple[str, int] = page(
            "editor/readership.html", day=issue_date, lang=lang, editions=sorted(editions),
            figures=figures, sent=sent, counting=config.readership.clicks,
            count=readership.count_text, rate=readership.rate_text, grouped=readership.grouped,
            fewest=readership.FEWEST_SHOWN, fewest_delivered=readership.FEWEST_DELIVERED,
            csrf=auth.csrf(), editor=g.editor)
        return shown

    @bp.get("/readership.<kind>")
    @required
    def readership_export(kind: str) -> Response:
        """Every sent edition from ?since= (or of ?day=) as `newsletter readership export`."""
        if kind not in ("csv", "json"):
            abort(404)
        day, since = request.args.get("day"), request.args.get("since")
        first = parse_day(day) if day else parse_day(since) if since else None
        last = parse_day(day) if day else None
        rows = readership.export_rows(readership.sent_editions(config, store, since=first,
                                                               until=last))
        name = f"readership-{_span(first, last)}.{kind}"
        mime = "text/csv" if kind == "csv" else "application/json"
        return Response(readership.write_export(rows, kind), mimetype=mime, headers={
            "Content-Disposition": f'attachment; filename="{name}"'})


def _span(first: date | None, last: date | None) -> str:
    if first is None:
        return "all"
    return first.isoformat() if first == last else f"since-{first.isoformat()}"
