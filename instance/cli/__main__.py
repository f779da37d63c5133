"""`python -m instance.cli` is the `impasto` command."""

import sys

from instance.cli.main import main

sys.exit(main())
