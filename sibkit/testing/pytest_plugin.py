"""pytest plugin: fixtures to test your own contract file, registered through ``[project.entry-points.pytest11]``.

After ``pip install sibkit`` every pytest run has them::

    import pytest
    from sibkit.testing import properties

    @pytest.mark.sibkit_contract("contracts/my-contract.toml")
    def test_the_fund_stays_within_budget(sibkit_contract, sibkit_run):
        results = sibkit_run()  # the contract's default scenario
        assert results.payers[0].paid[0] <= 700_000_00  # cents
        properties.within_appropriations(sibkit_contract, sibkit_contract.default_scenario())

``sibkit_contract`` is the loaded contract (``sibkit.model.Contract``) named by the test's
``@pytest.mark.sibkit_contract(PATH)`` marker (the nearest one: a function's before its class's or module's
``pytestmark``), or else by ``pytest --sibkit-contract PATH``; with neither, the test errors saying so. A
relative marker path is taken from pytest's root directory (``rootdir``), or else from the test file's
directory; a relative command-line path from the directory pytest was started in. A contract that does not
load makes the test error with the loader's ``file:line: message`` lines. Each file is loaded once per session
(the fixture is session-scoped, parametrized by the file: the test's id ends in ``[name.toml]``), so a
Hypothesis ``@given`` test can use the fixtures with no health check suppressed.

``sibkit_run`` runs the contract through the engine: ``sibkit_run()`` its default scenario,
``sibkit_run("name")`` a scenario of the file, ``sibkit_run(scenario)`` a ``sibkit.model.Scenario`` (e.g. one
Hypothesis drew), ``sibkit_run(..., success=Decimal("0.8"))`` at a success factor; it returns
``sibkit.engine.Results`` (cents, one row: index ``[0]``).

Nothing but pytest is imported when pytest loads the plugin; sibkit is imported when a fixture is first used.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from sibkit.engine.results import Results
    from sibkit.model import Contract, Scenario

__all__ = [
    "MARKER",
    "OPTION",
    "SibkitRun",
    "pytest_addoption",
    "pytest_configure",
    "pytest_generate_tests",
    "sibkit_contract",
    "sibkit_run",
]

MARKER = "sibkit_contract"
"""The marker naming a test's contract file: ``@pytest.mark.sibkit_contract("path/to/contract.toml")``."""

OPTION = "--sibkit-contract"
"""The command-line option naming the contract file for tests without the marker."""

SibkitRun = Callable[..., "Results"]
"""``sibkit_run(scenario=None, *, success=Decimal(1))``: the engine's results for the fixture's contract."""


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--sibkit-contract PATH``: the contract file for tests that do not name one with the marker."""
    group = parser.getgroup("sibkit")
    group.addoption(
        OPTION,
        dest="sibkit_contract",
        metavar="PATH",
        default=None,
        help="contract file (TOML) for the sibkit_contract fixture of tests without a sibkit_contract marker",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``sibkit_contract`` marker (so ``--strict-markers`` accepts it)."""
    config.addinivalue_line(
        "markers", f"{MARKER}(path): the contract file (TOML) the sibkit_contract and sibkit_run fixtures load"
    )


def _contract_path(item: pytest.Item, config: pytest.Config) -> Path | None:
    """The contract file of a test: its marker, else the command-line option, else None (see the module docs)."""
    marker = item.get_closest_marker(MARKER)
    if marker is not None:
        if len(marker.args) != 1 or not isinstance(marker.args[0], (str, Path)):
            raise pytest.UsageError(
                f"{item.nodeid}: @pytest.mark.{MARKER} takes one argument, the contract file's path; "
                f"got {marker.args!r}"
            )
        path = Path(marker.args[0])
        if path.is_absolute():
            return path
        from_root = config.rootpath / path
        beside = item.path.parent / path
        return from_root if from_root.exists() or not beside.exists() else beside
    option = config.getoption("sibkit_contract")
    if option:
        path = Path(option)
        return path if path.is_absolute() else config.invocation_params.dir / path
    return None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Give each test that uses ``sibkit_contract`` (or ``sibkit_run``) its contract file as the fixture's
    parameter, session-scoped: each file is loaded once, and a Hypothesis test may use the fixtures without
    suppressing the function-scoped-fixture health check. The test's id gets the file's name."""
    if "sibkit_contract" not in metafunc.fixturenames:
        return
    path = _contract_path(metafunc.definition, metafunc.config)
    if path is not None:
        metafunc.parametrize("sibkit_contract", [path], indirect=True, ids=[path.name], scope="session")


@pytest.fixture(scope="session")
def sibkit_contract(request: pytest.FixtureRequest) -> Contract:
    """The contract (``sibkit.model.Contract``) named by the test's ``sibkit_contract`` marker or by
    ``--sibkit-contract PATH``; loaded once per file and session (do not change it: it is shared)."""
    from sibkit.errors import SibkitError
    from sibkit.load import load_contract

    if not hasattr(request, "param"):
        pytest.fail(
            f"the {MARKER} fixture needs a contract file: mark the test with "
            f'@pytest.mark.{MARKER}("path/to/contract.toml") or run pytest with {OPTION} PATH',
            pytrace=False,
        )
    path = Path(request.param).resolve()
    if not path.is_file():
        pytest.fail(f"{path}: no such contract file (named by the {MARKER} marker or {OPTION})", pytrace=False)
    try:
        return load_contract(path)
    except SibkitError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def sibkit_run(sibkit_contract: Contract) -> SibkitRun:
    """A function that runs ``sibkit_contract`` through the engine and returns ``sibkit.engine.Results``:
    ``sibkit_run()`` the default scenario, ``sibkit_run("name")`` a scenario of the file, ``sibkit_run(scenario)``
    a ``Scenario`` object; ``success`` scales every rate (1 = as written). Money in cents, one row per run."""
    from sibkit.engine.run import run

    def run_scenario(scenario: str | Scenario | None = None, *, success: Decimal = Decimal(1)) -> Results:
        return run(sibkit_contract, scenario, success)

    return run_scenario
