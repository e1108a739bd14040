"""The README's Tour is true: run in order in an empty folder, every console block prints what it shows.

Regenerate the outputs after a change of behaviour with ``python -m tests.readme``.
"""

from __future__ import annotations

import pytest

from tests import readme

TEXT = readme.README.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[readme.Block, list[str]]]:
    folder = tmp_path_factory.mktemp("readme") / "tour"
    folder.mkdir()
    return readme.play(TEXT, folder)


def test_the_tour_has_files_and_commands() -> None:
    found = readme.blocks(TEXT)
    files = [block.file for block in found if block.file]
    assert {".visor.yaml", "fail.yaml", "bad.yaml", "counter.yaml"} <= set(files)
    assert sum(len(block.commands) for block in found) >= 10


def test_every_console_block_prints_what_the_readme_shows(
    played: list[tuple[readme.Block, list[str]]],
) -> None:
    for block, outputs in played:
        for command, output in zip(block.commands, outputs, strict=True):
            assert readme.normalise(output) == readme.normalise(command.output), f"$ {command.line}"


def test_normalise_forgets_only_times_and_alignment() -> None:
    assert readme.normalise('a   1.5 ms  x  \n"duration_ms": 12.5') == 'a <time> x\n"duration_ms": <ms>'
    assert readme.normalise("ran 3 times") != readme.normalise("ran 4 times")


def test_the_docs_pages_the_readme_links_exist() -> None:
    root = readme.README.parent
    for page in ("memory", "expressions", "engine", "cli", "python-api"):
        assert f"(docs/{page}.md)" in TEXT
        assert (root / "docs" / f"{page}.md").is_file()
