"""Rewrite examples/expected/*.json from the current behaviour (review the diff!)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from tests.examples.test_examples import EXAMPLES, NAMES, run_example


def main() -> None:
    for name in NAMES:
        with tempfile.TemporaryDirectory() as folder:
            document = run_example(name, Path(folder))
        target = EXAMPLES / "expected" / f"{name}.json"
        target.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {target}")  # noqa: T201


if __name__ == "__main__":
    main()
