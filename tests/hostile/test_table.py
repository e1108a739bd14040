"""The table's own rules: a row whose expectations do not hold fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile.table import Case, Outcome, check, prepare


def _case(**overrides: object) -> Case:
    fields: dict[str, object] = {"id": "t", "argv": ("run",), "exit_code": 2, "message": "bad"}
    fields.update(overrides)
    return Case(**fields)  # type: ignore[arg-type]


def test_a_row_that_holds_passes(tmp_path: Path) -> None:
    case = _case(files={"m.json": b"{}"}, unchanged=("m.json",))
    before = prepare(case, tmp_path)
    check(case, tmp_path, before, Outcome(2, "", "m.json: bad"))


@pytest.mark.parametrize(
    ("outcome", "why"),
    [
        (Outcome(70, "", "bad"), "exit 70"),
        (Outcome(1, "", "bad"), "exit code"),
        (Outcome(2, "", "good"), "message"),
        (Outcome(2, "", "bad\nTraceback (most recent call last):"), "traceback"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_a_row_that_does_not_hold_fails(tmp_path: Path, outcome: Outcome, why: str) -> None:
    case = _case()
    with pytest.raises(AssertionError):
        check(case, tmp_path, prepare(case, tmp_path), outcome)


def test_a_changed_file_fails_the_row(tmp_path: Path) -> None:
    case = _case(files={"m.json": b"{}"}, unchanged=("m.json",))
    before = prepare(case, tmp_path)
    (tmp_path / "m.json").write_bytes(b"{} ")
    with pytest.raises(AssertionError, match="m.json changed"):
        check(case, tmp_path, before, Outcome(2, "", "bad"))


def test_json_output_must_be_strict(tmp_path: Path) -> None:
    case = _case(argv=("run", "-o", "json"), exit_code=0, message="")
    with pytest.raises(AssertionError, match="NaN"):
        check(case, tmp_path, prepare(case, tmp_path), Outcome(0, '{"a": NaN}', ""))
