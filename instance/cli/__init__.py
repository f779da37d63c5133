"""The `impasto` command: `main()` parses the arguments and runs a command group."""

from instance.cli.main import main

__all__ = ["main"]
