"""The outcomes-fund simulation at scale (issue #15): every figure beside a baseline measured in the same run.

    python benchmarks/fund.py            # 100 contract starts × 100,000 scenarios (minutes on 2 cores)
    python benchmarks/fund.py --quick    # 20 starts × 8,192 scenarios, for a smoke test

Measures (record the figures in docs/performance.md with the machine line this prints):

1. ``fund simulate`` end to end (sampling every start, the contract engine, the fund's books, the per-year
   figures) on all local cores: wall time, start-scenarios per second, peak memory of this process and its
   workers. Target: 100 starts × 100,000 scenarios in at most 60 s and 4 GB on 2 cores.
2. Baseline: the contract engine alone (``sibkit simulate``'s path, no fund books) on up to 1,000,000
   scenarios of the same contract (it holds no more at once), on the same cores; the ratio of the time per
   start-scenario to the time per scenario says what the fund's own work costs.
3. Dask: the same fund on a ``distributed.LocalCluster`` of 2 worker processes, against the local run
   (target: at most 1.5×). Skipped when Dask is not installed.
4. Linearity: half the starts and half the scenarios, each against the full run (ideal 0.5).

The fund: the Leeuwarden pilot contract started once a month (``repeat``), two contributors, fees and
recycling, a shared factor of 0.5: the shape of ``funds/leeuwarden-oost.toml``, at a hundred contracts.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from run import machine  # noqa: E402  (the one machine line of every benchmark)

PILOT = ROOT / "contracts" / "leeuwarden-oost-pilot.toml"


def fund_text(starts: int) -> str:
    """A fund of ``starts`` monthly starts of the pilot over enough years, with contributors, fees, recycling."""
    years = (starts + 36) // 12 + 2
    payments = ", ".join(f"{{ year = {2023 + y}, amount = 2000000 }}" for y in range(years))
    return f"""
format = 1
id = "benchmark"
name = "Benchmark fund"
currency = "EUR"
start = 2023-01-01
horizon_months = {12 * years}

[[contributors]]
id = "gemeente"
name = "Gemeente"
commitment = {2_000_000 * years}
payments = [ {payments} ]

[recycling]
residual = 1

[[fees]]
id = "beheer"
payee = "beheerder"
per_year = 20000
share_of_payments = 0.01

[[contracts]]
file = "{PILOT.as_posix()}"
start = 2023-01-01
repeat = {starts}
every_months = 1

[simulation]
shared = 0.5
"""


def peak_mb() -> float:
    """Peak resident memory of this process and of its finished child processes, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + children) / 1024


def timed_fund(starts: int, n: int, *, scheduler: str | None = None) -> float:
    """Seconds for ``fund simulate`` of ``starts`` starts × ``n`` scenarios (setup and summary included)."""
    from sibkit.engine.fund_simulate import fund_simulate, prepare, summarise_fund
    from sibkit.fund_load import loads_fund

    with tempfile.TemporaryDirectory() as folder:
        loaded = loads_fund(fund_text(starts), file="benchmark.toml", folder=Path(folder))
    begin = time.perf_counter()
    setup = prepare(loaded.fund, loaded.contracts)
    summarise_fund(fund_simulate(setup, n, seed=0, scheduler=scheduler))
    return time.perf_counter() - begin


def timed_engine(starts: int, n: int) -> float:
    """Seconds for the contract engine alone on ``starts × n`` scenarios of the pilot (``sibkit simulate``)."""
    from sibkit.engine.simulate import simulate
    from sibkit.load import load_contract

    contract = load_contract(PILOT)
    begin = time.perf_counter()
    simulate(contract, starts * n, seed=0)
    return time.perf_counter() - begin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="20 starts × 8,192 scenarios")
    args = parser.parse_args()
    starts, n = (20, 8_192) if args.quick else (100, 100_000)
    print(machine())
    timed_fund(2, 4_096)  # compile the engine's loops and warm the caches once, outside the timings

    fund = timed_fund(starts, n)
    memory = peak_mb()
    print(f"fund simulate, {starts} starts × {n:,} scenarios: {fund:.1f} s, "
          f"{starts * n / fund:,.0f} start-scenarios/s, peak memory {memory:,.0f} MB (target ≤ 60 s, ≤ 4,096 MB)")

    # the engine alone holds at most a few million scenarios of the pilot at once: compare rates, not totals
    alone = min(starts * n, 1_000_000)
    engine = timed_engine(1, alone)
    print(f"baseline, the contract engine alone on {alone:,} scenarios: {engine:.1f} s, "
          f"{alone / engine:,.0f} scenarios/s; fund / engine per start-scenario = "
          f"{(fund / (starts * n)) / (engine / alone):.2f}×")

    half_starts = timed_fund(starts // 2, n)
    half_n = timed_fund(starts, n // 2)
    print(f"linearity: half the starts {half_starts / fund:.2f}×, half the scenarios {half_n / fund:.2f}× "
          "of the full run (ideal 0.50)")

    try:
        from distributed import LocalCluster  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        print("Dask: not installed (pip install 'sibkit[cluster]'), skipped")
        return
    import logging

    logging.getLogger("distributed").setLevel(logging.CRITICAL)  # workers log lost heartbeats while shutting down
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.CRITICAL
    ) as cluster:
        dask = timed_fund(starts, n, scheduler=cluster.scheduler_address)
    print(f"Dask LocalCluster (2 worker processes): {dask:.1f} s; Dask / local = {dask / fund:.2f}× (target ≤ 1.5×)")


if __name__ == "__main__":
    main()
