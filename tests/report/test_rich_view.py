"""The live status line: every step running at once is listed, and the last counts are the summary's."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path
from typing import Any

from tests.helpers import write_config
from visor_mem.config import load_config
from visor_mem.engine import RunOptions, run_config
from visor_mem.engine.events import Event, StepFinished, StepStarted
from visor_mem.engine.results import RunResult
from visor_mem.report import format as fmt
from visor_mem.report.rich_view import LiveProgress

# a waits until b and c have started: when a finishes, all three were running together.
RENDEZVOUS = """
    steps:
      a:
        type: command
        exec: "until [ -e b.flag ] && [ -e c.flag ]; do sleep 0.01; done"
      b:
        type: command
        exec: "touch b.flag"
      c:
        type: command
        exec: "touch c.flag"
"""

RETRIED = """
    steps:
      flaky:
        type: command
        exec: "n=$(cat n 2>/dev/null || echo 0); echo $((n+1)) > n; [ $n -ge 2 ]"
        on_fail:
          retry: {max: 3}
      broken:
        type: command
        exec: "exit 3"
      after:
        type: noop
        depends_on: broken
      fine:
        type: noop
"""


class Recorder:
    """Feeds a LiveProgress as the text reporter does, keeping its line before each event."""

    def __init__(self) -> None:
        self.progress = LiveProgress(io.StringIO(), color=False)
        self.lines: list[tuple[Event, str]] = []

    def __call__(self, event: Event) -> None:
        self.lines.append((event, self.progress.line()))
        if isinstance(event, StepStarted):
            self.progress.started(event.name, event.run)
        elif isinstance(event, StepFinished):
            self.progress.finished(event.result)


def run(folder: Path, text: str, recorder: Recorder, **options: Any) -> RunResult:
    loaded = load_config(write_config(folder, text))
    return run_config(loaded, RunOptions(on_event=recorder, **options))


def test_parallel_commands_are_all_listed_as_running(tmp_path: Path) -> None:
    recorder = Recorder()
    result = run(tmp_path, RENDEZVOUS, recorder, max_parallel=3)
    assert result.ok
    (before_a_finished,) = [
        line for event, line in recorder.lines if isinstance(event, StepFinished) and event.result.name == "a"
    ]
    assert before_a_finished.startswith("starting · running ")
    assert sorted(before_a_finished.split("running ")[1].split(", ")) == ["a", "b", "c"]


def test_the_last_counts_equal_the_summary(tmp_path: Path) -> None:
    recorder = Recorder()
    result = run(tmp_path, RETRIED, recorder)
    assert result.steps["flaky"].runs == 3  # failed twice, then succeeded
    counts = Counter(step.status for step in result.steps.values())
    expected = ", ".join(f"{counts[s]} {s}" for s in fmt.STATUSES if counts[s])
    assert recorder.progress.line() == expected == "2 success, 1 failed, 1 skipped"
