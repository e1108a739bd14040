"""Mock values: what a command mock stands for, and per-call sequences."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from visor_mem.steps.command import Completed
from visor_mem.testing.mocks import MockBook, as_completed, command_mock_problem


@dataclass(frozen=True)
class Case:
    id: str
    mock: Any
    completed: Completed


CASES = [
    Case("string-is-stdout", "hello", Completed(0, "hello", "")),
    Case("number-is-exit-code", 2, Completed(2, "", "")),
    Case("process-result", {"stdout": "o", "stderr": "e", "exit_code": 3}, Completed(3, "o", "e")),
    Case("visor-exit-alias", {"exit": 1}, Completed(1, "", "")),
    Case("data-mapping-is-json-stdout", {"ok": True}, Completed(0, '{"ok": true}', "")),
    Case("data-list", [1, 2], Completed(0, "[1, 2]", "")),
    Case("null", None, Completed(0, "null", "")),
    Case("bool", False, Completed(0, "false", "")),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_as_completed(case: Case) -> None:
    assert as_completed(case.mock) == case.completed


@pytest.mark.parametrize(
    ("mock", "problem"),
    [
        ({"stdout": "x"}, None),
        ({"data": 1}, None),
        ("text", None),
        ({"stdout": 1}, "'stdout' must be a string"),
        ({"stderr": ["x"]}, "'stderr' must be a string"),
        ({"exit_code": True}, "'exit_code' must be an integer"),
        (
            {"exit_code": 1, "text": "x"},
            "unknown field 'text' in a command mock; expected stdout, stderr, exit_code",
        ),
    ],
)
def test_command_mock_problem(mock: Any, problem: str | None) -> None:
    assert command_mock_problem(mock) == problem


def test_sequences_repeat_their_last_item_and_count_calls() -> None:
    book = MockBook.from_case({"a[]": [1, 2], "b": "x"}, {})
    assert [book.take("a") for _ in range(4)] == [(True, 1), (True, 2), (True, 2), (True, 2)]
    assert book.take("b") == (True, "x")
    assert book.take("c") == (False, None)
    assert book.calls == {"a": 4, "b": 1, "c": 1}
