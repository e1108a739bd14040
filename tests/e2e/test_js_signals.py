"""SIGINT and SIGTERM while JavaScript spins: exit 130 long before the JS time limit, with the
snippet's writes not applied (in the main thread and in worker threads alike).

(Before: the binding's CPU-time limit had to run out first; ``bench/js.py`` prints how long
the stop takes.)
"""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest

from tests.e2e import start_visor, wait_until, write

SPIN = """\
    version: "1.0"
    memory: {{storage: file, format: json, file: m.json}}
    limits: {{js_timeout: 600}}
    steps:
      first: {{type: memory, operation: set, key: a, value: 1}}
      started: {{type: command, exec: "touch {marker}", depends_on: first}}
{spinners}
"""
SPINNER = (
    "      spin{n}: {{type: script, depends_on: started,"
    " content: \"memory.set('b{n}', 1); log('x'); while (true) {{}}\"}}"
)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("spinners", [1, 2], ids=["main-thread", "worker-threads"])
def test_a_signal_stops_spinning_javascript(tmp_path: Path, signum: signal.Signals, spinners: int) -> None:
    marker = tmp_path / "started"
    steps = "\n".join(SPINNER.format(n=n) for n in range(spinners))
    config = write(tmp_path, "spin.yaml", SPIN.format(marker=marker, spinners=steps))
    err = tmp_path / "err.txt"
    process = start_visor("run", config, "--max-parallel", str(spinners), cwd=tmp_path, err=err)
    wait_until(marker.exists, "the step before the script ran", process, err)
    time.sleep(0.3)  # into the loop (a signal before it must stop the run all the same)
    process.send_signal(signum)
    code = process.wait(timeout=30)  # the JS limit is 600 s: only the signal can end it this soon
    assert code == 130, err.read_text()[-500:]
    assert json.loads((tmp_path / "m.json").read_text()) == {"default": {"a": 1}}
