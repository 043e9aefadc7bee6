"""`python -m newsletter` is the `newsletter` command."""

from .cli import main

main()
