"""Every visor process of these tests keeps its config cache in a temporary folder."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _private_config_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """visor's config cache goes to a temporary folder, not ~/.cache (children inherit it)."""
    monkeypatch.setenv("VISOR_CACHE_DIR", str(tmp_path_factory.mktemp("visor-cache")))
