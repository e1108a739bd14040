"""``visor schema`` prints the committed schema."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from visor_mem.cli.schema import schema

COMMITTED = Path(__file__).resolve().parents[2] / "schemas" / "visor.schema.json"


def test_schema_prints_draft07_json() -> None:
    result = CliRunner().invoke(schema, [])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert {"steps", "checks", "memory", "routing", "limits", "env", "version"} <= set(document["properties"])


def test_committed_schema_is_up_to_date() -> None:
    result = CliRunner().invoke(schema, [])
    assert result.stdout == COMMITTED.read_text(encoding="utf-8"), (
        "run `make schema` (visor schema > schemas/visor.schema.json)"
    )
