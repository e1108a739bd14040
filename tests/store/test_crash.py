"""SIGKILL a real process writing the store at random (seeded) moments; it always reopens
at a committed prefix.  ``python bench/crash.py`` runs the same harness with 200 kills."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

KILLS = 8  # per backend (about 1 s each: interpreter start-up); bench/crash.py does 200


def _load_harness() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "bench" / "crash.py"
    spec = importlib.util.spec_from_file_location("bench_crash", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


harness = _load_harness()


@pytest.mark.parametrize("backend", sorted(harness.CONFIGS))
def test_killed_runs_always_reopen_at_a_committed_prefix(tmp_path: Path, backend: str) -> None:
    trials = harness.run_trials(backend, tmp_path, kills=KILLS, seed=7)
    problems = [t.problem for t in trials if not t.ok]
    assert problems == []
    assert trials[-1].steps > KILLS  # the runs made progress: the test exercised something
    assert any(t.journal_left for t in trials)  # some kills left a journal to recover


def test_the_model_is_a_prefix_function_of_the_step() -> None:
    """The check is only as good as the model: states differ step to step."""
    model = harness.Model()
    assert len({model.state(k) for k in range(30)}) == 30


def test_a_runner_that_breaks_the_store_is_caught(tmp_path: Path) -> None:
    """The harness fails when a runner leaves a store that does not match any prefix."""
    script = (
        "import sys, time; from pathlib import Path; print('ready', flush=True); "
        "Path(sys.argv[1], 'crash.json').write_text('{{\"default\": {{\"step\": 3}}}}'); time.sleep(5)"  # {{ }}: template
    )
    trials = harness.run_trials(
        "file-json", tmp_path, kills=1, seed=1, runner=["{python}", "-c", script, "{folder}"], max_delay=0.3
    )
    assert not trials[0].ok
    assert "differs" in trials[0].problem
