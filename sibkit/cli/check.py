"""``sibkit check``: perverse incentives and risks in a contract, most severe first, with remedies; with
``--properties``, also a Hypothesis search for outcomes that break the engine's promises."""

from __future__ import annotations

import json
import sys

import attrs
import click
from rich.text import Text

from sibkit.checks import Finding, run_checks
from sibkit.checks.search import (
    AboveMaximum,
    Counterexample,
    OrderDependence,
    SearchNotRun,
    find_non_monotone,
    find_order_dependence,
    find_payment_above_maximum,
)
from sibkit.cli.app import console, fail, load_or_exit, main
from sibkit.cli.options import lang_option
from sibkit.i18n import N_, Language
from sibkit.model import Contract

__all__ = ["check"]

_SEVERITY = {"error": N_("error"), "warning": N_("warning"), "info": N_("info")}
"""The heading of each group of findings (printed in capitals)."""


@main.command()
@click.argument("file", type=click.Path(path_type=str))
@lang_option("Language of findings.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--fail-on",
    type=click.Choice(["warning", "error"]),
    default=None,
    help="Exit 1 when a finding is at least this severe (for CI).",
)
@click.option(
    "--properties",
    is_flag=True,
    help="Also search (Hypothesis) for outcomes where one more result pays someone less, a reordering of the "
    "contract's lists that moves money, and outcomes that pay more than the stated maximum.",
)
def check(file: str, lang: str, fmt: str, fail_on: str | None, properties: bool) -> None:
    """Perverse incentives and risks in the contract in FILE, most severe first, with remedies."""
    c = load_or_exit(file)
    findings = run_checks(c)
    if properties:
        findings = _searched(c, file) + findings
    if fmt == "json":
        _print_json(findings)
    else:
        _print_text(findings, Language(lang))
    if fail_on is not None:
        order = {"info": 0, "warning": 1, "error": 2}
        if any(order[f.severity] >= order[fail_on] for f in findings):
            sys.exit(1)


def _print_json(findings: list[Finding]) -> None:
    """The findings as a JSON list (keys in docs/checks.md)."""
    click.echo(json.dumps([attrs.asdict(f) for f in findings], indent=2, ensure_ascii=False))


def _print_text(findings: list[Finding], words: Language) -> None:
    """The findings grouped by severity, each with its code, title, path, explanation and remedy."""
    out = console()
    if not findings:
        out.print(words.gettext("No findings."))
    for severity in ("error", "warning", "info"):
        group = [f for f in findings if f.severity == severity]
        if not group:
            continue
        out.print(Text(f"{words.translate(_SEVERITY[severity]).upper()} ({len(group)})", style="bold"))
        for f in group:
            out.print(Text.assemble(f"  {f.code}  {f.title(words.code)}  ", (f"@ {f.path}", "dim")))
            out.print(f"    {f.explanation(words.code)}", markup=False)
            remedy = words.gettext("What to do: %(remedy)s", remedy=f.mitigation(words.code))
            out.print(f"    {remedy}", markup=False)


def _searched(c: Contract, file: str) -> list[Finding]:
    """The findings of the ``--properties`` searches (most severe kind first); exit 2 when they cannot run."""
    found: list[Finding] = []
    try:  # the searches run in this order; their findings are listed in the reverse order
        counter = find_non_monotone(c)
        if counter is not None:
            found.insert(0, _property_finding(c, counter))
        reordered = find_order_dependence(c)
        if reordered is not None:
            found.insert(0, _order_finding(reordered))
        above = find_payment_above_maximum(c)
        if above is not None:
            found.insert(0, _above_maximum_finding(above))
    except SearchNotRun as exc:
        fail(
            f"{file}: the --properties search for {exc} could not run: Hypothesis cannot draw outcomes "
            "for a contract this large (run sibkit check without --properties, or search a smaller copy)"
        )
    return found
def _property_finding(c: Contract, found: Counterexample) -> Finding:
    counts = ", ".join(f"{m}: {n}" for m, n in found.base_outcomes.items())
    return Finding(
        code="SIB-PROP-001",
        severity="error",
        title_en="More results pay someone less",
        title_nl="Meer resultaat levert iemand minder op",
        explanation_en=f"{found.sentence(c, 'en')} Smallest case found (results per outcome: {counts}).",
        explanation_nl=f"{found.sentence(c, 'nl')} Kleinste gevonden geval (resultaten per uitkomst: {counts}).",
        mitigation_en="Make every payment grow with results: separate caps per provider, tiers without gaps, "
        "and no share that falls once investors are repaid.",
        mitigation_nl="Laat elke betaling meegroeien met het resultaat: aparte plafonds per aanbieder, "
        "treden zonder gaten en geen aandeel dat daalt zodra investeerders zijn terugbetaald.",
        path="$.rules",
    )


def _defect_finding(code: str, title: tuple[str, str], explanation: tuple[str, str], path: str) -> Finding:
    """A finding of a ``--properties`` search that can only mean a defect in sibkit itself (English, Dutch)."""
    return Finding(
        code=code,
        severity="error",
        title_en=title[0],
        title_nl=title[1],
        explanation_en=explanation[0],
        explanation_nl=explanation[1],
        mitigation_en="This is a defect in sibkit, not in the contract: please report it with the contract file.",
        mitigation_nl="Dit is een fout in sibkit, niet in het contract: meld die met het contractbestand.",
        path=path,
    )


def _above_maximum_finding(found: AboveMaximum) -> Finding:
    return _defect_finding(
        "SIB-PROP-003",
        ("A scenario pays more than the stated maximum", "Een scenario betaalt meer dan het opgegeven maximum"),
        (
            f"At the planned enrolment, some outcomes pay more than the maximum potential payment: {found.message}",
            "Bij de geplande instroom betalen sommige resultaten meer dan de maximale resultaatbetaling: "
            f"{found.message}",
        ),
        "$.caps",
    )


def _order_finding(found: OrderDependence) -> Finding:
    return _defect_finding(
        "SIB-PROP-002",
        ("The order of a list moves money", "De volgorde van een lijst verschuift geld"),
        (
            f"Listing the contract's items in another order changes a payment: {found.message}",
            f"Een andere volgorde van de onderdelen van het contract verandert een betaling: {found.message}",
        ),
        "$",
    )
