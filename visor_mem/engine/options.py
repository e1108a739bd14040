"""Options of one run, as given on the command line or to ``visor_mem.run``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from visor_mem.config.bounds import JS_SECONDS, LOCK_SECONDS, PARALLEL
from visor_mem.engine.events import EventSink, ignore_events
from visor_mem.engine.harness import Harness
from visor_mem.errors import UsageError
from visor_mem.store.base import JSON


@dataclass(frozen=True)
class RunOptions:
    """Everything a run needs besides the config."""

    only: tuple[str, ...] = ()
    store_url: str | None = None
    max_parallel: int | None = None
    """None: the config's ``max_parallelism``, else the number of cores."""
    fail_fast: bool = False
    js_timeout: float | None = None
    lock_timeout: float | None = None
    tags: tuple[str, ...] = ()
    exclude_tags: tuple[str, ...] = ()
    event: str | None = None
    """Visor event to select steps by (``on:``); "all" or None: no event filtering (see select.py)."""
    pr: Mapping[str, JSON] = field(default_factory=dict)
    vars: Mapping[str, str] = field(default_factory=dict)
    debug: bool = False
    environ: Mapping[str, str] | None = None
    """The process environment to use (None: os.environ at run time)."""
    on_event: EventSink = ignore_events
    on_wait: Callable[[str], None] | None = None
    """Called once when the store is locked by another run and we wait for it."""
    harness: Harness | None = None
    """``visor test`` only: the run's stores and step kinds (see ``engine/harness.py``)."""

    def __post_init__(self) -> None:
        # The Python API gets the same bounds as the command line (cli/bounded.py).
        for name, bound in _BOUNDED.items():
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise UsageError(f"{name}: expected a number {bound.describe()} (got {value!r:.40})")
            problem = bound.problem(value)
            if problem:
                raise UsageError(f"{name}: {problem}")


_BOUNDED = {"max_parallel": PARALLEL, "js_timeout": JS_SECONDS, "lock_timeout": LOCK_SECONDS}
"""Numeric options and their ranges (``config/bounds.py``)."""
