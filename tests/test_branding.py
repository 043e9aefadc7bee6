"""[brand] and [render] templates_dir: checked at config time, applied by every render."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsletter.config import load_config
from newsletter.errors import ConfigError
from tests.conftest import run_cli

LOGO = 'logo_url = "https://cdn.harbour.example/logo.png"\nlogo_width = 220\nlogo_height = 48\n'


def write(tmp_path: Path, text: str, name: str = "newsletter.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    return info.value.format()


def test_a_full_brand_loads(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, f'[brand]\n{LOGO}accent_color = "#0B6E4F"\n'
                                         'text_color = "#222"\nbackground_color = "#fbfaf5"\n'
                                         'font_stack = "\'Source Serif Pro\', Georgia, serif"\n'
                                         'footer_text = "Written in Tangier."\n'))
    assert config.brand.logo_width == 220 and config.brand.accent_color == "#0B6E4F"


def test_the_contrast_rule_names_both_keys_the_ratio_and_the_minimum(tmp_path: Path) -> None:
    text = problems(tmp_path, '[brand]\naccent_color = "#ffcc00"\ntext_color = "#999"\n')
    assert "[brand] accent_color #ffcc00 on background_color #ffffff: contrast 1.5:1, needs " \
           "4.5:1" in text
    assert "[brand] text_color #999999 on background_color #ffffff: contrast 2.8:1, needs " \
           "4.5:1" in text
    assert str(tmp_path / "newsletter.toml") in text


def test_just_under_the_minimum_is_refused_and_just_over_accepted(tmp_path: Path) -> None:
    assert "contrast 4.4:1, needs 4.5:1" in problems(tmp_path, '[brand]\ntext_color = "#777"\n')
    load_config(write(tmp_path, '[brand]\ntext_color = "#767676"\n'))


@pytest.mark.parametrize("text, needle", [
    ('logo_url = "http://cdn.example/l.png"\nlogo_width = 20\nlogo_height = 20\n',
     "[brand] logo_url must be an https:// URL"),
    ('logo_url = "https://cdn.example/l.png"\n', "[brand] logo_width is required with a logo"),
    ('logo_url = "https://cdn.example/l.png"\nlogo_width = 900\nlogo_height = 20\n',
     "[brand] logo_width must be between 16 and 536 pixels, got 900"),
    ('logo_url = "https://cdn.example/l.png"\nlogo_width = 90\nlogo_height = 400\n',
     "[brand] logo_height must be between 16 and 300 pixels, got 400"),
    ('logo_url = "https://cdn.example/l.png\\" onerror=\\"x"\nlogo_width = 90\nlogo_height = 40\n',
     "must not contain spaces, quotes"),
    ('accent_color = "navy"\n', "[brand] accent_color must be a colour like #1f2a44"),
    ('font_stack = "Arial; } .brand { display: none"\n', "[brand] font_stack must be font family"),
    ('font_stack = "Arial, url(https://x.example/f.woff)"\n', "[brand] font_stack"),
    (f'footer_text = "{"x" * 301}"\n', "[brand] footer_text must be at most 300 characters"),
])
def test_wrong_brand_values_name_the_key(tmp_path: Path, text: str, needle: str) -> None:
    assert needle in problems(tmp_path, "[brand]\n" + text)


def test_logo_alt_falls_back_to_the_name_and_an_empty_name_needs_one(tmp_path: Path) -> None:
    from newsletter.pipeline import brand_of

    config = load_config(write(tmp_path, f'[newsletter]\nname = "Harbour Notes"\n[brand]\n{LOGO}'))
    assert brand_of(config).logo_alt == "Harbour Notes"
    text = problems(tmp_path, f'[newsletter]\nname = " "\n[brand]\n{LOGO}')
    assert "[brand] logo_alt must describe the logo" in text


def test_templates_dir_is_relative_to_the_config_file_and_must_exist(tmp_path: Path) -> None:
    (tmp_path / "mine" / "email").mkdir(parents=True)
    config = load_config(write(tmp_path, '[render]\ntemplates_dir = "mine"\n'))
    assert config.templates_dir == tmp_path / "mine"
    text = problems(tmp_path, '[render]\ntemplates_dir = "missing"\n')
    assert f"[render] templates_dir is not a folder: {tmp_path / 'missing'}" in text
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    assert "is not a folder" in problems(tmp_path, '[render]\ntemplates_dir = "a-file"\n')


def test_templates_dir_files_must_replace_one_of_ours(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    (mine / "email").mkdir(parents=True)
    (mine / "email" / "briefing.html").write_text("{{ title }}", encoding="utf-8")
    (mine / "email" / "_masthead.html").write_text("{{ title }}", encoding="utf-8")  # partial
    (mine / "briefing.txt").write_text("{{ title }}", encoding="utf-8")  # not email/…
    text = problems(tmp_path, '[render]\ntemplates_dir = "mine"\n')
    assert f"{mine / 'briefing.txt'} replaces none of ours" in text
    assert "ours is email/briefing.txt: keep its relative path" in text
    assert "_masthead" not in text and str(mine / "email" / "briefing.html") not in text


def test_templates_dir_syntax_errors_and_unknown_strings_are_found_by_check_config(
        tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    (mine / "email").mkdir(parents=True)
    (mine / "locale").mkdir()
    (mine / "email" / "briefing.html").write_text("<p>\n{% if title %}\n<b>{{ title }}</b>\n",
                                                  encoding="utf-8")
    (mine / "locale" / "fr.toml").write_text('greeting = "Salut{name},"\ngreting = "x"\n',
                                             encoding="utf-8")
    path = write(tmp_path, '[render]\ntemplates_dir = "mine"\n')
    result = run_cli("check-config", "--config", str(path), cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"{mine / 'email' / 'briefing.html'} line 3: Unexpected end of template" \
        in result.stderr
    assert "unknown string 'greting'" in result.stderr and "Traceback" not in result.stderr


# -- [render] templates_dir in the renders ---------------------------------------------------

OURS = Path(__file__).resolve().parent.parent / "templates"


def override(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_an_override_replaces_ours_and_ours_serve_the_rest(tmp_path: Path) -> None:
    from newsletter.compose import render_issue
    from tests.compose.test_render import briefing

    mine = tmp_path / "mine"
    html = (OURS / "email" / "briefing.html").read_text(encoding="utf-8")
    override(mine, "email/briefing.html",
             html.replace('<p class="dateline">', '<p class="motto">Slow news, kindly.</p>\n'
                                                  '<p class="dateline">'))
    override(mine, "locale/fr.toml", 'greeting = "Salut{name} !"\n')
    issue = render_issue(briefing(), postal_address="12 rue Exemple", web_url="https://n.example/i",
                         templates_dir=mine)
    assert "Slow news, kindly." in issue.html and "Salut" in issue.html
    assert "Slow news" not in issue.text and "Salut" in issue.text  # ours, with their strings
    assert "En bref" in issue.html  # the strings they did not replace are ours
    # The caches key on the folder: the same process renders with ours again.
    plain = render_issue(briefing(), postal_address="12 rue Exemple",
                         web_url="https://n.example/i")
    assert "Slow news" not in plain.html and "Salut" not in plain.html


def test_an_undefined_variable_names_the_file_and_line(tmp_path: Path) -> None:
    from newsletter.compose import render_issue
    from tests.compose.test_render import briefing

    mine = tmp_path / "mine"
    path = override(mine, "email/briefing.txt", "{{ title }}\n\n{{ subscriber_count }}\n")
    with pytest.raises(ConfigError) as info:
        render_issue(briefing(), postal_address="x", web_url="https://n.example/i",
                     templates_dir=mine)
    assert f"[render] templates_dir: {path} line 3: 'subscriber_count' is undefined" \
        in info.value.message


@pytest.fixture
def demo_copy(demo_run: tuple[Path, object], tmp_path: Path) -> Path:
    """A copy of the demo's folder: its config, store with the next day's draft, secret."""
    import shutil

    out = tmp_path / "demo"
    shutil.copytree(demo_run[0], out)
    return out


def configure(folder: Path, **sections: dict[str, object]) -> Path:
    import tomllib

    import tomli_w

    path = folder / "newsletter.toml"
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    for name, values in sections.items():
        raw.setdefault(name, {}).update(values)
    path.write_text(tomli_w.dumps(raw), encoding="utf-8")
    return path


@pytest.mark.parametrize("part, change, lacks", [
    ("email/briefing.html", ('href="{{ unsubscribe_url }}"', 'href="{{ web_url }}"'),
     "the unsubscribe link ({{ unsubscribe_url }}) is missing from the HTML part"),
    ("email/briefing.txt", ('~ " · " ~ postal_address', ''),
     "the postal address ({{ postal_address }}) is missing from the text part"),
])
def test_an_override_dropping_what_the_law_requires_is_never_built_or_sent(
        demo_copy: Path, part: str, change: tuple[str, str], lacks: str) -> None:
    ours = (OURS / part).read_text(encoding="utf-8")
    assert change[0] in ours
    path = override(demo_copy / "mine", part, ours.replace(*change))
    config = configure(demo_copy, render={"templates_dir": "mine"})
    for command in (["build", "--discard-edits"], ["run"]):
        result = run_cli(*command, "--config", str(config), cwd=demo_copy)
        assert result.returncode == 2, result.stdout + result.stderr
        assert lacks in result.stderr and str(path) in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert not list((demo_copy / "outbox").glob("*2026-11-28*"))


def test_a_broken_override_fails_the_build_with_file_and_line(demo_copy: Path) -> None:
    html = (OURS / "email" / "briefing.html").read_text(encoding="utf-8")
    path = override(demo_copy / "mine", "email/briefing.html",
                    html.replace("{{ reading_label }}", "{{ reading_label }} · {{ editor.name }}"))
    line = html[: html.index("{{ reading_label }}")].count("\n") + 1
    config = configure(demo_copy, render={"templates_dir": "mine"})
    result = run_cli("build", "--discard-edits", "--config", str(config), cwd=demo_copy)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{path} line {line}: 'editor' is undefined" in result.stderr, result.stderr


def test_a_branded_build_passes_the_desks_checks(demo_copy: Path) -> None:
    from datetime import date

    from newsletter.config import load_config
    from newsletter.desk import service
    from newsletter.pipeline import open_store

    config_path = configure(demo_copy, brand={
        "logo_url": "https://cdn.harbour.example/logo.png", "logo_width": 220,
        "logo_height": 48, "accent_color": "#0b6e4f", "font_stack": "'Trebuchet MS', sans-serif",
        "footer_text": "Written in Tangier."})
    result = run_cli("build", "--discard-edits", "--config", str(config_path), cwd=demo_copy)
    assert result.returncode == 0, result.stderr
    config = load_config(config_path)
    draft = service.load_draft(config, open_store(config), date(2026, 11, 28), "fr")
    assert draft is not None and 'src="https://cdn.harbour.example/logo.png"' in draft.issue.html
    assert "Written in Tangier." in draft.issue.text
    checks = service.checks(config, draft)
    assert [c.name for c in checks if not c.ok] == []
    assert {c.name: c.detail for c in checks}["postal_address"] == "HTML and text"


# -- the web pages: the same loader, the same look --------------------------------------------


def test_the_app_loads_web_overrides_and_wears_the_brand(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from newsletter.store import Store
    from newsletter.web import create_app
    from tests.conftest import make_config

    mine = tmp_path / "mine"
    ours = (OURS / "web" / "unsubscribe.html").read_text(encoding="utf-8")
    override(mine, "web/unsubscribe.html", ours.replace("{% block content %}",
                                                        "{% block content %}<p>Sorry to see you go.</p>"))
    config = make_config(tmp_path, render={"templates_dir": "mine"},
                         brand={"accent_color": "#0b6e4f",
                                "font_stack": "'Trebuchet MS', sans-serif"})
    store = Store.open(config.database_url)
    store.add_subscriber("a@example.org", now=datetime(2026, 11, 29, tzinfo=UTC))
    from tests.web.test_app import token

    client = create_app(config, store).test_client()
    page = client.get(f"/unsubscribe/{token()}").get_data(as_text=True)
    assert "Sorry to see you go." in page  # theirs
    # ours (base.html, its palette.css), branded: the rule above the card and the button,
    # white on the accent
    assert "border-top: 4px solid var(--nl-mark)" in page and "--nl-mark: #0b6e4f;" in page
    assert "font: 17px/1.5 'Trebuchet MS', sans-serif" in page
    assert "--nl-button: #0b6e4f;" in page and "--nl-on-button: #ffffff;" in page
    error = client.get("/unsubscribe/not-a-token").get_data(as_text=True)
    assert "Sorry to see you go." not in error and "#0b6e4f" in error
    store.close()


def test_the_static_site_loads_web_overrides_too(demo_copy: Path) -> None:
    site_base = (OURS / "web" / "site_base.html").read_text(encoding="utf-8")
    override(demo_copy / "mine", "web/site_base.html",
             site_base.replace("<body>", "<body>\n<p>Harbour Notes, since 2026</p>", 1))
    config = configure(demo_copy, render={"templates_dir": "mine"})
    out = demo_copy / "site"
    result = run_cli("archive", "--out", str(out), "--config", str(config), cwd=demo_copy)
    assert result.returncode == 0, result.stderr
    assert "Harbour Notes, since 2026" in (out / "index.html").read_text(encoding="utf-8")
    assert "Harbour Notes, since 2026" in (out / "archive" / "index.html").read_text(
        encoding="utf-8")


def test_the_confirmation_email_takes_overrides_and_names_a_broken_one(tmp_path: Path) -> None:
    from newsletter.compose.confirmation import ConfirmationRequest, confirmation_texts

    mine = tmp_path / "mine"
    override(mine, "email/confirm.txt", "{{ greeting }}\n\nOne click: {{ confirm_url }}\n")
    override(mine, "locale/en.toml", 'confirm_button = "Yes, sign me up"\n')
    request = ConfirmationRequest(subscriber_id=1, email="a@example.org", name="Amina",
                                  language="en", confirm_url="https://n.example/confirm/x")
    texts = confirmation_texts(request, list_name="Marée", postal_address="12 rue Exemple",
                               hours=48, templates_dir=mine)
    assert texts["text"].endswith("\n\nOne click: https://n.example/confirm/x\n")
    assert "Amina" in texts["text"] and "12 rue Exemple" not in texts["text"]  # theirs
    assert "Yes, sign me up" in texts["html"] and "12 rue Exemple" in texts["html"]  # ours
    other = tmp_path / "other"
    broken = override(other, "email/confirm.html",
                      "<p>{{ greeting }}</p>\n<p>{{ reader.name }}</p>\n")
    with pytest.raises(ConfigError) as info:
        confirmation_texts(request, list_name="Marée", postal_address="x", hours=48,
                           templates_dir=other)
    assert f"{broken} line 2: 'reader' is undefined (rendering the confirmation email)" \
        in info.value.message
