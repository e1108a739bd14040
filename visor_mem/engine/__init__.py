"""The engine: plan a config, run it, return a frozen ``RunResult``.

``run_config`` is the seam between the CLI (or the Python API) and the run:
it opens the store, builds the per-run expression services, runs the
scheduler and closes the store whatever happens (Ctrl-C included), so
committed steps are kept and nothing is torn.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from visor_mem.config.graph import build_graph
from visor_mem.config.loaded import LoadedConfig
from visor_mem.engine.events import LogMessage
from visor_mem.engine.execute import Services
from visor_mem.engine.options import RunOptions
from visor_mem.engine.plan import build_plan
from visor_mem.engine.results import RunResult, StepResult
from visor_mem.engine.runner import Runner
from visor_mem.engine.select import FALLBACK_EVENT, event_in_force, event_payload
from visor_mem.engine.state import StepState
from visor_mem.errors import Interrupted
from visor_mem.expr import Expressions
from visor_mem.expr.context import EvalContext
from visor_mem.expr.js_visor import helpers as js_helpers
from visor_mem.expr.visor_info import from_environment
from visor_mem.steps import new_kinds
from visor_mem.steps.env_refs import expand_env_refs
from visor_mem.store import open_store
from visor_mem.store.base import Dump, Store, StoreSettings
from visor_mem.store.memory import DictStore, Entry
from visor_mem.store.scoped import Memory, NamespaceLimits

STANDALONE_PR = {
    "number": 0,
    "title": "Standalone Workflow Execution",
    "body": "",
    "author": "system",
    "base": "main",
    "head": "HEAD",
    "files": [],
    "totalAdditions": 0,
    "totalDeletions": 0,
}
"""The ``pr`` object outside a pull request (as Visor provides it)."""


def run_config(loaded: LoadedConfig, options: RunOptions | None = None) -> RunResult:
    """Run a loaded config to the end; the result's store is readable after the close."""
    options = options or RunOptions()
    store = options.harness.store if options.harness else _open(loaded, options)
    started = time.perf_counter()
    try:
        result = _run_with_store(loaded, options, store, started)
    finally:
        store.close()
    if isinstance(store, DictStore):
        return result  # nothing to close: the live store stays readable
    return replace(result, store=snapshot(result.memory))


def snapshot(memory: Dump) -> DictStore:
    """An in-memory copy of a final dump: what ``RunResult.store`` reads once a backend is closed."""
    copy = DictStore()
    for namespace, entries in memory.items():
        copy.ensure_namespace(namespace)
        for key, value in entries.items():
            copy.load_entry(namespace, key, Entry(value))
    return copy


def _open(loaded: LoadedConfig, options: RunOptions) -> Store:
    settings: StoreSettings = loaded.spec.memory
    if options.store_url:
        from visor_mem.store.urls import parse_store_url  # only when --store is given

        settings = parse_store_url(options.store_url, Path.cwd())
    return open_store(settings, loaded.base_dir, lock_timeout=options.lock_timeout, on_wait=options.on_wait)


def _run_with_store(loaded: LoadedConfig, options: RunOptions, store: Store, started: float) -> RunResult:
    spec = loaded.spec
    limits = {
        ns: NamespaceLimits(lim.max_keys, lim.max_value_bytes) for ns, lim in spec.memory.limits.items()
    }
    memory = Memory(store, spec.memory.namespace, limits)
    harness = options.harness
    session = Memory(harness.session if harness else DictStore())
    env = _environment(loaded, options.environ)
    pr = {**STANDALONE_PR, **options.pr}
    # The event steps are selected by is the event every expression sees (--event simulates it).
    process = os.environ if options.environ is None else options.environ
    event = event_in_force(options, process) or FALLBACK_EVENT
    visor = from_environment(env, pr, event_payload(env), spec.input_defaults, event)
    ctx = EvalContext(memory=memory, session=session, pr=pr, env=env, vars=dict(options.vars), visor=visor)
    ctx.js_globals.update(visor.globals())
    ctx.js_helpers.update(js_helpers(visor))
    exprs = Expressions(
        ctx,
        js_timeout=options.js_timeout or spec.limits.js_timeout,
        js_memory_mb=spec.limits.js_memory_mb,
        log=lambda text: _js_log(options, text),
    )
    plan = build_plan(spec, options)
    services = Services(
        loaded=loaded,
        plan=plan,
        kinds=harness.wrap_kinds(new_kinds()) if harness else new_kinds(),
        exprs=exprs,
        memory=memory,
        session=session,
        store=store,
        outputs=ctx.outputs,
        env=env,
        sink=options.on_event,
        max_runs=spec.limits.max_runs_per_step,
    )
    parallel = options.max_parallel or spec.max_parallelism or os.cpu_count() or 2
    runner = Runner(services, spec.routing.max_loops, parallel, options.fail_fast or spec.fail_fast)
    try:
        runner.run()
    except KeyboardInterrupt as interrupt:
        runner.terminate()
        raise Interrupted("interrupted; committed steps are kept") from interrupt
    finally:
        exprs.close()
    return RunResult(
        steps=_results(runner.states, runner.resolver.recovered()),
        memory=memory.dump(),
        session=session.dump(),
        duration_ms=(time.perf_counter() - started) * 1000,
        store=store,
        graph=build_graph(spec),
    )


def _results(states: Mapping[str, StepState], recovered: set[str]) -> dict[str, StepResult]:
    return {name: state.result(name in recovered) for name, state in states.items()}


def _environment(loaded: LoadedConfig, environ: Mapping[str, str] | None) -> dict[str, str]:
    """The process environment plus the config's top-level ``env:`` (its references expanded)."""
    process = dict(os.environ if environ is None else environ)
    base = dict(process)
    for key, value in loaded.spec.env.items():
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        base[key] = expand_env_refs(text, process)
    return base


def _js_log(options: RunOptions, text: str) -> None:
    options.on_event(LogMessage("js", "info", text))


__all__ = ["RunOptions", "RunResult", "run_config"]
