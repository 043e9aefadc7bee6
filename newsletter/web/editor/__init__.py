"""The editor's desk at /editor: login, the day's draft, past issues."""

from .blueprint import editor_blueprint

__all__ = ["editor_blueprint"]
