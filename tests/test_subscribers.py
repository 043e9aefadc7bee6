"""The list: import, export, forget (right to erasure) and never bringing leavers back."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from newsletter.cli import main

SAMPLE = Path(__file__).parent.parent / "subscribers" / "sample.csv"


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def config(tmp_path: Path) -> str:
    path = tmp_path / "newsletter.toml"
    path.write_text('[store]\nurl = "sqlite:///db.sqlite3"\n', encoding="utf-8")
    return str(path)


def test_export_has_preferences_and_consent(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    cli("subscribers", "import", str(SAMPLE), "--config", cfg)
    code, out = cli("subscribers", "export", "--format", "json", "--config", cfg)
    rows = json.loads(out)
    amina = next(r for r in rows if r["email"] == "amina.berrada@example.org")
    assert amina["language"] == "fr" and amina["sections"] == "Politique,Économie"
    assert amina["consent_source"] == "form" and amina["consent_at"].startswith("2026-10-02")
    code, out = cli("subscribers", "export", "--config", cfg)
    assert out.splitlines()[0].startswith("id,email,name,language,sections,timezone,status")
    assert len(out.splitlines()) == 6


def test_forget_erases_and_blocks_reimport(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    cli("subscribers", "import", str(SAMPLE), "--config", cfg)
    code, out = cli("subscribers", "forget", "Julien.Morel@example.org", "--config", cfg)
    assert code == 0
    code, out = cli("subscribers", "export", "--format", "json", "--config", cfg)
    assert "julien" not in out.lower() and "Morel" not in out
    assert any(r["status"] == "forgotten" for r in json.loads(out))
    code, out = cli("subscribers", "import", str(SAMPLE), "--config", cfg)
    assert "added 0" in out and "julien.morel@example.org: forgotten" in out
    code, out = cli("subscribers", "forget", "nobody@example.org", "--config", cfg)
    assert code == 1


def test_import_dry_run_changes_nothing_and_list_filters_by_status(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    code, out = cli("subscribers", "import", str(SAMPLE), "--dry-run", "--config", cfg)
    assert code == 0 and "5" in out
    code, out = cli("subscribers", "list", "--json", "--config", cfg)
    assert json.loads(out) == []  # the dry run stored nobody
    cli("subscribers", "import", str(SAMPLE), "--config", cfg)
    cli("subscribers", "remove", "julien.morel@example.org", "--config", cfg)
    code, out = cli("subscribers", "list", "--status", "unsubscribed", "--json", "--config", cfg)
    assert [r["email"] for r in json.loads(out)] == ["julien.morel@example.org"]
    code, out = cli("subscribers", "list", "--status", "active", "--json", "--config", cfg)
    assert len(json.loads(out)) == 4
