"""Print what the fuzzers tried (``make fuzz`` runs them longer, with ``-s``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hostile.fuzzing import DEFAULT_EXAMPLES, EXAMPLES, TALLY


@pytest.fixture(scope="session", autouse=True)
def _fuzz_report() -> Iterator[None]:
    yield
    if EXAMPLES == DEFAULT_EXAMPLES or not TALLY:
        return
    fuzzers = sorted({fuzzer for fuzzer, _ in TALLY})
    lines = ["", "fuzz outcomes (examples per outcome):"]
    for fuzzer in fuzzers:
        total = sum(n for (name, _), n in TALLY.items() if name == fuzzer)
        lines.append(f"  {fuzzer}: {total} examples")
        outcomes = sorted(((n, what) for (name, what), n in TALLY.items() if name == fuzzer), reverse=True)
        lines += [f"    {n:6d}  {what}" for n, what in outcomes]
    print("\n".join(lines))  # noqa: T201 - the point of make fuzz
