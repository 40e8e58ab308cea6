"""``sibkit check``: perverse incentives and risks in a contract, most severe first, with remedies; with
``--properties``, also a Hypothesis search for outcomes that break the engine's promises."""

from __future__ import annotations

import json
import sys

import click
from rich.text import Text

from sibkit.checks import Finding, run_checks
from sibkit.checks.search import (
    SearchNotRun,
    above_maximum_finding,
    cheaper_finding,
    find_cheaper_with_more,
    find_non_monotone,
    find_order_dependence,
    find_payment_above_maximum,
    order_finding,
    payer_question_findings,
    property_finding,
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
    help="Also search (Hypothesis) for outcomes where one more result pays someone less, scenarios where more "
    "results cost the payers less (shown as scenarios to rerun), a reordering of the contract's lists that moves "
    "money, and outcomes that pay more than the stated maximum.",
)
def check(file: str, lang: str, fmt: str, fail_on: str | None, properties: bool) -> None:
    """Perverse incentives and risks in the contract in FILE, most severe first, with remedies."""
    c = load_or_exit(file, lang=lang)
    findings = run_checks(c)
    if properties:
        findings = _searched(c, file, Language(lang)) + findings
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
    click.echo(json.dumps([f.to_json() for f in findings], indent=2, ensure_ascii=False))


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


def _searched(c: Contract, file: str, words: Language) -> list[Finding]:
    """The findings of the ``--properties`` searches (most severe kind first); exit 2 when they cannot run."""
    found: list[Finding] = []
    try:  # the searches run in this order; their findings are listed in the reverse order
        counter = find_non_monotone(c)
        if counter is not None:
            found.insert(0, property_finding(c, counter))
        reordered = find_order_dependence(c)
        if reordered is not None:
            found.insert(0, order_finding(reordered))
        above = find_payment_above_maximum(c)
        if above is not None:
            found.insert(0, above_maximum_finding(above))
        cheaper = find_cheaper_with_more(c)
        if cheaper is not None:
            found.insert(0, cheaper_finding(cheaper))
        for finding in payer_question_findings(c):
            found.insert(0, finding)
    except SearchNotRun as exc:
        fail(
            words.gettext(
                "%(file)s: the --properties search for %(search)s could not run: Hypothesis cannot draw outcomes "
                "for a contract this large (run sibkit check without --properties, or search a smaller copy)",
                file=file,
                search=str(exc),
            )
        )
    return found
