"""The web side: web version of issues, unsubscribe (RFC 8058 one-click), health."""

from .app import create_app, serve_app

__all__ = ["create_app", "serve_app"]
