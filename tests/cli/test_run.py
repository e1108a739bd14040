"""``visor run`` end to end, in-process: options, exit codes, and what goes to stdout and stderr."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import Visor
from tests.helpers import write_config
from visor_mem.engine.options import RunOptions
from visor_mem.engine.results import RunResult

VISOR = Path(sys.executable).with_name("visor")

PASSING = """\
    version: "1.0"
    steps:
      init:
        type: memory
        operation: set
        key: count
        value: 1
      bump:
        type: memory
        operation: increment
        key: count
        depends_on: init
      hello:
        type: log
        message: "hello, café"
        depends_on: bump
"""

FAILING = """\
    steps:
      first:
        type: memory
        operation: set
        key: seen
        value: true
      broken:
        type: command
        exec: "echo 'it: broke' >&2; exit 3"
        depends_on: first
      after:
        type: noop
        depends_on: broken
"""


def flaky(folder: Path, failures: int = 2) -> str:
    """A config whose command fails ``failures`` times, then passes (counting in a file)."""
    counter = folder / "attempts"
    return f"""\
    steps:
      flaky:
        type: command
        exec: 'n=$(cat {counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > {counter}; [ "$n" -gt {failures} ]'
        on_fail:
          retry:
            max: 5
"""


def strip_durations(document: dict[str, Any]) -> dict[str, Any]:
    for step in document["steps"].values():
        assert isinstance(step.pop("duration_ms"), float)
    return document


# -- -o json -----------------------------------------------------------------


def test_json_is_exactly_one_document_on_stdout(visor: Visor, tmp_path: Path) -> None:
    config = write_config(tmp_path, PASSING)
    outcome = visor("run", str(config), "-o", "json")
    assert outcome.code == 0
    assert strip_durations(json.loads(outcome.out)) == {
        "ok": True,
        "steps": {
            "init": {"status": "success", "output": 1, "runs": 1},
            "bump": {"status": "success", "output": 2, "runs": 1},
            "hello": {"status": "success", "output": {"text": "hello, café"}, "runs": 1},
        },
        "memory": {"default": {"count": 2}},
        "session": {},
    }
    assert "café" in outcome.out  # ensure_ascii=False
    assert outcome.out.startswith('{\n  "ok": true,')  # indent 2
    assert outcome.err == "[hello] hello, café\n"


def test_a_failed_step_exits_1_and_skips_its_dependents(visor: Visor, tmp_path: Path) -> None:
    outcome = visor("run", str(write_config(tmp_path, FAILING)), "-o", "json")
    assert outcome.code == 1
    document = json.loads(outcome.out)
    assert document["ok"] is False
    assert document["steps"]["broken"]["status"] == "failed"
    assert document["steps"]["after"] == {
        "status": "skipped",
        "output": None,
        "reason": "dependency 'broken' failed",
        "runs": 0,
        "duration_ms": 0.0,
    }


# -- -o text and markdown ------------------------------------------------------


def test_text_is_a_plain_table_when_stdout_is_not_a_terminal(visor: Visor, tmp_path: Path) -> None:
    outcome = visor("run", str(write_config(tmp_path, FAILING)))
    assert outcome.code == 1
    lines = outcome.out.splitlines()
    assert lines[0].split() == ["step", "status", "runs", "time", "output"]
    assert lines[1].split()[:3] == ["first", "success", "1"]
    assert lines[2].split()[:3] == ["broken", "failed", "1"]
    assert lines[2].endswith("Command failed with exit code 3: it: broke")
    assert lines[3].split() == ["after", "skipped", "0", "-", "dependency", "'broken'", "failed"]
    assert lines[-1].startswith("failed: 3 steps (1 success, 1 failed, 1 skipped) in ")
    assert "\x1b[" not in outcome.out + outcome.err


def test_text_shows_how_often_and_why_a_step_was_re_run(visor: Visor, tmp_path: Path) -> None:
    outcome = visor("run", str(write_config(tmp_path, flaky(tmp_path))))
    assert outcome.code == 0
    assert outcome.out.splitlines()[1].startswith("flaky ×3 (retry)  success     3")


def test_debug_prints_routing_decisions_on_stderr(visor: Visor, tmp_path: Path) -> None:
    config = str(write_config(tmp_path, flaky(tmp_path)))
    quiet = visor("run", config, "-o", "json")
    (tmp_path / "attempts").unlink()
    loud = visor("run", config, "-o", "json", "--debug")
    assert quiet.err == ""
    routing = loud.err.splitlines()
    assert len(routing) == 2
    assert all(line.startswith("routing: flaky on_fail -> retry") for line in routing)
    assert json.loads(loud.out)["steps"]["flaky"]["runs"] == 3


def test_markdown_is_a_table(visor: Visor, tmp_path: Path) -> None:
    outcome = visor("run", str(write_config(tmp_path, PASSING)), "--output", "markdown")
    assert outcome.code == 0
    assert outcome.out.startswith("### visor run: ✅ ok: 3 steps")
    assert "| `bump` | ✅ success | 1 |" in outcome.out


def test_github_actions_get_annotations_on_stderr_and_a_step_summary(
    visor: Visor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    outcome = visor("run", str(write_config(tmp_path, FAILING)), "-o", "json")
    assert outcome.code == 1
    assert json.loads(outcome.out)["ok"] is False  # stdout is still one JSON document
    assert (
        outcome.err
        == "::error title=visor%3A step broken failed::Command failed with exit code 3: it: broke\n"
    )
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n### visor run: ❌ failed: 3 steps")


# -- config discovery and errors ------------------------------------------------


def test_default_config_is_dot_visor_yaml_in_the_current_folder(
    visor: Visor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path, PASSING)
    monkeypatch.chdir(tmp_path)
    assert visor("run", "-o", "json").code == 0


def test_dot_visor_yml_is_found_when_it_is_the_only_one(
    visor: Visor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path, FAILING, name=".visor.yml")
    monkeypatch.chdir(tmp_path)
    assert visor("run", "-o", "json").code == 1


def test_no_config_is_exit_2_naming_the_file(
    visor: Visor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    outcome = visor("run")
    assert outcome.code == 2
    assert outcome.out == ""
    assert outcome.err.count("\n") == 1
    assert ".visor.yaml" in outcome.err


def test_invalid_config_is_exit_2_and_one_line(visor: Visor, tmp_path: Path) -> None:
    config = write_config(tmp_path, "steps:\n  a:\n    type: memory\n    operation: frobnicate\n    key: k\n")
    outcome = visor("run", str(config), "-o", "json")
    assert outcome.code == 2
    assert json.loads(outcome.out)["ok"] is False  # -o json: still one document on stdout
    assert outcome.err.count("\n") == 1
    assert str(config) in outcome.err


def test_config_warnings_go_to_stderr(visor: Visor, tmp_path: Path) -> None:
    config = write_config(tmp_path, "output: {pr_comment: {}}\n" + PASSING.replace("\n    ", "\n")[4:])
    outcome = visor("run", str(config), "-o", "json")
    assert outcome.code == 0
    assert json.loads(outcome.out)["ok"] is True
    assert outcome.err.startswith(f"{config}:1:1: warning: output: ")
    assert "output" in outcome.err.splitlines()[0]


# -- options -------------------------------------------------------------------


@dataclass
class Recorder:
    """Stands in for the engine to capture the RunOptions the CLI builds."""

    seen: list[RunOptions] = field(default_factory=list)

    def __call__(self, loaded: object, options: RunOptions) -> RunResult:
        self.seen.append(options)
        return RunResult(steps={}, memory={}, session={})


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    """Options parsing is the CLI's job; asserting it needs the options, not a whole run."""
    recording = Recorder()
    monkeypatch.setattr("visor_mem.engine.run_config", recording)
    return recording


