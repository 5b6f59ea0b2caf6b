"""`python -m ler_analytics` runs the `ler` command line."""

from ler_analytics.cli import main

main()
