"""sibkit whatif without a browser: levers, the grid (every point equals an independent engine run), the
data block's escaping, the page's security header, the command and the size limit."""

from __future__ import annotations

import base64
import html as html_module
import itertools
import json
import random
import re
import zlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner
from whatif_support import run_json_cents, run_json_months

from sibkit.checks import Context, registered
from sibkit.cli import main
from sibkit.i18n import Language
from sibkit.load import load_contract
from sibkit.model import Contract
from sibkit.report.whatif import (
    LeverError,
    build_grid,
    contract_variant,
    default_levers,
    embed_json,
    parse_lever,
    point_results,
    render_whatif,
)
from sibkit.report.whatif.grid import CONTRACT_SCENARIO, Grid, _expected_contract, _red_checks, _scaled_scenario

from conftest import CONTRACTS, EXAMPLE

SMALL = (
    "success=0.5:1.5:3",
    "success.maatschappelijk=0.5:1.5:2",
    "enrolment.dreamfabryk=0.8:1:2",
    "price=3000:4000:3",
    "buffer.dreamfabryk=0:15000:2",
    "frequency=monthly,annual",
    "cap=300000:700000:2",
    "weight.individueel=0.5:0.7:2",
    "lag=0:2:2",
)
"""Every kind of lever the Leeuwarden pilot has, with few levels: 3 × 3 × 2 × 3 × 2 × 3 × 2 × 2 × 2 = 2,592
points."""


@pytest.fixture(scope="module")
def pilot() -> Contract:
    return load_contract(EXAMPLE)


class TestLevers:
    def test_default_level_is_always_a_level(self, pilot: Contract) -> None:
        """A range that misses the contract's own value gets it added, and it is the default."""
        lever = parse_lever("price=3000:4000:2", pilot)
        assert lever.levels == (Decimal(3000), Decimal(3500), Decimal(4000))
        assert lever.levels[lever.default] == Decimal(3500)

    def test_default_levers_of_the_pilot(self, pilot: Contract) -> None:
        """Without --lever: success, price, the smallest buffer, the frequency and the cap (no capital)."""
        names = [lv.name for lv in default_levers(pilot)]
        assert names == ["success", "price", "buffer.dreamfabryk", "frequency", "cap"]

    def test_unknown_lever_is_named(self, pilot: Contract) -> None:
        """A lever the contract does not have is refused with the list of those it has."""
        with pytest.raises(LeverError, match=r"^no lever 'investor' in this contract; it has: success, "):
            parse_lever("investor", pilot)

    def test_bad_range(self, pilot: Contract) -> None:
        """A range that is not LO:HI:STEPS is refused with an example."""
        with pytest.raises(
            LeverError, match=r"^expected price=LO:HI:STEPS \(for example price=0.5:1.5:5\), got '1:2'$"
        ):
            parse_lever("price=1:2", pilot)


class TestGrid:
    def test_every_grid_point_equals_an_engine_run(self, pilot: Contract) -> None:
        """At every point of a grid with every kind of lever, each money read-out and each lowest-cash month
        equals ``sibkit run --json`` for the contract variant built by hand, to the cent."""
        levers = tuple(parse_lever(s, pilot) for s in SMALL)
        grid = build_grid(pilot, levers, checks=False)
        assert grid.size == 2592
        points = list(itertools.product(*(range(len(lv.levels)) for lv in levers)))
        for indices in [grid.default, *random.Random(16).sample(points, 80)]:
            setting = {lv.name: str(lv.levels[i]) for lv, i in zip(levers, indices, strict=True)}
            at = grid.flat(indices)
            expected = run_json_cents(pilot, setting) | run_json_months(pilot, setting)
            got = {k: grid.series[k][at] for k in expected}
            assert got == expected, setting

    def test_default_point_is_the_default_scenario(self, pilot: Contract) -> None:
        """The default point's read-outs equal ``sibkit run --scenario base --json``."""
        levers = default_levers(pilot)
        grid = build_grid(pilot, levers[:2], checks=False)
        at = grid.flat(grid.default)
        expected = run_json_cents(pilot, {})
        assert {k: grid.series[k][at] for k in expected} == expected


