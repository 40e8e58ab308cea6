"""The pytest plugin (issue #18, item 5): ``sibkit_contract`` and ``sibkit_run`` fixtures for an analyst's own
tests, registered through ``[project.entry-points.pytest11]``. Run in pytest's own ``pytester``, in process."""

from __future__ import annotations

import importlib.metadata
import tomllib

import pytest

from conftest import EXAMPLE, ROOT

pytest_plugins = ["pytester"]

PLUGIN = "sibkit.testing.pytest_plugin"


@pytest.fixture(autouse=True, scope="module")
def _engine_loaded_here() -> None:
    """Run the engine and a Hypothesis search once in this process first: pytester's in-process runs drop the
    modules a run imported, and Numba, which imports some of its own lazily at the first compilation, fails
    when they are imported a second time."""
    from sibkit.engine import run
    from sibkit.load import load_contract
    from sibkit.testing import properties

    contract = load_contract(EXAMPLE)
    run(contract)
    properties.more_results_never_cost_less(contract, contract.default_scenario())


def _args() -> list[str]:
    """``-p`` the plugin unless the installed distribution already registers it through its entry point
    (pytest refuses a plugin registered twice)."""
    installed = any(ep.value == PLUGIN for ep in importlib.metadata.entry_points(group="pytest11"))
    return ["-p", "no:cacheprovider"] + ([] if installed else ["-p", PLUGIN])


def test_the_entry_point_is_declared() -> None:
    """``pip install sibkit`` registers the plugin with pytest."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["entry-points"]["pytest11"] == {"sibkit": PLUGIN}


class TestSibkitContract:
    def test_from_the_marker(self, pytester: pytest.Pytester) -> None:
        """A marker names the file (relative to the root directory); the fixture is the loaded contract."""
        (pytester.path / "contracts").mkdir()
        (pytester.path / "contracts" / "pilot.toml").write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
        pytester.makepyfile(
            """
            import pytest

            @pytest.mark.sibkit_contract("contracts/pilot.toml")
            def test_pilot(sibkit_contract):
                assert sibkit_contract.name.startswith("Leeuwarden")
                assert len(sibkit_contract.providers) == 2
            """
        )
        result = pytester.runpytest(*_args(), "--strict-markers")
        result.assert_outcomes(passed=1)

    def test_from_the_command_line(self, pytester: pytest.Pytester) -> None:
        """Without a marker, ``--sibkit-contract PATH`` names the file for every test; a marker still wins."""
        pytester.makepyfile(
            f"""
            import pytest

            def test_any(sibkit_contract):
                assert sibkit_contract.metrics

            @pytest.mark.sibkit_contract({str(ROOT / "contracts" / "peterborough.toml")!r})
            def test_marked(sibkit_contract):
                assert "Peterborough" in sibkit_contract.name
            """
        )
        result = pytester.runpytest(*_args(), "--sibkit-contract", str(EXAMPLE))
        result.assert_outcomes(passed=2)

    def test_neither_is_a_clear_error(self, pytester: pytest.Pytester) -> None:
        """With no marker and no option the test errors and says how to name a contract."""
        pytester.makepyfile("def test_it(sibkit_contract):\n    pass\n")
        result = pytester.runpytest(*_args())
        result.assert_outcomes(errors=1)
        result.stdout.fnmatch_lines(
            [
                "*the sibkit_contract fixture needs a contract file: mark the test with "
                '@pytest.mark.sibkit_contract("path/to/contract.toml") or run pytest with --sibkit-contract PATH*'
            ]
        )

    def test_a_missing_file_is_named(self, pytester: pytest.Pytester) -> None:
        pytester.makepyfile(
            """
            import pytest

            @pytest.mark.sibkit_contract("nowhere.toml")
            def test_it(sibkit_contract):
                pass
            """
        )
        result = pytester.runpytest(*_args())
        result.assert_outcomes(errors=1)
        result.stdout.fnmatch_lines(["*nowhere.toml: no such contract file*"])

    def test_a_broken_contract_shows_the_loader_message(self, pytester: pytest.Pytester) -> None:
        """A contract that does not load errors with the loader's own message, not a traceback."""
        pytester.makefile(".toml", broken='format = 1\nname = "x"\n')
        pytester.makepyfile(
            """
            import pytest

            @pytest.mark.sibkit_contract("broken.toml")
            def test_it(sibkit_contract):
                pass
            """
        )
        result = pytester.runpytest(*_args())
        result.assert_outcomes(errors=1)
        result.stdout.fnmatch_lines(["*broken.toml*"])
        assert "Traceback" not in result.stdout.str()


class TestSibkitRun:
    def test_runs_default_named_and_drawn_scenarios(self, pytester: pytest.Pytester) -> None:
        """``sibkit_run()`` runs the default scenario, ``sibkit_run(name)`` a named one, ``sibkit_run(scenario)`` a
        Scenario, at a success factor too; the results are the engine's (cents)."""
        pytester.makepyfile(
            f"""
            from decimal import Decimal
            import pytest
            from sibkit.engine import run

            @pytest.mark.sibkit_contract({str(EXAMPLE)!r})
            def test_runs(sibkit_contract, sibkit_run):
                default = sibkit_run()
                assert int(default.outcome_payments[0]) == int(run(sibkit_contract).outcome_payments[0])
                name = sibkit_contract.scenarios[-1].name
                assert int(sibkit_run(name).outcome_payments[0]) == int(run(sibkit_contract, name).outcome_payments[0])
                scenario = sibkit_contract.default_scenario()
                half = sibkit_run(scenario, success=Decimal("0.5"))
                assert half.outcome_payments[0] <= default.outcome_payments[0]
            """
        )
        result = pytester.runpytest(*_args())
        result.assert_outcomes(passed=1)

    def test_with_hypothesis_and_a_ready_property(self, pytester: pytest.Pytester) -> None:
        """The analyst's ten lines: a Hypothesis property over the fixture's contract, with no health check
        suppressed; a failing one reports the scenario as TOML."""
        pytester.makepyfile(
            f"""
            import pytest
            from hypothesis import given, settings, strategies as st
            from sibkit.testing import properties, strategies as sst
            from sibkit.load import load_contract

            UTAH = load_contract({str(ROOT / "contracts" / "utah-preschool.toml")!r})

            @pytest.mark.sibkit_contract({str(EXAMPLE)!r})
            @settings(max_examples=20, deadline=None, database=None)
            @given(data=st.data())
            def test_pilot_holds(sibkit_contract, data):
                scenario = data.draw(sst.scenarios(sibkit_contract))
                properties.more_results_never_cost_less(sibkit_contract, scenario)

            @settings(max_examples=100, deadline=None, database=None)
            @given(sst.scenarios(UTAH))
            def test_utah_fails(scenario):
                properties.more_results_never_cost_less(UTAH, scenario)
            """
        )
        result = pytester.runpytest(*_args())
        result.assert_outcomes(passed=1, failed=1)
        result.stdout.fnmatch_lines(["*the payers together pay*less*", '*name = "counterexample-more"*'])


def test_a_marker_needs_one_path(pytester: pytest.Pytester) -> None:
    """A marker without its path stops the run at collection (exit code 2) and says what the marker takes."""
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.sibkit_contract
        def test_it(sibkit_contract):
            pass
        """
    )
    result = pytester.runpytest(*_args())
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*@pytest.mark.sibkit_contract takes one argument, the contract file's path; got ()*"])
