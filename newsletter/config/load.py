"""Configuration: a TOML file checked key by key into frozen dataclasses.

Every key has a default; a wrong key or value raises ConfigError naming the key and
the file, every wrong one at once. Relative paths are relative to the file.
Secrets are never in the file: it names the environment variable (or a key file).
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Any, get_type_hints
from urllib.parse import urlsplit

from ..errors import ConfigError
from ..models import FeedSource
from .checks import Problems, check_config
from .model import Config
from .sections import (
    OVERRIDE_LISTS,
    OverridesSection,
)

_SECTIONS: dict[str, type] = {
    f.name: get_type_hints(Config)[f.name]
    for f in fields(Config)
    if f.name not in ("feeds", "base_dir", "source", "overrides", "sections", "keywords",
                      "section_names")
}
_WEIGHT_TABLES = ("sections", "keywords")
_FEED_KEYS = {"url": str, "name": str, "section": str, "weight": float, "language": str,
              "full_text": str, "front_page": bool}
FULL_TEXT_MODES = ("auto", "always", "never")


def load_config(path: Path | None) -> Config:
    """Read and check a config file; ``None`` gives the embedded defaults."""
    if path is None:
        return Config()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"config file not found: {path}") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    return config_from_dict(raw, source=str(path), base_dir=path.resolve().parent)


def config_from_dict(raw: dict[str, Any], *, source: str, base_dir: Path) -> Config:
    """Build a Config from parsed TOML; ConfigError naming every wrong key (and the file)."""
    problems = Problems(source)
    sections: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "feeds":
            continue
        try:
            sections[key] = _section(key, value, source, problems)
        except ConfigError as exc:
            problems.add(exc)
    feeds = _build_feeds(raw.get("feeds", []), source, problems)
    config = Config(**{k: v for k, v in sections.items() if v is not None}, feeds=feeds,
                    base_dir=base_dir, source=source)
    check_config(config, problems)
    problems.raise_any()
    return config


def _section(key: str, value: Any, source: str, problems: Problems) -> Any:
    """One top-level table, its good keys kept (wrong ones go to problems)."""
    if key in _WEIGHT_TABLES:
        return _weights(value, key, source, problems)
    if key == "section_names":
        if not isinstance(value, dict) or not all(isinstance(v, str) and v
                                                  for v in value.values()):
            raise ConfigError(f"{source}: [section_names] must map categories to section "
                              'names, e.g. World = "International"')
        return tuple(value.items())
    if key == "overrides":
        return overrides_from_dict(value, f"{source}: [overrides]")
    if key not in _SECTIONS:
        known = ", ".join(sorted([*_SECTIONS, *_WEIGHT_TABLES, "section_names", "overrides",
                                  "feeds"]))
        raise ConfigError(f"{source}: unknown section [{key}] (known: {known})")
    if not isinstance(value, dict):
        raise ConfigError(f"{source}: [{key}] must be a table")
    return _build_section(_SECTIONS[key], key, value, source, problems)


def _weights(values: Any, name: str, source: str,
             problems: Problems) -> tuple[tuple[str, float], ...]:
    if not isinstance(values, dict):
        raise ConfigError(f"{source}: [{name}] must be a table of name = number")
    out = []
    for key, value in values.items():
        try:
            weight = _coerce(value, float, f"[{name}] {key!r}", source)
        except ConfigError as exc:
            problems.add(exc)
            continue
        if weight < 0:
            problems.add(ConfigError(f"{source}: [{name}] {key!r} must not be negative"))
            continue
        out.append((key, weight))
    return tuple(out)


def overrides_from_dict(values: Any, where: str, *, allow_file: bool = True) -> OverridesSection:
    """Editors' overrides, from [overrides] or from the overrides file."""
    if not isinstance(values, dict):
        raise ConfigError(f"{where} must be a table")
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        if key == "file" and allow_file:
            kwargs[key] = _coerce(value, str, "file", where)
        elif key in OVERRIDE_LISTS:
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                raise ConfigError(f"{where} {key} must be a list of strings")
            kwargs[key] = tuple(value)
        else:
            known = ", ".join([*OVERRIDE_LISTS, *(("file",) if allow_file else ())])
            raise ConfigError(f"{where}: unknown key '{key}'", hint=f"known keys: {known}")
    return OverridesSection(**kwargs)


