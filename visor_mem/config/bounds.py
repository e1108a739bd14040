"""Bounded numbers: the one definition of a sane numeric config value.

Every number a config (or the command line) gives visor_mem is finite and
inside a range chosen so that nothing downstream overflows or waits for ever
(``timeout: 1e30`` used to crash the command runner).  Each range is a
:class:`Bound`; ``number_types.py`` attaches them to model fields as pydantic
types and ``cli/bounded.py`` to options, so the message always states the
range: ``expected a number greater than 0 and at most 604800 seconds (got 1e+30)``.
This module imports no pydantic: the CLI reads it on every start.

A ``timeout`` may also be a duration string (``500ms``, ``30s``, ``5m``,
``1h``), as Visor's docs write them.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Bound:
    """A closed range ``[low, high]`` (``low`` excluded when ``low_open``), with a unit."""

    low: float
    high: float
    unit: str = ""
    low_open: bool = False

    def describe(self) -> str:
        """``from 1 to 1000000`` / ``greater than 0 and at most 604800 seconds``."""
        unit = f" {self.unit}" if self.unit else ""
        if self.low_open:
            return f"greater than {_num(self.low)} and at most {_num(self.high)}{unit}"
        return f"from {_num(self.low)} to {_num(self.high)}{unit}"

    def problem(self, value: float) -> str | None:
        """Why ``value`` is out of range, or None when it is fine."""
        if not math.isfinite(value):
            return f"expected a finite number {self.describe()} (got the number {_num(value)})"
        below = value <= self.low if self.low_open else value < self.low
        if below or value > self.high:
            return f"expected a number {self.describe()} (got the number {_num(value)})"
        return None


def _num(value: float) -> str:
    """Integers as written (small) or in ``1e+30`` form (big); floats in ``%g`` form."""
    if isinstance(value, int) and abs(value) < 10**15:
        return str(value)
    try:
        number = float(value)
    except OverflowError:  # an integer beyond float range; str() of it may be refused
        return f"about 10^{int(int(value).bit_length() * 0.30103)}"
    return str(int(number)) if number.is_integer() and abs(number) < 1e6 else f"{number:g}"


SECONDS = Bound(0, 7 * 24 * 3600, "seconds", low_open=True)
"""Any duration in seconds: more than 0, at most one week."""
JS_SECONDS = Bound(0, 3600, "seconds", low_open=True)
"""One JavaScript evaluation: at most an hour."""
LOCK_SECONDS = Bound(0, 7 * 24 * 3600, "seconds")
"""Waiting for another run's lock: 0 (do not wait) to one week."""
TTL_SECONDS = Bound(0, 10 * 365 * 24 * 3600, "seconds", low_open=True)
"""Time to live of a memory key: at most ten years."""
DELAY_MS = Bound(0, 3_600_000, "milliseconds")
"""Retry backoff base delay: at most an hour."""
MEGABYTES = Bound(1, 65_536, "MiB")
"""JavaScript memory, command output."""
MIB = 1024 * 1024
RUNS = Bound(1, 1_000_000)
"""Executions of a step."""
LOOPS = Bound(0, 1_000_000)
"""Routing transitions, retries."""
QUOTA = Bound(0, 2**40)
"""Namespace quotas (keys, bytes)."""
PARALLEL = Bound(1, 1024)
"""Steps running at once."""

WARN_TIMEOUT_AT = 1000
"""A numeric ``timeout`` at least this big is probably milliseconds (Visor's source reads ms)."""

DURATION_PATTERN = r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|m|h)?\s*$"
"""A duration string: ``500ms``, ``30s``, ``5m``, ``1h``, or plain seconds."""
_DURATION = re.compile(DURATION_PATTERN)
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


def parse_duration(value: Any) -> Any:
    """``"500ms"`` → 0.5, ``"5m"`` → 300.0; anything else is returned as it is."""
    if not isinstance(value, str):
        return value
    match = _DURATION.match(value)
    if match is None:
        expected = "seconds (a number) or a duration such as '500ms', '30s', '5m', '1h'"
        raise ValueError(f"expected {expected} (got '{value[:40]}')")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
