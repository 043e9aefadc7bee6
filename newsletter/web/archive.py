"""`newsletter archive --out`: the public site as static files.

The same pages as the live site (web/site.py renders both), laid out like its URLs so the
folder can be served as it is, at the site's root or under any path (links between the
pages are relative):

    index.html                  the home page; its form posts to [newsletter] public_url
    archive/index.html          the archive (archive/page-2.html... when long)
    archive/atom.xml            the Atom feed: absolute links under ``base_url``
    issues/2026-11-29.html      each public edition (issues/2026-11-29.ar.html...)

Only issues whose send has begun, as on the site.
"""

from __future__ import annotations

from pathlib import Path

from ..config import Config
from ..store import Store
from .site import Links, Site, issue_file, signup_form
from .templating import web_environment


def write_archive(config: Config, store: Store, out: Path, base_url: str | None = None
                  ) -> list[Path]:
    """Write the static copy into ``out``; ``base_url`` is where it will be served (the
    feed's links), [newsletter] public_url by default. Returns the files written."""
    site = Site(config, store, web_environment(config))
    main = config.newsletter.language
    root = Links.files(config, base_url)
    below = root.below()
    written: list[Path] = []

    def write(name: str, content: str | bytes) -> None:
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
        written.append(path)

    days = site.days()
    for day in days:
        for edition in day.editions:
            stored = store.get_issue(day.issue_date, edition.language)
            if stored is not None:
                page = site.issue_page(stored.web_html or stored.html, day, edition, below)
                write(f"issues/{issue_file(day.issue_date, edition.language, main)}", page)
    # No form token on a static page: the live site takes its posts as an embedded form's
    # ([web] allowed_origins must list where this folder is served).
    form = (signup_form(config, main, action=root.subscribe) if config.signup.enabled
            else None)
    write("index.html", site.home(root, main, form))
    for number in range(1, site.archive_pages() + 1):
        html = site.archive(below, main, number)
        assert html is not None
        write("archive/index.html" if number == 1 else f"archive/page-{number}.html", html)
    write("archive/atom.xml", site.atom(root))
    return written