@dataclass(frozen=True)
class OptionCase:
    id: str
    argv: tuple[str, ...]
    expected: dict[str, Any]


OPTION_CASES = [
    OptionCase(
        "defaults",
        (),
        {
            "only": (),
            "store_url": None,
            "max_parallel": None,
            "fail_fast": False,
            "js_timeout": None,
            "lock_timeout": None,
            "tags": (),
            "exclude_tags": (),
            "pr": {},
            "vars": {},
            "debug": False,
        },
    ),
    OptionCase("only", ("--only", "a", "--only", "b"), {"only": ("a", "b")}),
    OptionCase("store", ("--store", "sqlite:///x.db"), {"store_url": "sqlite:///x.db"}),
    OptionCase("max-parallel", ("--max-parallel", "3"), {"max_parallel": 3}),
    OptionCase("fail-fast", ("--fail-fast",), {"fail_fast": True}),
    OptionCase(
        "timeouts", ("--js-timeout", "0.5", "--lock-timeout", "0"), {"js_timeout": 0.5, "lock_timeout": 0.0}
    ),
    OptionCase(
        "tags",
        ("--tags", "a, b", "--tags", "c", "--exclude-tags", "slow,,"),
        {"tags": ("a", "b", "c"), "exclude_tags": ("slow",)},
    ),
    OptionCase(
        "vars",
        ("--var", "who=world", "--var", "expr=a=b", "--var", "empty="),
        {"vars": {"who": "world", "expr": "a=b", "empty": ""}},
    ),
    OptionCase("debug", ("--debug",), {"debug": True}),
    OptionCase("event", ("--event", "pr_opened"), {"event": "pr_opened"}),
]