class TestEmbedding:
    def test_script_end_cannot_break_out(self) -> None:
        """``</script>`` and ``<!--`` in data come out as \\u escapes, and the JSON still reads back."""
        text = "</script><script>alert(1)</script><!-- & \u2028"
        embedded = str(embed_json({"name": text}))
        assert "<" not in embedded and ">" not in embedded and "&" not in embedded
        assert json.loads(embedded) == {"name": text}


class TestPage:
    def test_strict_csp_and_no_external_url(self, pilot: Contract) -> None:
        """The page's policy allows only its own script and style by hash; it names no http(s) address."""
        levers = (parse_lever("success=0.5:1.5:3", pilot),)
        html = render_whatif(pilot, build_grid(pilot, levers, checks=False), "nl")
        csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
        assert csp is not None
        policy = html_module.unescape(csp[1])
        assert "default-src 'none'" in policy
        assert re.search(r"script-src 'sha256-[A-Za-z0-9+/=]+'(;|$)", policy)
        assert re.search(r"style-src 'sha256-[A-Za-z0-9+/=]+'(;|$)", policy)
        assert "unsafe" not in policy
        assert not re.search(r"(https?:)?//[a-z]", html.replace("http-equiv", ""))

    def test_markup_in_names_is_text(self, tmp_path: Path) -> None:
        """A party named with markup is written escaped in the HTML and as \\u escapes in the data block."""
        evil = "FNO</script><script>alert(1)</script>"
        text = EXAMPLE.read_text(encoding="utf-8").replace('name = "FNO"', f'name = "{evil}"')
        path = tmp_path / "evil.toml"
        path.write_text(text, encoding="utf-8")
        c = load_contract(path)
        html = render_whatif(c, build_grid(c, (parse_lever("success=0.5:1.5:3", c),), checks=False), "en")
        assert evil not in html
        assert "FNO&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert html.count("<script") == 2 and html.count("</script>") == 2


class TestCommand:
    def test_writes_the_default_page_within_two_megabytes(self, tmp_path: Path) -> None:
        """``sibkit whatif`` on the pilot in Dutch writes one page of at most 2 MB, says the grid's size and
        build time on stderr, and refuses to overwrite it without --force."""
        out = tmp_path / "pilot.html"
        args = ["whatif", str(EXAMPLE), "--lang", "nl", "-o", str(out)]
        first = CliRunner().invoke(main, args)
        assert first.exit_code == 0, first.output
        assert re.search(r"Rooster: 4\.500 rekenpunten \(9 × 5 × 5 × 4 × 5\), berekend in [\d,]+ s", first.stderr)
        assert 0 < out.stat().st_size <= 2_000_000
        again = CliRunner().invoke(main, args)
        assert again.exit_code == 2
        assert "bestaat" in again.stderr or "exists" in again.stderr

    def test_bad_lever_is_a_usage_error(self, tmp_path: Path) -> None:
        """An unknown lever exits 2 before anything is computed or written."""
        out = tmp_path / "x.html"
        result = CliRunner().invoke(main, ["whatif", str(EXAMPLE), "-o", str(out), "--lever", "nonsense"])
        assert result.exit_code == 2
        assert "no lever 'nonsense'" in result.stderr
        assert not out.exists()


class TestInvestorLever:
    def test_without_investors_equals_the_contract_without_them(self) -> None:
        """With the investor lever off, every grid point equals ``sibkit run`` on the contract without its
        tranches, guarantees, investors' fees and waterfall, with the providers paying their own costs;
        with it on, on the contract as written."""
        import attrs

        from sibkit.engine import run
        from sibkit.report import summary

        from conftest import ROOT

        c = load_contract(ROOT / "tests" / "engine_contracts" / "sib-guarantee.toml")
        levers = (parse_lever("success=0.5:1.5:3", c), parse_lever("investor", c))
        grid = build_grid(c, levers, checks=False)
        investors = {t.investor for t in c.tranches}
        without = attrs.evolve(
            c,
            tranches=(),
            guarantees=(),
            investors=tuple(i for i in c.investors if i.id not in investors),
            fees=tuple(f for f in c.fees if f.payee not in investors and f.paid_from != "capital"),
            waterfall=(),
            providers=tuple(attrs.evolve(p, prefinances_own_costs=True) for p in c.providers),
        )
        for s, success in enumerate(levers[0].levels):
            for on, contract in ((1, c), (0, without)):
                data = summary(contract, run(contract, None, Decimal(success)), "base", float(success))
                at = grid.flat((s, on))
                for p in data["providers"]:
                    assert grid.series[f"providers.{p['id']}.lowest_cash"][at] == p["lowest_cash"]["cents"]
                for a in data["accounts"]:
                    assert grid.series[f"accounts.{a['id']}.net"][at] == a["net"]["cents"]
                for t in data["tranches"]:
                    assert grid.series[f"tranches.{t['id']}.irr"][at] == t["irr"]
                    assert grid.series[f"tranches.{t['id']}.multiple"][at] == t["multiple"]
                if on == 0:
                    assert all(grid.series[f"tranches.{t.id}.drawn"][at] is None for t in c.tranches)

    def test_no_price_lever_for_other_rules(self) -> None:
        """A contract whose rules are neither tariffs nor rate cards gets no price slider by default."""
        from conftest import ROOT

        c = load_contract(ROOT / "tests" / "engine_contracts" / "sib-guarantee.toml")
        assert "price" not in [lv.name for lv in default_levers(c)]


