"""The web side: Flask app factory — the public site (home page, archive, Atom feed, web
version of issues), sign-up (our form, embedded forms, the JSON API), unsubscribe (RFC 8058
one-click), preferences, the editor's pages, provider webhooks, metrics — and the static copy
of the public site.

May import every wing below the pipeline and the pipeline itself; never cli or ops.
"""

from .app import create_app, serve_app, waitress_options

__all__ = ["create_app", "serve_app", "waitress_options"]
