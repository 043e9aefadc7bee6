"""Where templates come from: the newsletter's own folder first ([render] templates_dir),
ours as the fallback. Every environment (the email, the confirmation email, the web pages
live and static) loads through ``template_loader``, and a broken template of that folder
is reported by ``template_failure`` with its file and line.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from jinja2 import BaseLoader, ChoiceLoader, FileSystemLoader, TemplateSyntaxError

from ..errors import ConfigError, NewsletterError, RenderError
from ..resources import resource_dir

_TEMPLATE_SUFFIXES = (".html", ".txt", ".xml", ".css")


def template_loader(override: Path | None, folder: str = "") -> BaseLoader:
    """Templates of ``folder`` (email, web; "" = all) from ``override``/folder when it has
    the file, else from ours."""
    ours = FileSystemLoader(str(resource_dir("templates") / folder))
    if override is None:
        return ours
    return ChoiceLoader([FileSystemLoader(str(override / folder)), ours])


def template_failure(exc: BaseException, override: Path | None, what: str) -> NewsletterError:
    """``exc``, raised while rendering ``what``, as our error: a ConfigError naming the file
    and line when the culprit is a template of ``override``, else a RenderError."""
    where = _culprit(exc)
    message = getattr(exc, "message", None) or str(exc)
    if where and override is not None and _inside(Path(where[0]), override):
        return ConfigError(f"[render] templates_dir: {where[0]} line {where[1]}: {message} "
                           f"(rendering {what})",
                           hint="fix the template, or remove it to use ours (docs/branding.md "
                                "lists the variables each template receives)")
    place = f" ({where[0]} line {where[1]})" if where else ""
    return RenderError(f"rendering {what} failed{place}: {message}")


def _culprit(exc: BaseException) -> tuple[str, int] | None:
    """The template file and line where ``exc`` happened (jinja2 puts template frames in
    the traceback under the template's own file name and line)."""
    if isinstance(exc, TemplateSyntaxError) and exc.filename:
        return exc.filename, exc.lineno
    found = None
    tb: TracebackType | None = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith(_TEMPLATE_SUFFIXES):
            found = (name, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True
