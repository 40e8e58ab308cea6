"""The what-if page's build time: a 5-lever × 7-level grid of the Leeuwarden pilot, against a baseline
measured in the same run.

    python benchmarks/whatif.py            # the 16,807-point grid (target: at most 30 s on 2 cores)
    python benchmarks/whatif.py --quick    # 5 levers × 3 levels, for a smoke test

Measures:

1. The grid (``sibkit.report.whatif.build_grid``) as ``sibkit whatif`` builds it: two scenario levers
   (overall success, Dreamfabryk's enrolment) make one batch of 49 scenarios; three contract levers (price,
   Dreamfabryk's buffer, the fund's cap) make 343 contract variants, each running that batch; the checks
   at every grid point (``--checks auto``: every point up to ``CHECKS_EVERYWHERE``, 20,000 points). Wall
   time and time per grid point.
1b. The same grid with the checks only on the star through the default point (``--checks star``): what
   the figures alone cost.
2. The page: rendering and compressing the grid into HTML; its size.
3. Baseline: the same grid points one at a time, timed on a random sample and given per point, with the
   ratio to the grid: the figures (``sibkit.engine.run``, N = 1 each, a fresh contract variant per point)
   against 1b, and the figures with the checks (``sibkit check``'s ``run_checks`` on the contract variant
   with the point's scenario as its default one) against 1.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from run import LEEUWARDEN, machine  # noqa: E402  (the house's machine line and example contract)

LEVERS = (
    "success=0:2:{n}",
    "enrolment.dreamfabryk=0.5:1.1:{n}",
    "price=2000:5000:{n}",
    "buffer.dreamfabryk=0:30000:{n}",
    "cap=300000:900000:{n}",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="3 levels per lever instead of 7")
    parser.add_argument("--sample", type=int, default=200, help="grid points run one at a time for the baseline")
    args = parser.parse_args()
    from sibkit.engine import run
    from sibkit.load import load_contract
    from sibkit.report.whatif import build_grid, parse_lever, point_results, render_whatif
    from sibkit.report.whatif.grid import _red_checks

    levels = 3 if args.quick else 7
    c = load_contract(LEEUWARDEN)
    run(c)  # compile (or load) the engine before timing
    levers = tuple(parse_lever(s.format(n=levels), c) for s in LEVERS)
    print(f"machine: {machine()}")
    shape = " x ".join(str(len(lv.levels)) for lv in levers)
    print(f"\n1. Grid build, Leeuwarden, {shape} levels (default levels added where a range misses them)")
    start = time.perf_counter()
    grid = build_grid(c, levers)
    wall = time.perf_counter() - start
    per_point = wall / grid.size
    print(f"   {grid.size:,} grid points in {wall:6.2f} s   ({per_point * 1e3:6.3f} ms/point)   target <= 30 s")
    print(f"   checks: {grid.coverage} ({len(grid.checks):,} points checked)")
    start = time.perf_counter()
    star = build_grid(c, levers, checks="star")
    wall_star = time.perf_counter() - start
    print(
        f"1b. Checks on the star only ({len(star.checks):,} points): {wall_star:6.2f} s   "
        f"({wall_star / grid.size * 1e3:6.3f} ms/point); the checks everywhere cost {wall / wall_star:4.1f}x that"
    )
    start = time.perf_counter()
    html = render_whatif(c, grid, "nl")
    render = time.perf_counter() - start
    print(f"\n2. Page: rendered in {render:5.2f} s, {len(html.encode('utf-8')) / 1e6:5.2f} MB (limit 2 MB)")
    rng = random.Random(0)
    sample = [tuple(rng.randrange(len(lv.levels)) for lv in levers) for _ in range(args.sample)]
    start = time.perf_counter()
    for indices in sample:
        variant, scenario, success = point_results(c, levers, indices)
        run(variant, scenario, success)
    single = (time.perf_counter() - start) / len(sample)
    checked = sample[: max(1, len(sample) // 4)]
    start = time.perf_counter()
    for indices in checked:
        variant, scenario, success = point_results(c, levers, indices)
        run(variant, scenario, success)
        _red_checks(variant, scenario, success)
    single_checked = (time.perf_counter() - start) / len(checked)
    print(f"\n3. Baseline: one point at a time, {len(sample)} random points ({len(checked)} with the checks)")
    print(f"   figures:     {single * 1e3:8.2f} ms/point, {single * grid.size:7.1f} s for the grid (extrapolated)")
    print(f"   with checks: {single_checked * 1e3:8.2f} ms/point, {single_checked * grid.size:7.1f} s for the grid")
    print(f"   grid / one at a time: figures {single / (wall_star / grid.size):6.1f}x faster per point, "
          f"with the checks {single_checked / per_point:6.1f}x")


if __name__ == "__main__":
    main()
