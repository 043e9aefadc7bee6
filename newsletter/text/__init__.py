"""Shared text tools: words, stopwords, sentences and language detection (fr, en, ar).

Owns plain-text helpers used by collection (feeds) and curation alike, so that neither
imports the other for them. Imports nothing of ours: pure functions over strings.
"""

from .language import detect_language
from .limits import bound
from .sentences import split_sentences
from .words import stopwords, tokens, word_count, words

__all__ = ["bound", "detect_language", "split_sentences", "stopwords", "tokens", "word_count", "words"]
