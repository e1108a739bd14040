"""RunOptions: the Python API's numeric options have the command line's bounds."""

from __future__ import annotations

import math

import pytest

from visor_mem.engine.options import RunOptions
from visor_mem.errors import UsageError


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"js_timeout": math.inf},
            "js_timeout: expected a finite number greater than 0 and at most 3600 seconds",
        ),
        ({"js_timeout": 0}, "js_timeout: expected a number greater than 0"),
        ({"lock_timeout": math.nan}, "lock_timeout: expected a finite number from 0 to 604800 seconds"),
        ({"lock_timeout": "10"}, "lock_timeout: expected a number from 0 to 604800 seconds (got '10')"),
        (
            {"max_parallel": 10**9},
            "max_parallel: expected a number from 1 to 1024 (got the number 1000000000)",
        ),
        ({"max_parallel": True}, "max_parallel: expected a number from 1 to 1024 (got True)"),
    ],
)
def test_out_of_range_options_are_usage_errors(options: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError) as caught:
        RunOptions(**options)  # type: ignore[arg-type]
    assert str(caught.value) == message or str(caught.value).startswith(message)


def test_options_within_range_and_unset_ones_are_kept() -> None:
    options = RunOptions(js_timeout=2.5, lock_timeout=0, max_parallel=4)
    assert (options.js_timeout, options.lock_timeout, options.max_parallel) == (2.5, 0, 4)
    assert RunOptions().js_timeout is None