class TestEveryBundledContract:
    @pytest.mark.parametrize("path", sorted(CONTRACTS.glob("*.toml")), ids=lambda p: p.stem)
    def test_every_default_slider_position_is_a_valid_contract(self, path: Path) -> None:
        """Each default slider of each bundled contract, moved alone to each of its levels, gives a contract
        that validates (so ``sibkit whatif FILE`` works without --lever); together at their extremes too."""
        c = load_contract(path)
        levers = [lv for lv in default_levers(c) if lv.kind == "contract"]
        for lv in levers:
            for level in lv.levels:
                contract_variant(c, {lv.name: level})
        for pick in (0, -1):
            contract_variant(c, {lv.name: lv.levels[pick] for lv in levers})


def _page_data(html: str) -> dict[str, Any]:
    """The page's data block, with its compressed part (series and checks) unpacked."""
    found = re.search(r'<script type="application/json" id="whatif-data">(.*?)</script>', html, re.S)
    assert found is not None
    data: dict[str, Any] = json.loads(found[1])
    data["unpacked"] = json.loads(zlib.decompress(base64.b64decode(data["packed"])))
    return data


def _away(grid: Grid, indices: tuple[int, ...]) -> int:
    return sum(i != d for i, d in zip(indices, grid.default, strict=True))


CHECKED = (
    "success=0.5:1.5:3",
    "enrolment.dreamfabryk=0.8:1:2",
    "price=3000:4000:3",
    "frequency=monthly,annual",
    "lag=0:2:2",
)
"""Scenario and contract levers, 108 points: checks at every point take a second or two."""


