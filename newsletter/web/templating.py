"""Where the web pages' templates come from: one loader for the Flask app and the static copy.

The live site (Flask's ``render_template``) and `newsletter archive --out` (a plain jinja2
Environment) both load templates/web through ``web_loader``, so a page looks the same in
both and an override folder, when there is one, needs hooking in here only.
"""

from __future__ import annotations

from typing import Any

from jinja2 import BaseLoader, Environment, select_autoescape

from ..compose.templates import template_loader
from ..config import Config
from ..pipeline import brand_of


def web_loader(config: Config) -> BaseLoader:
    """The loader of the web pages' templates: web/ of [render] templates_dir first, when it
    has the file, else ours (templates/web)."""
    return template_loader(config.templates_dir, "web")


def web_globals(config: Config) -> dict[str, Any]:
    """What every page's template may use besides its own context: the look ([brand]): the
    brand, the email's colours by role, and the public pages' (light, dark) by role."""
    brand = brand_of(config)
    return {"brand": brand, "colors": brand.colors, "palette": brand.site_palette}


def web_environment(config: Config) -> Environment:
    """A jinja2 Environment on ``web_loader``: pages rendered outside a request."""
    env = Environment(loader=web_loader(config), autoescape=select_autoescape(["html", "xml"]))
    env.globals.update(web_globals(config))
    return env
