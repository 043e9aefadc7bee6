"""Where the bundled files are: inside an installed wheel, or in a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """The folder ``templates`` or ``subscribers``, wherever the package was installed from."""
    for candidate in (_PACKAGE / "_bundled" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"bundled folder {name!r} not found next to {_PACKAGE}")


def config_example() -> Path:
    """``config.example.toml``: every key with its default, the model of a new newsletter.toml."""
    for candidate in (_PACKAGE / "_bundled" / "config.example.toml",
                      _PACKAGE.parent / "config.example.toml"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"bundled config.example.toml not found next to {_PACKAGE}")


def demo_feeds_dir() -> Path:
    return _PACKAGE / "demo" / "feeds"