class TestChecksEverywhere:
    def test_non_star_points_equal_the_checks_run_directly(self, pilot: Contract) -> None:
        """At points two or more levers away from the default, the grid's findings and the page's list (severity,
        code, title, in order) equal ``run_checks`` on that contract variant with that point's scenario
        expected (``_red_checks``), computed on its own; built in two processes."""
        levers = tuple(parse_lever(s, pilot) for s in CHECKED)
        grid = build_grid(pilot, levers, checks="all", workers=2)
        assert grid.coverage == "all" and len(grid.checks) == grid.size == 108
        data = _page_data(render_whatif(pilot, grid, "nl"))["unpacked"]["checks"]
        nl = Language("nl")
        far = [p for p in itertools.product(*(range(len(lv.levels)) for lv in levers)) if _away(grid, p) >= 2]
        codes = set()
        for indices in random.Random(16).sample(far, 10):
            expected = _red_checks(*point_results(pilot, levers, indices))
            assert grid.checks[indices] == expected, indices
            shown = [data["table"][k] for k in data["sets"][data["points"][grid.flat(indices)]]]
            assert shown == [[f.severity, f.code, f.title(nl)] for f in expected], indices
            codes |= {f.code for f in expected}
        assert len(codes) >= 3  # the sample is not trivially empty

    def test_in_one_process_the_same(self, pilot: Contract) -> None:
        """One process or two: the same findings at every point."""
        levers = tuple(parse_lever(s, pilot) for s in ("success=0.5:1.5:3", "price=3000:4000:3", "lag=0:2:2"))
        ticks: dict[int, list[tuple[int, int]]] = {1: [], 2: []}
        one = build_grid(pilot, levers, checks="all", workers=1, progress=lambda d, t: ticks[1].append((d, t)))
        two = build_grid(pilot, levers, checks="all", workers=2, progress=lambda d, t: ticks[2].append((d, t)))
        assert one.checks == two.checks and one.series == two.series
        # progress counts every contract variant once (3 prices × 2 lags), in both ways of running
        assert ticks[1] == ticks[2] == [(k, 6) for k in range(1, 7)]

    def test_a_contract_with_guarantees(self) -> None:
        """With a guarantee (the risk-transfer check reads the scenario from the contract: ``CONTRACT_SCENARIO``)
        and investors switched off and on, every point's findings equal the checks run directly."""
        from conftest import ROOT

        c = load_contract(ROOT / "tests" / "engine_contracts" / "sib-guarantee.toml")
        levers = tuple(parse_lever(s, c) for s in ("success=0.2:1.6:3", "investor", "lag=0:2:2"))
        grid = build_grid(c, levers, checks="all", workers=1)
        for indices in itertools.product(*(range(len(lv.levels)) for lv in levers)):
            assert grid.checks[indices] == _red_checks(*point_results(c, levers, indices)), indices

    def test_star_and_none(self, pilot: Contract) -> None:
        """``star`` checks only the points at most one lever away from the default; ``none`` none; the page
        marks the others -1 (not computed)."""
        levers = tuple(parse_lever(s, pilot) for s in ("success=0.5:1.5:3", "price=3000:4000:3"))
        star = build_grid(pilot, levers, checks="star")
        assert star.coverage == "star" and len(star.checks) == 5
        assert all(_away(star, p) <= 1 for p in star.checks)
        points = _page_data(render_whatif(pilot, star, "nl"))["unpacked"]["checks"]["points"]
        assert sorted(k for k in range(9) if points[k] < 0) == [
            star.flat((0, 0)),
            star.flat((0, 2)),
            star.flat((2, 0)),
            star.flat((2, 2)),
        ]
        none = build_grid(pilot, levers, checks=False)
        assert none.coverage == "none" and none.checks == {}

    def test_auto_checks_everywhere_up_to_the_budget(self, pilot: Contract, monkeypatch: pytest.MonkeyPatch) -> None:
        """``auto`` (the command's default) checks every point up to ``CHECKS_EVERYWHERE`` points, and the
        star beyond."""
        import sibkit.report.whatif.grid as grid_module

        levers = tuple(parse_lever(s, pilot) for s in ("success=0.5:1.5:3", "price=3000:4000:3"))
        assert build_grid(pilot, levers).coverage == "all"
        monkeypatch.setattr(grid_module, "CHECKS_EVERYWHERE", 8)
        assert build_grid(pilot, levers).coverage == "star"


class TestContextScenario:
    @pytest.mark.parametrize(
        "path",
        [*sorted(CONTRACTS.glob("*.toml")), Path(__file__).parent / "engine_contracts" / "sib-guarantee.toml"],
        ids=lambda p: p.stem,
    )
    def test_a_scenario_given_to_the_context_is_the_expected_one(self, path: Path) -> None:
        """Every check but those in ``CONTRACT_SCENARIO`` gives the same findings when the expected scenario is
        given through ``Context(scenario=…)`` as when the contract has it as its default scenario: what
        ``build_grid`` relies on to check many scenarios against one contract. A check that does not read
        the scenario (``scenario_read`` stays false) gives the same findings as at the contract's own."""
        c = attrs.evolve(load_contract(path), uncertainty=None)
        other = _scaled_scenario(c.default_scenario(), Decimal("0.6"))
        moved = _expected_contract(c, other)
        own = Context(c)
        given = Context(c, scenario=other)
        direct = Context(moved)
        for check in registered():
            if check.code in CONTRACT_SCENARIO:
                continue
            given.scenario_read = False
            got = check.run(c, given)
            assert got == check.run(moved, direct), check.code
            if not given.scenario_read:
                assert got == check.run(c, own), check.code

    def test_scenario_read(self, pilot: Contract) -> None:
        """``scenario_read`` turns true when the expected scenario or its results are asked for, and stays
        false for the maximum payment."""
        context = Context(pilot)
        assert context.maximum.by_payer and not context.scenario_read
        assert context.scenario.name == "base" and context.scenario_read
        context.scenario_read = False
        assert int(context.low.outcome_payments[0]) > 0 and context.scenario_read
