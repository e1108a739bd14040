"""``-o text``: plain or rich depending on the terminal, progress, log and debug lines."""

from __future__ import annotations

import io
import re
import threading
from dataclasses import dataclass

import pytest

from tests.report.samples import Terminal, sample_result
from visor_mem.engine.events import Event, LogMessage, RoutingDecision, StepFinished, StepStarted
from visor_mem.engine.results import StepResult
from visor_mem.report import REPORTERS, ReportContext, make_reporter
from visor_mem.report.base import BaseReporter, log_line, routing_line
from visor_mem.report.plain import render_table
from visor_mem.report.text import TextReporter

ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*3[0-7]m")


def test_every_format_has_a_reporter() -> None:
    context = ReportContext(io.StringIO(), io.StringIO())
    for name in REPORTERS:
        assert isinstance(make_reporter(name, context), BaseReporter)


def test_not_a_terminal_gives_the_plain_table() -> None:
    out, err = io.StringIO(), io.StringIO()
    reporter = TextReporter(ReportContext(out, err))
    with reporter.running():
        reporter.on_event(StepStarted("a", 1))
    reporter.finish(sample_result())
    assert out.getvalue() == render_table(sample_result())
    assert err.getvalue() == ""


def test_a_terminal_gets_a_coloured_rich_table() -> None:
    out = Terminal()
    TextReporter(ReportContext(out, io.StringIO())).finish(sample_result())
    text = out.getvalue()
    assert ANSI_COLOUR.search(text)
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
    assert "flaky ×3 (retry)" in plain
    assert "dependency 'build' failed" in plain
    assert plain.rstrip().endswith("failed: 5 steps (3 success, 1 failed, 1 skipped) in 1.60 s")


def test_no_color_keeps_the_rich_table_but_drops_colour() -> None:
    out = Terminal()
    TextReporter(ReportContext(out, io.StringIO(), environ={"NO_COLOR": "1"})).finish(sample_result())
    assert "flaky ×3 (retry)" in out.getvalue()
    assert not ANSI_COLOUR.search(out.getvalue())


def test_empty_no_color_does_not_count() -> None:
    assert ReportContext(io.StringIO(), io.StringIO(), environ={"NO_COLOR": ""}).color


def test_live_progress_on_a_terminal_prints_log_lines_above_it() -> None:
    err = Terminal()
    reporter = TextReporter(ReportContext(io.StringIO(), err))
    with reporter.running():
        reporter.on_event(StepStarted("say", 1))
        reporter.on_event(LogMessage("say", "info", "hello there"))
        reporter.on_event(StepFinished(StepResult("say", "success", runs=1)))
        reporter.on_event(StepStarted("say", 2))
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", err.getvalue())
    assert "[say] hello there" in plain
    assert "1 success · running say (run 2)" in plain  # the status line, redrawn at the end
    assert err.getvalue().endswith("\x1b[2K")  # and erased (transient)
    after = err.getvalue()
    reporter.on_event(LogMessage("say", "info", "after the run"))
    assert err.getvalue() == after + "[say] after the run\n"


@dataclass(frozen=True)
class LogCase:
    id: str
    event: LogMessage
    debug: bool
    expected: str | None


LOGS = [
    LogCase("info", LogMessage("s", "info", "hi"), False, "[s] hi"),
    LogCase("warn", LogMessage("s", "warn", "hm"), False, "[s] warning: hm"),
    LogCase("warning", LogMessage("s", "warning", "hm"), False, "[s] warning: hm"),
    LogCase("error", LogMessage("s", "error", "no"), False, "[s] error: no"),
    LogCase("debug-hidden", LogMessage("s", "debug", "x"), False, None),
    LogCase("debug-shown", LogMessage("s", "debug", "x"), True, "[s] debug: x"),
    LogCase("unknown-level", LogMessage("s", "trace", "x"), False, "[s] trace: x"),
]


@pytest.mark.parametrize("case", LOGS, ids=[c.id for c in LOGS])
def test_log_line(case: LogCase) -> None:
    assert log_line(case.event, case.debug) == case.expected


def test_routing_line() -> None:
    assert routing_line(RoutingDecision("b", "on_fail", "goto", "a")) == "routing: b on_fail -> goto a"
    assert routing_line(RoutingDecision("b", "on_fail", "retry", "")) == "routing: b on_fail -> retry"


@pytest.mark.parametrize("debug", [False, True], ids=["quiet", "debug"])
def test_routing_decisions_only_with_debug(debug: bool) -> None:
    err = io.StringIO()
    reporter = make_reporter("json", ReportContext(io.StringIO(), err, debug=debug))
    reporter.on_event(RoutingDecision("b", "on_fail", "retry", "attempt 1 of 2"))
    assert err.getvalue() == ("routing: b on_fail -> retry attempt 1 of 2\n" if debug else "")


def test_events_from_many_threads_give_whole_lines() -> None:
    err = io.StringIO()
    reporter = make_reporter("json", ReportContext(io.StringIO(), err))
    events: list[Event] = [LogMessage(f"s{i}", "info", "x" * 200) for i in range(50)]
    threads = [threading.Thread(target=reporter.on_event, args=(event,)) for event in events]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = err.getvalue().splitlines()
    assert sorted(lines) == sorted(f"[s{i}] " + "x" * 200 for i in range(50))
