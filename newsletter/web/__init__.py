"""The web side: Flask app factory — web version of issues, sign-up, unsubscribe (RFC 8058
one-click), preferences, the editor's pages, provider webhooks, metrics — and the static archive.

May import every wing below the pipeline and the pipeline itself; never cli or ops.
"""

from .app import create_app, serve_app, waitress_options

__all__ = ["create_app", "serve_app", "waitress_options"]
