"""The editorial files a build reads besides the config: the news-value lexicon
([curate] news_value_file) and the editors' overrides file ([overrides] file).

A leaf the pipeline uses (it never imports the pipeline), light enough for `check-config`
to read them as the build does without loading the store or the senders.
"""

from __future__ import annotations

import tomllib

from ..config import OVERRIDE_LISTS, Config, overrides_from_dict
from ..curate import EditorialRules
from ..curate.newsvalue import NewsValue, default_news_value, news_value_from_dict
from ..curate.newsvalue import extend as extend_news_value
from ..errors import ConfigError


def editorial_rules(config: Config) -> EditorialRules:
    """Weights from the config, and overrides from the config and the editors' file."""
    o = config.overrides
    lists = {k: list(getattr(o, k)) for k in OVERRIDE_LISTS}
    path = config.path(o.file) if o.file else None
    if path is not None and path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"overrides file {path}: {exc}") from exc
        extra = overrides_from_dict(raw, str(path), allow_file=False)
        for key in OVERRIDE_LISTS:
            lists[key] += [v for v in getattr(extra, key) if v not in lists[key]]
    return EditorialRules(
        section_weights=config.sections, keyword_weights=config.keywords,
        pins=tuple(lists["pin"]), block_urls=tuple(lists["block_urls"]),
        block_domains=tuple(lists["block_domains"]), block_keywords=tuple(lists["block_keywords"]),
    )


def news_value(config: Config) -> NewsValue:
    """The built-in news-value lexicon, extended by [curate] news_value_file when set."""
    base = default_news_value()
    if not config.curate.news_value_file:
        return base
    path = config.path(config.curate.news_value_file)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{config.source}: [curate] news_value_file: {path} not found") from exc
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"news value file {path}: {exc}") from exc
    return extend_news_value(base, news_value_from_dict(raw, str(path)))