@pytest.mark.parametrize("case", OPTION_CASES, ids=[c.id for c in OPTION_CASES])
def test_options_become_run_options(
    visor: Visor, recorder: Recorder, tmp_path: Path, case: OptionCase
) -> None:
    outcome = visor("run", str(write_config(tmp_path, PASSING)), "-o", "json", *case.argv)
    assert outcome.code == 0, outcome.err
    (options,) = recorder.seen
    assert {name: getattr(options, name) for name in case.expected} == case.expected
    assert options.environ == dict(os.environ)


def test_pr_file_becomes_the_pr_object(visor: Visor, recorder: Recorder, tmp_path: Path) -> None:
    pr = tmp_path / "pr.json"
    pr.write_text('{"number": 7, "title": "Fix ☃"}', encoding="utf-8")
    assert visor("run", str(write_config(tmp_path, PASSING)), "--pr", str(pr)).code == 0
    assert recorder.seen[0].pr == {"number": 7, "title": "Fix ☃"}


@dataclass(frozen=True)
class BadCase:
    id: str
    argv: tuple[str, ...]
    message: str
    pr_text: str | None = None


BAD_OPTIONS = [
    BadCase("output", ("-o", "yaml"), "'yaml' is not one of 'text', 'json', 'markdown'"),
    BadCase("max-parallel-zero", ("--max-parallel", "0"), "--max-parallel"),
    BadCase("js-timeout-zero", ("--js-timeout", "0"), "--js-timeout"),
    BadCase("lock-timeout-negative", ("--lock-timeout", "-1"), "--lock-timeout"),
    BadCase("var-without-equals", ("--var", "oops"), "expected KEY=VALUE, got 'oops'"),
    BadCase("var-empty-key", ("--var", "=x"), "expected KEY=VALUE"),
    BadCase("pr-missing", ("--pr", "nope.json"), "nope.json"),
    BadCase(
        "pr-not-json", ("--pr", "PR"), ":1:2: not a JSON value: Expecting property name", pr_text="{oops"
    ),
    BadCase("pr-not-object", ("--pr", "PR"), "must hold a JSON object, not list", pr_text="[1]"),
]


@pytest.mark.parametrize("case", BAD_OPTIONS, ids=[c.id for c in BAD_OPTIONS])
def test_bad_options_are_usage_errors(
    visor: Visor, recorder: Recorder, tmp_path: Path, case: BadCase
) -> None:
    pr = tmp_path / "pr.json"
    if case.pr_text is not None:
        pr.write_text(case.pr_text, encoding="utf-8")
    argv = [str(pr) if arg == "PR" else arg for arg in case.argv]
    outcome = visor("run", str(write_config(tmp_path, PASSING)), *argv)
    assert outcome.code == 2
    assert outcome.out == ""
    assert case.message in outcome.err
    assert recorder.seen == []


