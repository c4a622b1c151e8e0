"""`python -m advisor` is the same as the `advise` command."""

from .cli import main

main()
