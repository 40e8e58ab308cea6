"""The documentation site builds: the generated contract pages are current and ``mkdocs build --strict`` passes.

The build needs ``mkdocs-material`` (``pip install "mkdocs-material>=9.5"``). Without it the build test
skips, except when the environment variable ``CI`` is set: then it fails, so that CI cannot pass
without building the site. Strict mode turns every broken link and missing anchor into an error.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from conftest import ROOT

GENERATOR = ROOT / "tools" / "contract_pages.py"


def load_generator() -> ModuleType:
    """tools/contract_pages.py as a module (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location("contract_pages", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


class TestDocsSite:
    def test_contract_pages_are_up_to_date(self) -> None:
        """docs/contracts/ holds exactly the pages tools/contract_pages.py generates from contracts/*.toml."""
        stale: list[str] = load_generator().stale()
        assert not stale, f"out of date: {stale}; run python tools/contract_pages.py"

    def test_every_contract_page_is_in_the_nav(self) -> None:
        """mkdocs.yml lists every generated page, so none is left out of the site's navigation."""
        config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
        for page in load_generator().pages():
            name = page.path.relative_to(ROOT / "docs").as_posix()
            assert f"- {name}" in config, f"{name} is not in the nav of mkdocs.yml"

    def test_every_doc_is_in_the_nav(self) -> None:
        """mkdocs.yml lists every hand-written page of docs/."""
        config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
        for doc in sorted((ROOT / "docs").glob("*.md")):
            assert f": {doc.name}" in config, f"{doc.name} is not in the nav of mkdocs.yml"

    def test_strict_build(self, tmp_path: Path) -> None:
        """``mkdocs build --strict`` succeeds: no broken link, no missing anchor, no page outside the nav."""
        if importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("material") is None:
            if os.environ.get("CI"):
                pytest.fail('CI is set but mkdocs-material is not installed: pip install "mkdocs-material>=9.5"')
            pytest.skip('mkdocs-material is not installed: pip install "mkdocs-material>=9.5"')
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
        done = subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert (tmp_path / "site" / "contracts" / "leeuwarden-oost-pilot" / "index.html").exists()
