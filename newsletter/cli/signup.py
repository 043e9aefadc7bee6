"""`newsletter signup …`: sign-ups from the publisher's own site."""

from __future__ import annotations

import click

from ..config import LANGUAGES, Config
from .options import config_option


@click.group()
def signup() -> None:
    """Sign-up forms for other sites (README "Public site")."""


@signup.command(name="snippet")
@config_option
@click.option("--language", type=click.Choice(LANGUAGES),
              help="Language of the form (default: [newsletter] language).")
def signup_snippet(config: Config, language: str | None) -> None:
    """Print an HTML sign-up form to paste into your own site; it posts to /subscribe."""
    from ..web.site import embed_snippet

    click.echo(embed_snippet(config, language or config.newsletter.language))
    if not config.web.allowed_origins:
        click.echo("note: [web] allowed_origins is empty: add the origin of the site the form "
                   "goes on (e.g. \"https://www.example.org\"), or its sign-ups are refused",
                   err=True)
    if not config.signup.enabled:
        click.echo("note: [signup] enabled = false: /subscribe is off, the form cannot work",
                   err=True)
