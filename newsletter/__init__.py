"""newsletter: the essentials of the day's news in one short morning email."""

__version__ = "0.1.0"
