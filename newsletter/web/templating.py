"""Where the web pages' templates come from: one loader for the Flask app and the static copy.

The live site (Flask's ``render_template``) and `newsletter archive --out` (a plain jinja2
Environment) both load templates/web through ``web_loader``, so a page looks the same in
both and an override folder, when there is one, needs hooking in here only.
"""

from __future__ import annotations

from jinja2 import BaseLoader, Environment, FileSystemLoader, select_autoescape

from ..config import Config
from ..resources import resource_dir


def web_loader(config: Config) -> BaseLoader:
    """The loader of the web pages' templates (templates/web)."""
    del config  # the newsletter's own folder comes first once it can name one
    return FileSystemLoader(str(resource_dir("templates") / "web"))


def web_environment(config: Config) -> Environment:
    """A jinja2 Environment on ``web_loader``: pages rendered outside a request."""
    return Environment(loader=web_loader(config), autoescape=select_autoescape(["html", "xml"]))
