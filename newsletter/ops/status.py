"""`newsletter status`: last runs, next runs, failing feeds, the current issue's ledger, the lock."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from ..config import Config
from ..store import Store
from .scheduler import next_runs


def gather(config: Config, store: Store, now: datetime) -> dict[str, Any]:
    """Everything `status` shows, as JSON-ready data."""
    today = now.astimezone(config.zone).date()
    current = store.latest_issue_date(today) or today
    stored = store.scheduled_jobs()
    upcoming = stored if stored is not None else next_runs(config, now)
    return {
        "now": now.isoformat(),
        "issue": {
            "issue_date": current.isoformat(),
            "status": store.issue_status(current, config.newsletter.language) or "not built",
            "deliveries": store.delivery_counts(current),
            "local_delivery": config.schedule.local_delivery,
        },
        "send_lock": store.lock_holder("send", now),
        "runs": [_run(r) for r in store.last_runs(10)],
        "next_runs": {
            "source": "job store" if stored is not None else "config (no daemon has run)",
            "jobs": [{"job": job, "at": at.astimezone(config.zone).isoformat() if at else None}
                     for job, at in upcoming],
        },
        "failing_feeds": [{"url": f.url, "name": f.name, "failures": f.consecutive_failures,
                           "last_error": f.last_error,
                           "last_success": f.last_success.isoformat() if f.last_success else None}
                          for f in store.feed_states() if f.consecutive_failures],
        "alerts": [{"key": a["key"], "subject": a["subject"],
                    "at": a["created_at"].isoformat()} for a in store.recent_alerts(5)],
    }


def _run(row: dict[str, Any]) -> dict[str, Any]:
    started, finished = row["started_at"], row["finished_at"]
    report = json.loads(row["report_json"] or "{}")
    return {
        "id": row["id"], "command": row["command"],
        "issue_date": row["issue_date"].isoformat() if row["issue_date"] else None,
        "outcome": row["outcome"],
        "started_at": started.isoformat(),
        "finished_at": finished.isoformat() if finished else None,
        "seconds": round((finished - started).total_seconds(), 1) if finished else None,
        "sent": report.get("messages_sent"),
        "failed": report.get("messages_failed"),
        "notes": report.get("notes", []),
    }


def render(data: dict[str, Any]) -> list[str]:
    """The status as lines of text."""
    issue = data["issue"]
    counts = ", ".join(f"{k} {v}" for k, v in sorted(issue["deliveries"].items())) or "none"
    lines = [f"issue {issue['issue_date']}: {issue['status']}; deliveries: {counts}"
             + (" (local-time delivery)" if issue["local_delivery"] else ""),
             f"send lock: {data['send_lock'] or 'free'}",
             f"next runs (from the {data['next_runs']['source']}):"]
    for job in data["next_runs"]["jobs"]:
        lines.append(f"  {job['job']:<8} {(job['at'] or 'never')[:16].replace('T', ' ')}")
    lines.append("last runs:")
    for r in data["runs"]:
        took = (f" in {r['seconds']} s" if r["seconds"] is not None else " (still running)"
                if r["outcome"] != "missed" else "")
        sent = f", {r['sent']} sent, {r['failed']} failed" if r["sent"] is not None else ""
        lines.append(f"  #{r['id']} {r['command']} {r['issue_date'] or '-'} {r['outcome']}: "
                     f"started {r['started_at'][:19].replace('T', ' ')}Z{took}{sent}")
        lines += [f"      {note}" for note in r["notes"] if note.startswith(("error", "missed"))]
    if data["failing_feeds"]:
        lines.append("failing feeds:")
        lines += [f"  {f['url']}: {f['failures']} in a row — {f['last_error']}"
                  for f in data["failing_feeds"]]
    if data["alerts"]:
        lines.append("recent alerts:")
        lines += [f"  {a['at'][:16].replace('T', ' ')} {a['subject']}" for a in data["alerts"]]
    return lines
