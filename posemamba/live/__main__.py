"""`python -m posemamba.live --native ...`: live pose without the envkit `run` command group."""

from posemamba.live.cli import main

main()
