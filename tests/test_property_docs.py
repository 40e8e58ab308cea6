"""The five worked examples of docs/property-testing.md run as the page says (issue #18, item 5): each code
block is saved as a test file and run by pytest (``pytester``, in this process) with the plugin's fixtures;
four pass, the fifth finds Utah's real flaw, and the TOML the page shows reruns with ``sibkit run --scenario``
to the amounts the page shows."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from sibkit.cli import main

from conftest import EXAMPLE, ROOT

pytest_plugins = ["pytester"]

DOC = (ROOT / "docs" / "property-testing.md").read_text(encoding="utf-8")
EXAMPLES = DOC[DOC.index("## Five worked examples") :]
EXAMPLES = EXAMPLES[: EXAMPLES.index("\n## ", 1)]
SECTIONS = re.split(r"\n### ", EXAMPLES)[1:]
CODE = [re.search(r"```python\n(.*?)```", s, flags=re.S).group(1) for s in SECTIONS]  # type: ignore[union-attr]
PLUGIN = "sibkit.testing.pytest_plugin"


@pytest.fixture(autouse=True, scope="module")
def _engine_loaded_here() -> None:
    """Run the engine and a property once in this process first: pytester's in-process runs drop the modules a
    run imported, and Numba fails when the modules it imports at its first compilation are imported again."""
    from sibkit.engine import run
    from sibkit.load import load_contract
    from sibkit.testing import properties

    contract = load_contract(EXAMPLE)
    run(contract)
    properties.more_results_never_cost_less(contract, contract.default_scenario())


def _run(pytester: pytest.Pytester, code: str) -> pytest.RunResult:
    """``code`` saved as a test file beside a copy of ``contracts/``, run by pytest with the plugin."""
    (pytester.path / "contracts").symlink_to(ROOT / "contracts", target_is_directory=True)
    pytester.makepyfile(test_example=code)
    installed = any(ep.value == PLUGIN for ep in importlib.metadata.entry_points(group="pytest11"))
    return pytester.runpytest("-p", "no:cacheprovider", *([] if installed else ["-p", PLUGIN]))


def test_there_are_five_examples_on_bundled_contracts() -> None:
    """Five examples, each on a contract of contracts/, each about ten lines."""
    assert len(CODE) == 5
    for code in CODE:
        named = re.findall(r'"contracts/([\w-]+\.toml)"', code)
        assert named and all((ROOT / "contracts" / n).is_file() for n in named)
        assert len(code.strip().splitlines()) <= 14


@pytest.mark.parametrize("index", range(4), ids=lambda i: SECTIONS[i].splitlines()[0])
def test_the_example_passes(pytester: pytest.Pytester, index: int) -> None:
    """Examples 1 to 4 pass on their bundled contract."""
    _run(pytester, CODE[index]).assert_outcomes(passed=1)


def test_the_flaw_is_found(pytester: pytest.Pytester) -> None:
    """Example 5 fails on Utah with the sentence and the two scenarios to rerun."""
    result = _run(pytester, CODE[4])
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*With more 'Child-years without special education' results (every rate 5% higher), the payers together*",
            '*name = "counterexample-more"*',
        ]
    )


def test_the_shown_scenarios_rerun_to_the_shown_amounts(tmp_path: Path) -> None:
    """The page's TOML, appended to a copy of Utah's file, reruns with ``sibkit run --scenario``: the first
    scenario pays what the sentence says the payers paid before, the second what they pay after, and the
    sentence is exactly what the property says for them."""
    section = SECTIONS[4]
    toml = re.search(r"```toml\n(.*?)```", section, flags=re.S).group(1)  # type: ignore[union-attr]
    shown = re.search(r"```text\n(.*?)```", section, flags=re.S).group(1)  # type: ignore[union-attr]
    with_more, base = re.search(r"less: (US\$[\d,.]+) instead of (US\$[\d,.]+)\.", " ".join(shown.split())).groups()  # type: ignore[union-attr]
    copy = tmp_path / "utah-copy.toml"
    copy.write_text(
        (ROOT / "contracts" / "utah-preschool.toml").read_text(encoding="utf-8") + "\n" + toml, encoding="utf-8"
    )
    for name, amount in (("counterexample", base), ("counterexample-more", with_more)):
        result = CliRunner().invoke(
            main, ["run", str(copy), "--scenario", name, "--by", "total"], env={"COLUMNS": "200"}
        )
        assert result.exit_code == 0, result.output
        assert re.search(rf"outcome payments\s+│\s+{re.escape(amount)}", result.output), (name, amount)

    from sibkit.load import load_contract
    from sibkit.testing.properties import PropertyFailure, more_results_never_cost_less

    utah = load_contract(copy)
    with pytest.raises(PropertyFailure) as err:
        more_results_never_cost_less(utah, utah.scenario("counterexample"))
    assert " ".join(err.value.sentence.split()) == " ".join(shown[: shown.index("To rerun it")].split())
