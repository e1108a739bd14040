"""SIGKILL real ``visor run`` processes (and a store-level driver) at random (seeded) moments:
the store always reopens at the state after a prefix of the run's steps, loses no committed
step, and the next run recovers it and succeeds.  ``python bench/crash.py`` does 200 kills."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import load_bench

harness = load_bench("crash")

KILLS = 5  # per backend; bench/crash.py does 200
PAIRS = 800  # a whole run takes about 0.8 s


@pytest.fixture(autouse=True)
def _private_config_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """visor's config cache goes to a temporary folder, not ~/.cache."""
    monkeypatch.setenv("VISOR_CACHE_DIR", str(tmp_path_factory.mktemp("visor-cache")))


@pytest.mark.parametrize("backend", sorted(harness.CONFIGS))
def test_killed_visor_runs_reopen_at_a_prefix_and_the_next_run_recovers(tmp_path: Path, backend: str) -> None:
    """Each kill waits for a ``committed k`` line of the chain's first quarter: it lands
    mid-run, after at least 2k committed steps, whatever the machine's speed."""
    workload = harness.VisorChain(PAIRS)
    series = harness.run_series(backend, tmp_path, KILLS, seed=7, workload=workload, at="progress")
    assert series.problems == []  # every store opened at a prefix holding every committed step
    assert [t.killed for t in series.attempts] == [True] * KILLS
    assert all(0 < t.committed <= t.steps < 2 * PAIRS for t in series.attempts)
    assert [t.steps for t in series.whole_runs] == [2 * PAIRS] * 3


@pytest.mark.parametrize("backend", ["file-json", "file-csv"])
def test_killed_store_driver_reopens_at_a_committed_prefix(tmp_path: Path, backend: str) -> None:
    """The driver compacts every 4 KiB, so kills also land inside compactions."""
    series = harness.run_series(
        backend, tmp_path, kills=5, seed=7, workload=harness.StoreDriver(), at="progress"
    )
    assert series.problems == []
    assert [t.killed for t in series.attempts] == [True] * 5  # the driver never ends by itself
    assert all(t.steps >= t.committed >= 20 for t in series.attempts)  # the smallest mark is 20


def test_progress_marks_leave_most_of_the_chain_to_run() -> None:
    chain = harness.VisorChain(pairs=PAIRS, log_every=50)
    assert chain.marks == ("committed 50", "committed 100", "committed 150", "committed 200")


def test_the_models_change_at_every_step() -> None:
    """The check is only as good as the models: states differ step to step."""
    chain = harness.VisorChain(pairs=20)
    start = {"default": {"k1": "0", "count": 40}}
    assert len({chain.state(start, 1, n) for n in range(41)}) == 41
    assert len({harness.Model().state(k) for k in range(30)}) == 30


def test_steps_are_read_off_the_dump() -> None:
    chain = harness.VisorChain(pairs=20)
    start = {"default": {"k1": "0", "k2": "0", "count": 4}}
    for n in range(41):
        assert chain.steps_in(start, json.loads(chain.state(start, 1, n)), 1) == n


@dataclass(frozen=True)
class Scripted(harness.VisorChain):  # type: ignore[name-defined,misc]
    """The chain's checks, around a fake run: a Python snippet given the folder."""

    script: str = ""

    def command(self, folder: Path, backend: str, run: int) -> list[str]:
        return [sys.executable, "-c", self.script, str(folder)]


@dataclass(frozen=True)
class Case:
    name: str
    script: str
    delay: float | None
    problem: str


BROKEN = [
    Case(
        "store holds no prefix",
        "import sys, time; from pathlib import Path; "
        'Path(sys.argv[1], \'crash.json\').write_text(\'{"default": {"k1": "0", "count": 5}}\'); time.sleep(9)',
        1.0,
        "matches no prefix",
    ),
    Case(
        "committed steps lost",
        "import sys, time; print('[log2] committed 2', file=sys.stderr, flush=True); time.sleep(9)",
        1.0,
        "lost committed steps 1..4",
    ),
    Case("run fails", "import sys; print('boom', file=sys.stderr); sys.exit(2)", None, "exit 2: boom"),
    Case("finished early", "pass", None, "exit 0 after 0 of 20 steps"),
    Case(
        "store does not open",
        "import sys; from pathlib import Path; Path(sys.argv[1], 'crash.json').write_text('{')",
        None,
        "does not open",
    ),
]


@pytest.mark.parametrize("case", BROKEN, ids=lambda c: c.name)
def test_a_run_that_breaks_the_rules_is_caught(tmp_path: Path, case: Case) -> None:
    """The harness fails when a run leaves a wrong store, loses steps, or fails."""
    workload = Scripted(pairs=10, script=case.script)
    workload.prepare(tmp_path, "file-json")
    trial, _ = harness.Harness(workload, "file-json", tmp_path).trial(case.delay)
    assert not trial.ok
    assert case.problem in trial.problem
