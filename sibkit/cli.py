"""The ``sibkit`` command line: validate and show contracts (more commands join as they land).

Exit status: 0 when all went well, 1 when a check found what it was asked to
fail on, 2 for a user's mistake (a bad file, a wrong option). A user's mistake
never prints a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click
from rich.console import Console
from rich.table import Table

from sibkit.errors import ContractFileError
from sibkit.load import load_contract
from sibkit.model import Contract, Grant, Loan
from sibkit.model.maximum import maximum_payment
from sibkit.model.rules import CohortThreshold, PerTime, RateCard, ShareOfSavings, Tariff
from sibkit.money import format_eur

__all__ = ["main"]

EXIT_USER_ERROR = 2


def _console(err: bool = False) -> Console:
    return Console(stderr=err, highlight=False, soft_wrap=True)


def _load_or_exit(file: str) -> Contract:
    try:
        return load_contract(file)
    except ContractFileError as exc:
        _console(err=True).print(str(exc), markup=False)
        sys.exit(EXIT_USER_ERROR)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="sibkit")
def main() -> None:
    """sibkit: structure, compute and check outcome-based contracts (Social Impact Bonds)."""


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=True, path_type=str))
def validate(files: Sequence[str]) -> None:
    """Check contract FILES; print every problem as 'message @ path'. Exit 2 if any file is invalid."""
    out, err = _console(), _console(err=True)
    bad = 0
    for file in files:
        try:
            contract = load_contract(file)
        except ContractFileError as exc:
            err.print(str(exc), markup=False)
            bad += 1
            continue
        out.print(f"{file}: valid — {contract.name}", markup=False)
    if bad:
        sys.exit(EXIT_USER_ERROR)


def _money(cents: int | None) -> str:
    return "unbounded" if cents is None else format_eur(cents)


def _pct(x: object) -> str:
    from decimal import Decimal

    assert isinstance(x, Decimal)
    return f"{x * 100:g}%"


@main.command()
@click.argument("file", type=click.Path(path_type=str))
def show(file: str) -> None:
    """A readable overview of the contract in FILE: parties, outcomes, prices, caps, capital."""
    c = _load_or_exit(file)
    out = _console()
    tl = c.timeline
    out.print(f"[bold]{c.name}[/bold]  ({c.status}, version {c.version}, {c.currency})")
    out.print(
        f"Start {tl.start}, enrolment {tl.enrolment_months} months, service {tl.service_months} months, "
        f"term {tl.term_months} months (ends {tl.end}), payments {tl.payment_frequency}."
    )

    parties = Table(title="Parties", title_justify="left")
    for col in ("role", "id", "name", "details"):
        parties.add_column(col)
    for payer in c.payers:
        detail = f"budget {_money(payer.budget)}" if payer.budget is not None else ""
        if payer.share is not None:
            detail += f" share {_pct(payer.share)}"
        parties.add_row("outcome payer", payer.id, payer.name, detail.strip())
        for k in payer.contributors:
            parties.add_row("  contributor", k.id, k.name, f"commits {format_eur(k.commitment)}")
    for prov in c.providers:
        parties.add_row(
            "provider",
            prov.id,
            prov.name,
            f"{prov.enrolment.participants} participants (capacity {prov.capacity}), "
            f"cost {format_eur(prov.cost_per_participant)} each, buffer {format_eur(prov.buffer)}, "
            + ("pre-finances its costs" if prov.prefinances_own_costs else "costs funded by investors"),
        )
    for inv in c.investors:
        parties.add_row("investor", inv.id, inv.name, inv.kind)
    for im in c.intermediaries:
        parties.add_row("intermediary", im.id, im.name, im.role)
    for ev in c.evaluators:
        independence = "independent" if ev.independent else "not independent"
        parties.add_row(ev.role.replace("_", " "), ev.id, ev.name, independence)
    out.print(parties)

    outcomes = Table(title="Outcomes and prices", title_justify="left")
    for col in ("rule", "metric", "kind", "evidence", "price", "paid by"):
        outcomes.add_column(col)
    for rule in c.rules:
        payers = ", ".join(f"{p} {_pct(s)}" for p, s in c.rule_payers(rule))
        for metric_id, price in _prices(rule):
            m = c.metric(metric_id)
            outcomes.add_row(rule.id, f"{m.name} ({m.id})", m.kind, m.evidence, price, payers)
    out.print(outcomes)

    if c.caps:
        caps = Table(title="Caps", title_justify="left")
        for col in ("level", "target", "amount"):
            caps.add_column(col)
        for cap in c.caps:
            caps.add_row(cap.level, cap.target or "", format_eur(cap.amount))
        out.print(caps)

    if c.tranches:
        capital = Table(title="Capital structure", title_justify="left")
        for col in ("seniority", "tranche", "type", "investor", "commitment", "coupon", "return cap"):
            capital.add_column(col)
        for t in sorted(c.tranches, key=lambda t: t.seniority):
            cap_text = ""
            if t.return_cap is not None:
                parts = []
                if t.return_cap.irr is not None:
                    parts.append(f"IRR {_pct(t.return_cap.irr)}")
                if t.return_cap.multiple is not None:
                    parts.append(f"{t.return_cap.multiple}×")
                cap_text = ", ".join(parts)
            coupon = _pct(t.coupon) if isinstance(t, Loan) else ""
            kind = "grant" if isinstance(t, Grant) else type(t).__name__
            capital.add_row(str(t.seniority), t.id, kind, t.investor, format_eur(t.commitment), coupon, cap_text)
        for g in c.guarantees:
            capital.add_row("", g.id, g.kind, g.guarantor, format_eur(g.amount), "", "covers " + ", ".join(g.covers))
        out.print(capital)
    else:
        out.print("No investors: providers are paid directly from outcome payments.")

    mx = maximum_payment(c)
    maxt = Table(
        title="Maximum potential outcome payment (planned enrolment, every outcome achieved, after caps)",
        title_justify="left",
    )
    maxt.add_column("payer")
    maxt.add_column("maximum", justify="right")
    for payer_id, amount in mx.by_payer.items():
        maxt.add_row(payer_id, _money(amount))
    maxt.add_row("[bold]total[/bold]", f"[bold]{_money(mx.total)}[/bold]")
    out.print(maxt)


def _prices(rule: object) -> list[tuple[str, str]]:
    if isinstance(rule, Tariff):
        return [
            (comp.metric, f"{_pct(comp.weight)} of {format_eur(rule.price_per_participant)} per participant")
            for comp in rule.components
        ]
    if isinstance(rule, RateCard):
        return [
            (e.metric, f"{format_eur(e.price)} {'per unit (repeatable)' if e.repeatable else 'once per participant'}")
            for e in rule.entries
        ]
    if isinstance(rule, CohortThreshold):
        tiers = "; ".join(
            f"from {_pct(t.from_improvement)}: {format_eur(t.amount)} + {format_eur(t.price_per_unit)}/unit"
            for t in rule.tiers
        )
        return [(rule.metric, tiers)]
    if isinstance(rule, PerTime):
        return [(rule.metric, f"{format_eur(rule.price_per_unit)} per unit of time")]
    if isinstance(rule, ShareOfSavings):
        return [(rule.metric, f"{_pct(rule.share)} of savings")]
    return []


def run() -> None:
    """Entry point for the console script."""
    main()


if __name__ == "__main__":  # pragma: no cover
    run()
