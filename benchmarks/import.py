"""Benchmark: `subscribers import` of 5,000, 25,000 and 100,000 rows into SQLite.

Prints our import (chunks of rows looked up together and inserted by one multi-row
INSERT per transaction) beside the row-by-row baseline it replaced (per row: the status,
the suppression list, then a look-up and an insert in a transaction of their own), both
measured in this run on the same file and a fresh store each. Both parse and check the
same CSV with the same code; 1% of the addresses are already on the list and 0.5% were
forgotten (suppressed), so every check runs. Target: 100,000 rows in under 10 s.
Last line: one JSON object with every figure.

    python benchmarks/import.py [--sizes 5000 25000 100000]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newsletter.people.lists import ImportReport, address_hash, forget, import_csv, read_csv  # noqa: E402
from newsletter.store import Store  # noqa: E402

SECRET = b"benchmark-secret-" + b"x" * 32
NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
FIRST = ("Amina", "Youssef", "Léa", "Karim", "Sofia", "Omar", "Chloé", "Mehdi", "Inès", "Hugo")
LAST = ("Berrada", "El Idrissi", "Morel", "Benali", "Durand", "Alaoui", "Petit", "Tazi")
ZONES = ("Africa/Casablanca", "Europe/Paris", "", "", "America/Montreal")
SECTIONS = ("Politique;Économie", "Sport", "", "Culture;Monde")


def write_csv(path: Path, rows: int) -> list[str]:
    """A list of ``rows`` people; returns their addresses."""
    rnd = random.Random(rows)
    emails = [f"reader{i}@example.org" for i in range(rows)]
    lines = ["email,name,language,sections,timezone,consent_source,consent_date"]
    for i, email in enumerate(emails):
        lines.append(f"{email},{rnd.choice(FIRST)} {rnd.choice(LAST)},"
                     f"{rnd.choice(('fr', 'en', 'ar', ''))},{rnd.choice(SECTIONS)},"
                     f"{rnd.choice(ZONES)},form,2026-10-{1 + i % 28:02d}T08:14:00+01:00")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return emails


def fresh_store(folder: Path, emails: list[str]) -> Store:
    """An empty store, then 1% of the addresses already subscribed and 0.5% forgotten."""
    store = Store.open(f"sqlite:///{folder / 'db.sqlite3'}")
    known = emails[::100]
    store.add_subscribers([dict(email=e, name="", language=None, sections="", timezone=None,
                                consent_source="form", consent_at=None) for e in known], NOW)
    for email in emails[50::200]:
        store.add_subscriber(email, now=NOW)
        forget(store, SECRET, email, NOW)
    return store


def row_by_row(store: Store, path: Path) -> ImportReport:
    """The import as it was: four statements and a transaction per row."""
    rows, errors, warnings = read_csv(path.read_text(encoding="utf-8"))
    report = ImportReport(errors=errors, warnings=warnings)
    for row in rows:
        status = store.subscriber_status(row.email)
        if status is None and store.is_suppressed(address_hash(SECRET, row.email)):
            report.refused.append((row.email, "suppressed"))
            continue
        if status is None:
            store.add_subscriber(row.email, name=row.name, language=row.language,
                                 sections=row.sections, timezone=row.timezone,
                                 consent_source=row.consent_source, consent_at=row.consent_at,
                                 now=NOW)
            report.added.append(row.email)
        elif status == "active":
            report.already.append(row.email)
        else:
            report.refused.append((row.email, status))
    return report


def measure(size: int, work: Path) -> dict[str, float | int]:
    folder = work / str(size)
    folder.mkdir()
    path = folder / "list.csv"
    emails = write_csv(path, size)
    results = {}
    for name, run in (("ours", lambda s: import_csv(s, path, now=NOW, secret=SECRET)),
                      ("row_by_row", lambda s: row_by_row(s, path))):
        (folder / name).mkdir()
        store = fresh_store(folder / name, emails)
        start, cpu = time.perf_counter(), time.process_time()
        report = run(store)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        stored = store.count_active_subscribers()
        store.close()
        results[name] = (elapsed, report, stored, cpu)
    ours, base = results["ours"], results["row_by_row"]
    assert len(ours[1].added) == len(base[1].added) and ours[2] == base[2], "different outcomes"
    return {
        "rows": size, "ours_s": round(ours[0], 2), "row_by_row_s": round(base[0], 2),
        "ours_cpu_s": round(ours[3], 2), "row_by_row_cpu_s": round(base[3], 2),
        "ours_rows_per_s": round(size / ours[0]), "row_by_row_rows_per_s": round(size / base[0]),
        "speedup": round(base[0] / ours[0], 1), "added": len(ours[1].added),
        "already": len(ours[1].already), "refused": len(ours[1].refused),
        "bad_rows": len(ours[1].errors),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5_000, 25_000, 100_000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        figures = [measure(size, Path(tmp)) for size in args.sizes]
    print("subscribers import into SQLite (CSV parsing and checks included; 1% already "
          "subscribed, 0.5% forgotten)")
    print(f"  {'rows':>8}  {'ours':>9}  {'row by row':>11}  {'speedup':>8}  {'ours rows/s':>12}"
          f"  {'CPU ours / row by row':>22}")
    for f in figures:
        print(f"  {f['rows']:>8,}  {f['ours_s']:>7.2f} s  {f['row_by_row_s']:>9.2f} s  "
              f"{f['speedup']:>7.1f}x  {f['ours_rows_per_s']:>12,}  "
              f"{f['ours_cpu_s']:>9.2f} s / {f['row_by_row_cpu_s']:.2f} s")
    largest = max(figures, key=lambda f: f["rows"])
    verdict = "met" if largest["ours_s"] < 10 else "NOT met"
    print(f"  target: 100,000 rows in under 10 s — {largest['rows']:,} rows took "
          f"{largest['ours_s']:.2f} s ({verdict}; wall time: other processes on the machine "
          "count, CPU time does not)")
    print(json.dumps({"sizes": figures, "target_s": 10, "largest_rows": largest["rows"],
                      "largest_ours_s": largest["ours_s"], "target_met": largest["ours_s"] < 10}))


if __name__ == "__main__":
    main()
