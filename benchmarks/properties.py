"""sibkit property-testing benchmarks: each figure is printed beside its target and a baseline from the same run.

    python benchmarks/properties.py            # the recorded figures (about a minute on 2 cores)
    python benchmarks/properties.py --quick    # fewer examples, for a smoke test

Measures (see docs/performance.md for recorded figures and the machine):

1. A ready property over a bundled contract, 100 Hypothesis examples (``@given(sst.scenarios(contract))``,
   ``max_examples=100``): ``more_results_never_cost_less`` on the Leeuwarden pilot and on the UK rate card
   (13 outcomes), and every property of ``PAYER_QUESTIONS`` in turn on the pilot. Target: at most 10 s each.
   One example runs its scenario and one variant per outcome as one engine batch: the property alone on the
   drawn scenarios (without Hypothesis) is timed against the baseline, the same scenarios run one at a time
   (N = 1 per engine call, without the comparison).
2. ``sibkit check FILE --properties`` on the largest bundled contract (most cells of the engine's outcome
   array: months x providers x segments x outcomes) and on the largest file (the Leeuwarden pilot), as a
   user runs it (a new process, start-up included). Target: at most 30 s. Baseline: ``sibkit check FILE``
   without the searches, in the same run.

The first engine call of a process loads the compiled engine; it is made (and printed) before any timing.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from decimal import Decimal  # noqa: E402

from hypothesis import Phase, given, settings  # noqa: E402

from sibkit.engine.batch import axes, deterministic_batch  # noqa: E402
from sibkit.engine.waterfall import run_batch  # noqa: E402
from sibkit.load import load_contract  # noqa: E402
from sibkit.model import Contract, Scenario  # noqa: E402
from sibkit.testing import properties  # noqa: E402
from sibkit.testing import strategies as sst  # noqa: E402
from sibkit.testing.properties import PropertyFailure  # noqa: E402

LEEUWARDEN = ROOT / "contracts" / "leeuwarden-oost-pilot.toml"
UK = ROOT / "contracts" / "uk-rate-card.toml"
PROPERTY_TARGET_S = 10.0
CHECK_TARGET_S = 30.0


def machine() -> str:
    """Processor, cores and Python, as benchmarks/run.py prints them."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu or 'unknown processor'}, {os.cpu_count()} cores, Python {sys.version.split()[0]}"


def hypothesis_run(contract: Contract, prop: Callable[..., None], examples: int) -> tuple[float, list[Scenario], int]:
    """Seconds for ``prop`` over ``examples`` Hypothesis examples of ``contract``, the scenarios drawn, and how
    many failed (a failure is a finding, not an error: the search goes on, as ``check --properties`` does)."""
    drawn: list[Scenario] = []
    failed = 0

    @settings(max_examples=examples, deadline=None, database=None, derandomize=True, phases=[Phase.generate])
    @given(sst.scenarios(contract))
    def search(scenario: Scenario) -> None:
        nonlocal failed
        drawn.append(scenario)
        try:
            prop(contract, scenario)
        except PropertyFailure:
            failed += 1

    start = time.perf_counter()
    search()
    return time.perf_counter() - start, drawn, failed


def one_at_a_time(contract: Contract, drawn: list[Scenario]) -> float:
    """Seconds to run what ``more_results_never_cost_less`` runs for ``drawn`` (each scenario and one variant per
    outcome), one engine call per scenario (N = 1), without the comparison: the baseline of the batch path."""
    start = time.perf_counter()
    for scenario in drawn:
        for variant in [scenario] + [
            properties._more(scenario, m.id, Decimal("0.05"), "more") for m in contract.metrics
        ]:
            run_batch(contract, deterministic_batch(contract, variant))
    return time.perf_counter() - start


def largest(paths: list[Path]) -> tuple[Path, int]:
    """The bundled contract with the most cells in the engine's outcome array, and that count."""
    sizes = []
    for path in paths:
        ax = axes(load_contract(path))
        sizes.append((ax.months * len(ax.providers) * len(ax.segments) * len(ax.metrics), path))
    cells, path = max(sizes)
    return path, cells


def cli_seconds(*args: str) -> tuple[float, int]:
    """Wall seconds of ``python -m sibkit ARGS`` in a new process, and its exit code."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "sibkit", *args], capture_output=True, env=env, check=False)
    return time.perf_counter() - start, done.returncode


def verdict(seconds: float, target: float) -> str:
    return f"{'within' if seconds <= target else 'ABOVE'} the {target:.0f} s target"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10 examples instead of 100 (a smoke test)")
    examples = 10 if parser.parse_args().quick else 100
    print(f"machine: {machine()}")
    pilot, uk = load_contract(LEEUWARDEN), load_contract(UK)
    start = time.perf_counter()
    properties.more_results_never_cost_less(pilot, pilot.default_scenario())
    print(f"start-up (first engine call, compiled engine loaded): {time.perf_counter() - start:.2f} s")

    print(f"\n1. A ready property, {examples} Hypothesis examples (target {PROPERTY_TARGET_S:.0f} s)")
    for label, contract in (("Leeuwarden pilot", pilot), ("UK rate card, 13 outcomes", uk)):
        seconds, drawn, failed = hypothesis_run(contract, properties.more_results_never_cost_less, examples)
        start = time.perf_counter()
        for scenario in drawn:
            with contextlib.suppress(PropertyFailure):
                properties.more_results_never_cost_less(contract, scenario)
        batched = time.perf_counter() - start
        alone = one_at_a_time(contract, drawn)
        rows = 1 + len(contract.metrics)
        print(
            f"   more_results_never_cost_less, {label}: {seconds:6.2f} s ({verdict(seconds, PROPERTY_TARGET_S)}; "
            f"{failed} failing)"
        )
        print(
            f"      the property alone, {rows} scenarios per engine batch: {batched:6.2f} s; baseline, one engine "
            f"call per scenario: {alone:6.2f} s, ratio {alone / batched:5.1f}x"
        )
    for prop in properties.PAYER_QUESTIONS:
        seconds, _, failed = hypothesis_run(pilot, prop, examples)
        print(
            f"   {prop.__name__:38s} pilot {seconds:6.2f} s ({verdict(seconds, PROPERTY_TARGET_S)}, {failed} failing)"
        )

    path, cells = largest(sorted((ROOT / "contracts").glob("*.toml")))
    print(f"\n2. sibkit check --properties (target {CHECK_TARGET_S:.0f} s)")
    for label, file in ((f"largest contract, {cells:,} outcome cells", path), ("largest file", LEEUWARDEN)):
        plain, _ = cli_seconds("check", str(file))
        searched, code = cli_seconds("check", str(file), "--properties")
        print(
            f"   {file.name} ({label}): {searched:6.2f} s ({verdict(searched, CHECK_TARGET_S)}; exit code {code}); "
            f"baseline sibkit check {plain:5.2f} s, ratio {searched / plain:4.1f}x"
        )


if __name__ == "__main__":
    main()
