"""The hypothesis settings every fuzz test shares, so that one variable sizes them all.

ENGAGE_FUZZ_EXAMPLES: examples per test (20 by default, to keep CI quick on 2 cores).
ENGAGE_FUZZ_RANDOM=1: new examples each run instead of the same derandomised ones.
ENGAGE_FUZZ_SHRINK=1: shrink a failure (it can take minutes on a shared 2-core machine).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

FUZZ = settings(
    max_examples=int(os.environ.get("ENGAGE_FUZZ_EXAMPLES", "20")),
    deadline=None,
    derandomize=os.environ.get("ENGAGE_FUZZ_RANDOM") != "1",
    database=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate]
    + ([Phase.shrink] if os.environ.get("ENGAGE_FUZZ_SHRINK") == "1" else []),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
