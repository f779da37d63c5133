"""Hypothesis settings shared by the property tests: a bounded, reproducible run in the
normal suite (fixed seed, no example database), a long one under `make fuzz`
(IMPASTO_FUZZ_EXAMPLES, printed per target with --hypothesis-show-statistics)."""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("IMPASTO_FUZZ_EXAMPLES", "0") or 0)


def fuzz_settings(default_examples: int) -> Any:
    """`@fuzz_settings(n)`: n examples in `make test`, IMPASTO_FUZZ_EXAMPLES under `make fuzz`."""
    return settings(
        max_examples=EXAMPLES or default_examples, derandomize=True, database=None,
        deadline=None, print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                               HealthCheck.data_too_large],
    )
