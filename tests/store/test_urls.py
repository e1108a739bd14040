"""Store URLs → memory configs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from visor_mem.errors import UsageError
from visor_mem.store.urls import parse_store_url

BASE = Path("/base")


@dataclass(frozen=True)
class Case:
    url: str
    storage: str
    file: str | None = None
    format: str = "json"
    url_field: str | None = None


CASES = [
    Case("memory:", "memory"),
    Case("memory://", "memory"),
    Case("file:./m.json", "file", "/base/m.json"),
    Case("file:m.csv", "file", "/base/m.csv", "csv"),
    Case("file:///m.json", "file", "/base/m.json"),
    Case("file:////abs/m.json", "file", "/abs/m.json"),
    Case("json:./m.json", "file", "/base/m.json"),
    Case("csv:./m.csv", "file", "/base/m.csv", "csv"),
    Case("csv:///m.csv", "file", "/base/m.csv", "csv"),
    Case("csv:/abs/m.csv", "file", "/abs/m.csv", "csv"),
    Case("sqlite:///x.db", "sqlite", "/base/x.db"),  # SQLAlchemy: three slashes, relative
    Case("sqlite:///sub/x.db", "sqlite", "/base/sub/x.db"),
    Case("sqlite:////abs/x.db", "sqlite", "/abs/x.db"),  # four slashes, absolute
    Case("sqlite://///abs/x.db", "sqlite", "/abs/x.db"),
    Case("sqlite:/abs/x.db", "sqlite", "/abs/x.db"),
    Case("sqlite:x.db", "sqlite", "/base/x.db"),
    Case("sqlite:./sub/x.db", "sqlite", "/base/sub/x.db"),
    Case("SQLITE:x.db", "sqlite", "/base/x.db"),
    Case("redis://127.0.0.1:6379/0", "redis", url_field="redis://127.0.0.1:6379/0"),
    Case("redis://cache", "redis", url_field="redis://cache"),
    Case("rediss://user:pw@cache:6380/2", "redis", url_field="rediss://user:pw@cache:6380/2"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.url for c in CASES])
def test_url(case: Case) -> None:
    config = parse_store_url(case.url, BASE)
    assert (config.storage, config.file, config.format, config.url) == (
        case.storage,
        case.file,
        case.format,
        case.url_field,
    )


def test_relative_paths_default_to_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert parse_store_url("sqlite:x.db").file == str(tmp_path / "x.db")
    assert parse_store_url("sqlite:///x.db").file == str(tmp_path / "x.db")


BAD = [
    ("no-scheme", "x.db"),
    ("unknown-scheme", "mysql://db/x"),
    ("empty", ""),
    ("no-path", "sqlite:"),
    ("no-path-after-slashes", "sqlite:///"),
    ("folder", "file:./data/"),
    ("host-in-file-url", "sqlite://host/x.db"),
    ("memory-with-path", "memory:x"),
    ("redis-no-host", "redis:///0"),
    ("redis-bad-port", "redis://h:port/0"),
    ("redis-bad-db", "redis://h:6379/zero"),
]


@pytest.mark.parametrize(("label", "url"), BAD, ids=[b[0] for b in BAD])
def test_bad_url_is_a_one_line_usage_error(label: str, url: str) -> None:
    with pytest.raises(UsageError, match="bad store URL") as caught:
        parse_store_url(url, BASE)
    assert "\n" not in str(caught.value)
    assert repr(url)[1:-1] in str(caught.value)
