"""`python -m ler_analytics.cli` runs the `ler` command line."""

from ler_analytics.cli import main

main()