def test_only_runs_the_step_and_its_dependencies(visor: Visor, tmp_path: Path) -> None:
    outcome = visor("run", str(write_config(tmp_path, PASSING)), "-o", "json", "--only", "bump")
    steps = json.loads(outcome.out)["steps"]
    assert {name: step["status"] for name, step in steps.items()} == {
        "init": "success",
        "bump": "success",
        "hello": "skipped",
    }


def test_only_an_unknown_step_is_exit_2(visor: Visor, tmp_path: Path) -> None:
    outcome = visor("run", str(write_config(tmp_path, PASSING)), "--only", "bmup")
    assert outcome.code == 2
    assert "bmup" in outcome.err


# -- the console script -----------------------------------------------------------


def test_console_script_json_run(tmp_path: Path) -> None:
    config = write_config(tmp_path, PASSING)
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "NO_COLOR")}
    done = subprocess.run(
        [VISOR, "run", str(config), "-o", "json"], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0
    assert json.loads(done.stdout)["memory"] == {"default": {"count": 2}}
    assert done.stderr == "[hello] hello, café\n"


def test_sigterm_stops_a_run_with_exit_130(tmp_path: Path) -> None:
    # That the store stays consistent is tested with the file and sqlite backends (tests/store/).
    config = write_config(
        tmp_path,
        f"""\
        steps:
          first:
            type: memory
            operation: set
            key: done
            value: first
          wait:
            type: command
            exec: "touch {tmp_path / "started"}; sleep 30"
            depends_on: first
    """,
    )
    process = subprocess.Popen(
        [VISOR, "run", str(config)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 20
    while not (tmp_path / "started").exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the command step never started"
        time.sleep(0.02)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=20)
    assert process.returncode == 130
    assert out == ""
    assert err.splitlines()[-1].startswith("interrupted")


def test_json_and_plain_text_runs_do_not_import_rich(tmp_path: Path) -> None:
    config = write_config(tmp_path, PASSING)
    code = (
        "import sys; from visor_mem.cli import main;"
        f"codes = [main(['run', {str(config)!r}, '-o', 'json']), main(['run', {str(config)!r}])];"
        "print(codes, sorted({m.split('.')[0] for m in sys.modules} & {'rich', 'quickjs', 'liquid'}), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr.splitlines()[-1] == "[0, 0] []"


def test_a_reader_that_goes_away_is_exit_141_without_a_message(tmp_path: Path) -> None:
    config = write_config(tmp_path, PASSING)
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [VISOR, "run", str(config), "-o", "json"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    finally:
        os.close(write_end)
    assert done.returncode == 141
    assert done.stderr == "[hello] hello, café\n"


@pytest.mark.parametrize(
    ("text", "field"),
    [("stpes:\n  a: {type: noop}\n", "stpes"), ("steps:\n  a: {type: nope}\n", "steps.a.type")],
)
def test_json_output_of_a_bad_config_is_a_json_error_document(
    visor: Visor, tmp_path: Path, text: str, field: str
) -> None:
    config = write_config(tmp_path, text)
    outcome = visor("run", str(config), "-o", "json")
    assert outcome.code == 2
    document = json.loads(outcome.out)
    assert document["ok"] is False
    assert document["error"]["exit_code"] == 2
    assert document["error"]["file"] == str(config)
    assert document["error"]["field"] == field
    assert document["error"]["message"] == outcome.err.rstrip("\n")  # the same one line as on stderr


def test_json_output_of_an_unreadable_store_is_a_json_error_document(visor: Visor, tmp_path: Path) -> None:
    (tmp_path / "m.json").write_text("{broken")
    config = write_config(tmp_path, "memory: {storage: file, file: m.json}\nsteps:\n  a: {type: noop}\n")
    outcome = visor("run", str(config), "-o", "json")
    assert outcome.code == 2
    assert json.loads(outcome.out)["error"]["message"] == outcome.err.rstrip("\n")


def test_text_output_of_a_bad_config_prints_nothing_on_stdout(visor: Visor, tmp_path: Path) -> None:
    outcome = visor("run", str(write_config(tmp_path, "stpes: {}\n")))
    assert (outcome.code, outcome.out) == (2, "")