def _build_section(cls: type, name: str, values: dict[str, Any], source: str,
                   problems: Problems) -> Any:
    defaults = cls()
    kwargs = {}
    allowed = {f.name: type(getattr(defaults, f.name)) for f in fields(cls)}
    for key, value in values.items():
        if key not in allowed:
            problems.add(ConfigError(
                f"{source}: unknown key '{key}' in [{name}]",
                hint=f"known keys: {', '.join(sorted(allowed))}",
            ))
            continue
        if allowed[key] is tuple:  # a list of strings, e.g. [curate] rubric_labels
            if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v for v in value):
                problems.add(ConfigError(f"{source}: [{name}] {key} must be a list of strings"))
                continue
            kwargs[key] = tuple(value)
            continue
        try:
            kwargs[key] = _coerce(value, allowed[key], f"[{name}] {key}", source)
        except ConfigError as exc:
            problems.add(exc)
    return cls(**kwargs)


def _coerce(value: Any, kind: type, where: str, source: str) -> Any:
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ConfigError(
            f"{source}: {where} must be {_KIND_NAMES[kind]}, not {type(value).__name__} {value!r}"
        )
    return value


_KIND_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}


def _build_feeds(values: Any, source: str, problems: Problems) -> tuple[FeedSource, ...]:
    if not isinstance(values, list):
        problems.add(ConfigError(f"{source}: feeds must be an array of tables ([[feeds]])"))
        return ()
    feeds = []
    seen: set[str] = set()
    for i, item in enumerate(values, 1):
        try:
            feed = _build_feed(i, item, source, seen)
        except ConfigError as exc:
            problems.add(exc)
            continue
        seen.add(feed.url)
        feeds.append(feed)
    return tuple(feeds)


def _build_feed(i: int, item: Any, source: str, seen: set[str]) -> FeedSource:
    where = f"[[feeds]] #{i}"
    if not isinstance(item, dict):
        raise ConfigError(f"{source}: {where} must be a table")
    for key in item:
        if key not in _FEED_KEYS:
            raise ConfigError(
                f"{source}: unknown key '{key}' in {where}",
                hint=f"known keys: {', '.join(_FEED_KEYS)}",
            )
    kwargs = {k: _coerce(v, _FEED_KEYS[k], f"{where} {k}", source) for k, v in item.items()}
    url = kwargs.get("url")
    if not url or urlsplit(url).scheme not in ("http", "https"):
        raise ConfigError(f"{source}: {where} url must be an http(s) URL, got {url!r}")
    if url in seen:
        raise ConfigError(f"{source}: {where} url {url} is listed twice")
    kwargs.setdefault("name", urlsplit(url).hostname or url)
    if kwargs.get("full_text", "auto") not in FULL_TEXT_MODES:
        raise ConfigError(f"{source}: {where} full_text must be one of "
                          f"{', '.join(FULL_TEXT_MODES)}, not {kwargs['full_text']!r}")
    if "weight" in kwargs and not math.isfinite(kwargs["weight"]):
        raise ConfigError(f"{source}: {where} weight must be a finite number, "
                          f"not {kwargs['weight']}")
    return FeedSource(**kwargs)


def find_config_path(explicit: str | None) -> Path | None:
    """--config, else $NEWSLETTER_CONFIG, else ./newsletter.toml if present."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("NEWSLETTER_CONFIG")
    if env:
        return Path(env)
    local = Path("newsletter.toml")
    return local if local.exists() else None


def required_config_path(explicit: str | None) -> Path:
    """The config file commands run on: none found is an error, never the built-in defaults
    (they would quietly create a store in the current folder and send as "Le Brief")."""
    path = find_config_path(explicit)
    if path is None:
        raise ConfigError(
            f"no config file: none given with --config, $NEWSLETTER_CONFIG is not set, and "
            f"there is no newsletter.toml in {Path.cwd()}",
            hint="`newsletter init` writes ./newsletter.toml here (`newsletter init DIR`: in "
                 "DIR, then --config DIR/newsletter.toml); `newsletter demo` needs none",
        )
    return path


def config_to_dict(config: Config) -> dict[str, Any]:
    """The config as TOML-ready data (every key, explicit values)."""
    data: dict[str, Any] = {}
    for name in _SECTIONS:
        section = getattr(config, name)
        data[name] = {f.name: getattr(section, f.name) for f in fields(section)}
    data["sections"] = dict(config.sections)
    data["keywords"] = dict(config.keywords)
    data["section_names"] = dict(config.section_names)
    o = config.overrides
    data["overrides"] = {k: list(getattr(o, k)) for k in OVERRIDE_LISTS} | {"file": o.file}
    data["feeds"] = [
        {k: v for k, v in vars(feed).items() if v is not None} for feed in config.feeds
    ]
    return data
