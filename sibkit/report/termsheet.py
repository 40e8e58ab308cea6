"""A contract's term sheet, in Dutch or English, as Markdown or as standalone HTML.

``termsheet_view`` builds the view model: plain data holding already formatted,
already translated text (every amount, share, date and sentence is written here,
so the templates do no arithmetic). ``render_view`` fills the templates in
``templates/termsheet/`` with it; ``render_termsheet`` does both, and
``write_termsheet`` saves the result atomically.

The sections follow what practitioners expect of a term sheet (header, parties,
purpose, population, timeline, outcome metrics, payment mechanism, evaluation,
financing, costs and fees, scenarios, payoff chart, Monte Carlo summary,
incentive findings, risk allocation, open items, assumptions and sources,
glossary). A section the contract has no data for says so in a sentence; no
section is ever left out.

Contract text is data. Both formats share one template structure
(``structure.j2``) and differ only in their macros; each format has its own
Jinja environment in which *every* value is escaped for that format: HTML by
autoescaping, Markdown by a ``finalize`` that backslash-escapes Markdown syntax
and turns HTML into entities. Both environments autoescape, so that macro output
is ``Markup`` and is never escaped twice. Messages in the templates come from the
``jinja2.ext.i18n`` extension (``_``, ``gettext``, ``ngettext``), through
callables that escape the translated text and each filled-in value separately.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import unicodedata
import warnings
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, cast, get_args

import attrs
import numpy as np
import numpy.typing as npt
from babel.lists import format_list
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from sibkit.atomic import write_text_atomic
from sibkit.checks import run_checks
from sibkit.engine.maximum import MaximumPayment, maximum_payment
from sibkit.engine.results import Results
from sibkit.engine.run import default_scenario, run
from sibkit.engine.simulate import Summary, simulate, summarise
from sibkit.i18n import N_, Language, interpolate
from sibkit.model import (
    Cap,
    CohortThreshold,
    Contract,
    DeferredFee,
    Equity,
    Fee,
    FeesStep,
    Grant,
    Guarantee,
    InterestStep,
    Loan,
    Metric,
    PaymentRule,
    PerTime,
    PrincipalStep,
    Provenance,
    RateCard,
    RecoverableGrant,
    ResidualStep,
    Scenario,
    Tariff,
    Tranche,
)
from sibkit.model.common import CONTROL_CHARACTERS
from sibkit.model.waterfall import WaterfallStep
from sibkit.money import ratio, round_half_up
from sibkit.report import charts
from sibkit.report.templating import markdown_escape, templates_dir
from sibkit.sweep import BreakEven, Sweep, parse_range, sweep

__all__ = [
    "CHART_LEVELS",
    "FORMATS",
    "GLOSSARY",
    "Computed",
    "Format",
    "chart_image",
    "chart_labels",
    "compute",
    "render_termsheet",
    "render_view",
    "termsheet_environment",
    "termsheet_view",
    "write_termsheet",
]

Format = Literal["md", "html"]
"""The output formats: Markdown (``md``) and standalone HTML (``html``)."""

FORMATS: tuple[Format, ...] = get_args(Format)

CHART_LEVELS = "0:1.5:16"
"""The success levels of the payoff chart: 16 levels from 0 to 1.5 times the default scenario."""

SIMULATION_SEED = 0
"""The seed of the term sheet's Monte Carlo summary, so the same contract always gives the same figures."""

NOT_DEFINED = "–"
"""Shown in a table where a figure is undefined (no IRR when nothing came back, no cost per outcome
when nothing was paid for)."""

_TEMPLATES = {"md": "termsheet/termsheet.md.j2", "html": "termsheet/termsheet.html.j2"}


GLOSSARY: tuple[tuple[str, str], ...] = (
    ("resultaatfinanciering", "outcome-based financing"),
    ("uitkomstbetaler", "outcome payer"),
    ("resultatenfonds", "outcomes fund"),
    ("investeringsfonds", "investment fund"),
    ("revolverend fonds", "revolving fund"),
    ("investeerder", "investor"),
    ("intermediair", "intermediary"),
    ("uitvoerder / aanbieder", "provider"),
    ("deelnemer", "participant"),
    ("vergoeding per deelnemer", "fee per participant"),
    ("maatschappelijk / individueel / procesmatig resultaat", "societal / individual / process result"),
    ("harde / zachte indicator", "hard / soft indicator"),
    ("T0-/T1-meting", "baseline / follow-up measurement"),
    ("nulmeting", "baseline"),
    ("o-alternatief", "counterfactual"),
    ("besparing", "saving"),
    ("brede welvaart", "broad prosperity"),
    ("MKBA", "social cost-benefit analysis"),
    ("looptijd", "term"),
    ("hoofdsom", "principal"),
    ("rendement(splafond)", "return (cap)"),
    ("uitbetalingsvolgorde / waterval", "priority of payments"),
    ("perverse prikkels", "perverse incentives"),
    ("afromen", "cream-skimming"),
    ("beëindiging", "termination"),
    ("geschillenregeling", "dispute resolution"),
)
"""Dutch and English terms of the field (``shared/domain.md``), as (Dutch, English) pairs."""

# -- words for the contract's closed vocabularies ------------------------------------------------------
_STATUS = {
    "draft": N_("draft"),
    "indicative": N_("indicative (non-binding)"),
    "agreed": N_("agreed, not yet signed"),
    "signed": N_("signed"),
    "historical": N_("historical (a past deal, reconstructed)"),
}
_PAYER_KIND = {
    "municipality": N_("municipality"),
    "regional_government": N_("regional government"),
    "national_government": N_("national government"),
    "health_insurer": N_("health insurer"),
    "philanthropy": N_("philanthropic fund"),
    "outcomes_fund": N_("outcomes fund"),
    "company": N_("company"),
    "other": N_("other organisation"),
}
_INVESTOR_KIND = {
    "bank": N_("bank"),
    "foundation": N_("foundation"),
    "impact_fund": N_("impact fund"),
    "crowd": N_("crowd investors"),
    "provider": N_("provider"),
    "intermediary": N_("intermediary"),
    "government": N_("government"),
    "health_insurer": N_("health insurer"),
    "other": N_("other organisation"),
}
_EVALUATOR_ROLE = {
    "evaluator": N_("evaluator (measures the effect)"),
    "validator": N_("validator (verifies claimed outcomes)"),
    "evaluator_and_validator": N_("evaluator and validator"),
}
_METRIC_KIND = {
    "event": N_("an event for one participant"),
    "change": N_("a change for one participant between a baseline (T0) and a follow-up (T1)"),
    "cohort_change": N_("the change of a whole cohort against a counterfactual"),
    "duration": N_("time spent in a state"),
    "milestone": N_("a step in a chain of milestones"),
}
_UNIT = {
    "participant": N_("participant"),
    "household": N_("household"),
    "event": N_("event"),
    "day": N_("day"),
    "week": N_("week"),
    "month": N_("month"),
    "quarter": N_("quarter"),
    "year": N_("year"),
    "qualification": N_("qualification"),
    "cohort": N_("cohort"),
}
_EVIDENCE = {
    "hard": N_("hard: administrative or verifiable records"),
    "soft": N_("soft: self-reported or judged (questionnaires)"),
}
_DESIGN = {
    "rct": N_("randomised control trial"),
    "matched_comparison": N_("matched comparison group"),
    "historical_baseline": N_("historical baseline"),
    "predicted_baseline": N_("predicted baseline from a model"),
    "pre_post": N_("pre-post comparison (T0 to T1), without a comparison group"),
    "simple_verification": N_("verification that the outcome happened, without a counterfactual"),
}
_PROPOSED_BY = {
    "payer": N_("the payer"),
    "provider": N_("the provider"),
    "joint": N_("payer and provider jointly"),
    "evaluator": N_("the evaluator"),
    "intermediary": N_("the intermediary"),
}
_FREQUENCY = {
    "monthly": N_("every month"),
    "quarterly": N_("every quarter"),
    "semiannual": N_("every six months"),
    "annual": N_("every year"),
    "end": N_("once, at the end of the term"),
}
_MODE = {"sequential": N_("in the order listed"), "pro_rata": N_("pro rata")}
_SEVERITY = {"info": N_("Information"), "warning": N_("Warning"), "error": N_("Error")}
_GUARANTEE_KIND = {"guarantee": N_("guarantee"), "first_loss": N_("first-loss piece")}
_INSTRUMENT = {
    Loan.__name__: N_("loan"),
    Equity.__name__: N_("equity or quasi-equity"),
    RecoverableGrant.__name__: N_("recoverable grant"),
    Grant.__name__: N_("grant"),
    DeferredFee.__name__: N_("deferred fee"),
}
_CONFIGURATION = {
    "intermediated": N_(
        "Intermediated: an intermediary structures and manages the deal, and investors pre-finance the providers."
    ),
    "direct_investors": N_("Direct with investors: investors pre-finance the providers, without an intermediary."),
    "fund": N_(
        "Outcomes fund: a pooled fund pays the providers for verified results; there are no investors, so the "
        "providers pre-finance their own work."
    ),
    "direct": N_(
        "Direct: the outcome payers pay the providers for verified results; there are no investors, so the "
        "providers pre-finance their own work."
    ),
}
_BREAK_EVEN = {
    "principal_back": N_("%(party)s gets its principal back"),
    "margin_zero": N_("%(party)s breaks even"),
}
_OPEN_ITEMS = (
    N_("governance and reporting: the operating committee, management information and how often it is reported"),
    N_("termination: for convenience, default or non-appropriation, and compensation to providers and investors"),
    N_("conditions precedent: the council decision, board approvals, data-sharing agreements, the evaluator appointed"),
    N_("dispute resolution, in particular on what counts as a result"),
    N_("data protection (GDPR) for the data used to measure outcomes"),
    N_("amendments and variations, and changes in law or policy"),
)

_CHART_LABELS: dict[str, str] = {
    "payoff_title": N_("{contract}: who pays and who earns at each success level"),
    "success_axis": N_("Success level (× '{scenario}' scenario)"),
    "money_axis": N_("Amount ({currency})"),
    "money_panel": N_("Payer cost and provider margin"),
    "irr_axis": N_("IRR (% a year)"),
    "irr_panel": N_("Investor return per tranche"),
    "no_tranches": N_("No investor tranches in this contract: no IRR to show."),
    "payer_cost": N_("{party}: cost (payer)"),
    "provider_margin": N_("{party}: margin (provider)"),
    "tranche_irr": N_("{party}: IRR (tranche, {investor})"),
    "be_principal_back": N_("principal back"),
    "be_irr_zero": N_("IRR 0%"),
    "be_margin_zero": N_("margin 0"),
    "be_party": N_("{party}: {events}"),
    "be_key": N_("({number}) from {level}×:"),
    "be_heading": N_("Break-even levels (dotted lines)"),
    "waterfall_title": N_("{contract}: cumulative cash by party"),
    "month_axis": N_("Months from the contract start ({start})"),
    "cash_axis": N_("Cumulative cash ({currency})"),
    "payer_cash": N_("{party} (payer)"),
    "provider_cash": N_("{party} (provider)"),
    "tranche_cash": N_("{party} (tranche, {investor})"),
    "distribution_title": N_("{contract}: what the payers pay in {count} simulated scenarios"),
    "distribution_axis": N_("Payers' cost: outcome payments, VAT and fees ({currency})"),
    "share_axis": N_("Share of scenarios (%)"),
    "median": N_("median"),
    "p95": N_("95th percentile"),
}
"""The texts of ``charts.LABELS``, marked for translation and passed to the charts as ``labels``
(a test keeps them equal)."""

_BREAKING = re.compile(r"[ \t\n\r\f\v\x1c-\x1f\x85\u2028\u2029]+")


def _label(lang: Language, words: dict[str, str], key: str) -> str:
    """The translated word for ``key``; an unknown key (a newer model) as written, underscores as spaces."""
    return lang.translate(words[key]) if key in words else key.replace("_", " ")


def _squash(text: str) -> str:
    """Every run of breaking whitespace (spaces, tabs, line breaks) as one space, ends trimmed.

    No-break spaces are kept: Babel writes ``€ 3.500,00`` with one, and it must stay on one line.
    """
    return _BREAKING.sub(" ", text).strip(" ")


def _paragraphs(text: str) -> list[str]:
    """``text`` split at blank lines into paragraphs, each on one line."""
    return [_squash(p) for p in re.split(r"\n[ \t\r\f\v]*\n", text.strip()) if _squash(p)]


def _sort_key(text: str) -> str:
    """Alphabetical order as a dictionary has it: case and accents ignored (``beëindiging`` before ``besparing``)."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(ch))


def _join(items: Sequence[str]) -> str:
    return ", ".join(items)


# -- the view model ------------------------------------------------------------------------------------
@attrs.frozen(kw_only=True, eq=False)
class Computed:
    """Everything the engine computes for a term sheet, independent of the language: computed once by
    ``compute`` and passed to every section, chart and output format (Markdown, HTML, Word, PDF)."""

    maximum: MaximumPayment
    """The contract's maximum potential outcome payment (computed once; every run below reuses it)."""
    scenarios: tuple[Scenario, ...]
    named: bool
    runs: tuple[Results, ...]
    sweep_levels: tuple[Decimal, ...]
    chart_scenario: Scenario
    sweep: Sweep
    """The payoff sweep of ``chart_scenario`` over ``sweep_levels`` (the payoff chart and its break-evens)."""
    findings: list[Any]
    simulation: Summary | None
    simulated_costs: npt.NDArray[np.int64] | None
    """What the payers paid together in each simulated scenario, cents (for the distribution chart)."""

    @property
    def break_even(self) -> tuple[BreakEven, ...]:
        """The break-even levels of the payoff sweep."""
        return self.sweep.break_even


class _View:
    """Builds the sections of one contract's term sheet in one language."""

    def __init__(self, contract: Contract, lang: Language, today: dt.date, computed: Computed) -> None:
        self.c = contract
        self.lang = lang
        self.today = today
        self.computed = computed
        self._names: dict[str, str] = {}
        for payer in contract.payers:
            self._names[payer.id] = payer.name
            for k in payer.contributors:
                self._names[k.id] = k.name
        for group in (contract.providers, contract.investors, contract.intermediaries, contract.evaluators):
            for party in group:
                self._names[party.id] = party.name
        self._metric_names = {m.id: m.name for m in contract.metrics}

    # -- small helpers --------------------------------------------------------------------------------
    def _(self, message: str, **variables: object) -> str:
        return self.lang.gettext(message, **variables)

    def money(self, cents: int) -> str:
        return self.lang.money(int(cents), self.c.currency)

    def name(self, party: str) -> str:
        if party == "revolving_fund":
            return self._("the revolving fund")
        if party == "providers":
            return self._("each provider, for its own participants")
        return self._names.get(party, party)

    def metric(self, metric_id: str) -> str:
        return self._metric_names.get(metric_id, metric_id)

    def month(self, month: int) -> str:
        return self.lang.month(self.c.timeline.month_start(month))

    def months(self, n: int) -> str:
        return self.lang.ngettext("%(num)d month", "%(num)d months", n)

    def tranche(self, tranche_id: str) -> str:
        t = next((x for x in self.c.tranches if x.id == tranche_id), None)
        if t is None:
            return tranche_id
        return self._("%(tranche)s (%(investor)s)", tranche=t.id, investor=self.name(t.investor))

    # -- sections ----------------------------------------------------------------------------------------
    def header(self) -> dict[str, Any]:
        c = self.c
        binding = {
            "draft": N_("This is a draft for discussion; it binds no party."),
            "indicative": N_("These terms are indicative and not binding."),
            "agreed": N_("These terms are agreed but not yet signed."),
            "signed": N_("These terms summarise a signed contract; the contract itself prevails."),
            "historical": N_("This term sheet reconstructs a past deal for learning; it binds no party."),
        }
        return {
            "name": c.name,
            "status": _label(self.lang, _STATUS, c.status),
            "binding": self.lang.translate(binding[c.status]) if c.status in binding else "",
            "version": c.version,
            "date": self.lang.date(self.today),
            "governing_law": c.governing_law or self._("The contract names no governing law."),
            "currency": c.currency,
            "description": _paragraphs(c.description),
        }

    def parties(self) -> dict[str, Any]:
        c = self.c
        rows: list[list[str]] = []
        for payer in c.payers:
            details = [_label(self.lang, _PAYER_KIND, payer.kind)]
            if payer.share is not None and len(c.payers) > 1:
                details.append(self._("pays %(share)s of outcome payments", share=self.lang.percent(payer.share)))
            if payer.budget is not None:
                details.append(self._("budget %(amount)s", amount=self.money(payer.budget)))
            if payer.borrowing_rate is not None:
                details.append(self._("borrows at %(rate)s a year", rate=self.lang.percent(payer.borrowing_rate)))
            rows.append([self._("Outcome payer"), payer.name, _join(details)])
            for k in payer.contributors:
                rows.append(
                    [
                        self._("Contributor to %(fund)s", fund=payer.name),
                        k.name,
                        _join(
                            [
                                _label(self.lang, _PAYER_KIND, k.kind),
                                self._("commits %(amount)s", amount=self.money(k.commitment)),
                            ]
                        ),
                    ]
                )
        for prov in c.providers:
            details = [
                self.lang.ngettext(
                    "%(num)d participant planned", "%(num)d participants planned", prov.enrolment.participants
                ),
                self._("capacity %(capacity)s", capacity=self.lang.integer(prov.capacity)),
            ]
            text = _join(details)
            if prov.description:
                text = self._("%(facts)s. %(description)s", facts=text, description=_squash(prov.description))
            rows.append([self._("Provider"), prov.name, text])
        for inv in c.investors:
            rows.append([self._("Investor"), inv.name, _label(self.lang, _INVESTOR_KIND, inv.kind)])
        for im in c.intermediaries:
            rows.append([self._("Intermediary"), im.name, im.role])
        for ev in c.evaluators:
            role = _label(self.lang, _EVALUATOR_ROLE, ev.role)
            independence = self._("independent") if ev.independent else self._("not independent")
            rows.append([self._("Evaluator"), ev.name, _join([role, independence])])
        missing = []
        if not c.investors:
            missing.append(self._("The contract names no investor."))
        if not c.intermediaries:
            missing.append(self._("The contract names no intermediary."))
        if not c.evaluators:
            missing.append(self._("The contract names no evaluator or validator."))
        if c.tranches:
            config = "intermediated" if c.intermediaries else "direct_investors"
        else:
            config = "fund" if any(p.contributors for p in c.payers) else "direct"
        return {"rows": rows, "missing": missing, "configuration": self.lang.translate(_CONFIGURATION[config])}

    def purpose(self) -> dict[str, Any]:
        return {
            "paragraphs": _paragraphs(self.c.purpose),
            "missing": "" if self.c.purpose.strip() else self._("The contract states no purpose."),
        }

    def population(self) -> dict[str, Any]:
        pop = self.c.population
        fields: list[list[str]] = []
        fields.append(
            [self._("Referred by"), pop.referred_by or self._("The contract does not say who refers participants.")]
        )
        if pop.minimum_participants is None and pop.maximum_participants is None:
            volumes = self._("The contract sets no minimum or maximum number of referrals.")
        else:
            parts = []
            if pop.minimum_participants is not None:
                parts.append(self._("at least %(num)s", num=self.lang.integer(pop.minimum_participants)))
            if pop.maximum_participants is not None:
                parts.append(self._("at most %(num)s", num=self.lang.integer(pop.maximum_participants)))
            volumes = self._("%(limits)s participants", limits=self._(" and ").join(parts))
        fields.append([self._("Referral volumes"), volumes])
        enrolment = []
        for prov in self.c.providers:
            plan = prov.enrolment.per_month()
            active = [i for i, n in enumerate(plan) if n]
            if active:
                enrolment.append(
                    self.lang.ngettext(
                        "%(provider)s: %(num)d participant, starting from %(first)s to %(last)s",
                        "%(provider)s: %(num)d participants, starting from %(first)s to %(last)s",
                        prov.enrolment.participants,
                        provider=prov.name,
                        first=self.month(active[0]),
                        last=self.month(active[-1]),
                    )
                )
            else:
                enrolment.append(self._("%(provider)s: no participants planned", provider=prov.name))
        segments = [
            self._("%(segment)s: %(description)s", segment=s.name, description=_squash(s.description))
            if s.description
            else s.name
            for s in self.c.segments
        ]
        return {
            "description": _paragraphs(pop.description)
            or [self._("The contract does not describe the target population.")],
            "eligibility": [_squash(e) for e in pop.eligibility],
            "eligibility_missing": "" if pop.eligibility else self._("The contract states no eligibility criteria."),
            "fields": fields,
            "enrolment": enrolment,
            "segments": segments,
            "segments_missing": "" if segments else self._("The contract defines no difficulty segments."),
        }

    def timeline(self) -> dict[str, Any]:
        tl = self.c.timeline
        fields = [
            [
                self._("Signing"),
                self.lang.date(tl.signing) if tl.signing else self._("The contract states no signing date."),
            ],
            [self._("Service start"), self.lang.date(tl.start)],
            [
                self._("Enrolment"),
                self._(
                    "%(months)s, from %(first)s to %(last)s",
                    months=self.months(tl.enrolment_months),
                    first=self.month(0),
                    last=self.month(tl.enrolment_months - 1),
                ),
            ],
            [
                self._("Service delivery"),
                self._(
                    "%(months)s, to the end of %(last)s",
                    months=self.months(tl.service_months),
                    last=self.month(tl.service_months - 1),
                ),
            ],
            [
                self._("Contract term"),
                self._(
                    "%(months)s, to the end of %(last)s; results verified later are not paid",
                    months=self.months(tl.term_months),
                    last=self.month(tl.term_months - 1),
                ),
            ],
            [
                self._("Payments"),
                self._(
                    "verified outcomes are invoiced and paid %(frequency)s",
                    frequency=_label(self.lang, _FREQUENCY, tl.payment_frequency),
                ),
            ],
        ]
        return {"fields": fields}

    def _payment_terms(self, metric: Metric) -> str:
        terms = []
        for rule in self.c.rules:
            if metric.id not in rule.metrics():
                continue
            if isinstance(rule, RateCard):
                e = next(x for x in rule.entries if x.metric == metric.id)
                if not e.repeatable:
                    terms.append(self._("once per participant (rule %(rule)s)", rule=rule.id))
                elif e.max_per_participant is None:
                    terms.append(self._("per unit, without a limit per participant (rule %(rule)s)", rule=rule.id))
                else:
                    terms.append(
                        self._(
                            "per unit, at most %(num)s per participant (rule %(rule)s)",
                            num=self.lang.integer(e.max_per_participant),
                            rule=rule.id,
                        )
                    )
            elif isinstance(rule, Tariff):
                terms.append(self._("once per participant (rule %(rule)s)", rule=rule.id))
            elif isinstance(rule, PerTime):
                terms.append(self._("per unit of time in the state (rule %(rule)s)", rule=rule.id))
            elif isinstance(rule, CohortThreshold):
                terms.append(self._("per cohort, for its improvement (rule %(rule)s)", rule=rule.id))
            else:
                terms.append(self._("as a share of the savings (rule %(rule)s)", rule=rule.id))
        return _join(terms) or self._("not paid itself: a step that later outcomes require")

    def metrics(self) -> list[dict[str, Any]]:
        out = []
        for m in self.c.metrics:
            fields = [
                [self._("Identifier"), m.id],
                [self._("Definition"), _squash(m.description) or self._("The contract gives no definition.")],
                [self._("Kind"), _label(self.lang, _METRIC_KIND, m.kind)],
                [self._("Unit"), _label(self.lang, _UNIT, m.unit)],
                [self._("Evidence"), _label(self.lang, _EVIDENCE, m.evidence)],
                [self._("Evaluation design"), _label(self.lang, _DESIGN, m.design)],
                [
                    self._("Measured by"),
                    self.name(m.measured_by) if m.measured_by else self._("The contract does not say who measures."),
                ],
                [self._("Data source"), m.data_source or self._("The contract names no data source.")],
                [self._("Definition proposed by"), _label(self.lang, _PROPOSED_BY, m.proposed_by)],
                [
                    self._("Observed"),
                    self._("at enrolment")
                    if m.observation_months == 0
                    else self._("%(months)s after enrolment", months=self.months(m.observation_months)),
                ],
                [
                    self._("Verification lag"),
                    self._(
                        "%(months)s from the outcome until it is verified and can be invoiced",
                        months=self.months(m.lag_months),
                    ),
                ],
                [self._("Paid"), self._payment_terms(m)],
            ]
            if m.sustained_months:
                fields.append([self._("Must last"), self.months(m.sustained_months)])
            if m.requires:
                fields.append([self._("Requires first"), _join([self.metric(r) for r in m.requires])])
            if m.kind == "cohort_change":
                direction = m.direction
                fields.append(
                    [
                        self._("Counterfactual"),
                        self._(
                            "%(baseline)s %(unit)s per participant; success means %(direction)s",
                            baseline=self.lang.decimal(m.baseline if m.baseline is not None else Decimal(0)),
                            unit=_label(self.lang, _UNIT, m.unit),
                            direction=self._("fewer") if direction == "decrease" else self._("more"),
                        ),
                    ]
                )
            out.append({"id": m.id, "name": m.name, "fields": fields})
        return out

    # -- payment mechanism ---------------------------------------------------------------------------
    def _rule(self, rule: PaymentRule) -> dict[str, Any]:
        sentences: list[str] = []
        details: list[str] = []
        table: dict[str, Any] | None = None
        if isinstance(rule, Tariff):
            kind = self._("weighted tariff")
            sentences.append(
                self._(
                    "%(price)s per participant at full result, split into the components below. Each component "
                    "is paid once per participant who achieves it, independently of the others.",
                    price=self.money(rule.price_per_participant),
                )
            )
            rows = []
            for comp in rule.components:
                num, den = ratio(comp.weight)
                amount = round_half_up(rule.price_per_participant * num, den)
                rows.append([self.metric(comp.metric), self.lang.percent(comp.weight), self.money(amount)])
            table = {"headers": "tariff", "rows": rows}
            for seg, price in rule.segment_prices.items():
                details.append(
                    self._(
                        "In segment %(segment)s the price is %(price)s per participant.",
                        segment=self._segment(seg),
                        price=self.money(price),
                    )
                )
        elif isinstance(rule, RateCard):
            kind = self._("rate card")
            sentences.append(self._("A price per outcome achieved, line by line:"))
            rows = []
            for e in rule.entries:
                if not e.repeatable:
                    how = self._("once per participant")
                elif e.max_per_participant is None:
                    how = self._("per unit, without a limit per participant")
                else:
                    how = self._(
                        "per unit, at most %(num)s per participant", num=self.lang.integer(e.max_per_participant)
                    )
                segs = _join(
                    [
                        self._("%(segment)s: %(price)s", segment=self._segment(s), price=self.money(p))
                        for s, p in e.segment_prices.items()
                    ]
                )
                rows.append([self.metric(e.metric), self.money(e.price), how, segs or NOT_DEFINED])
            table = {"headers": "rate_card", "rows": rows}
        elif isinstance(rule, CohortThreshold):
            kind = self._("cohort improvement with a threshold")
            metric = self.c.metric(rule.metric)
            sentences.append(
                self._(
                    "Pays for the improvement in %(metric)s of each cohort (the participants who enrol in the same "
                    "%(months)s) against the counterfactual. Below an improvement of %(first)s nothing is paid; the "
                    "highest tier a cohort reaches applies to all its units of improvement.",
                    metric=metric.name,
                    months=self.months(rule.cohort_months),
                    first=self.lang.percent(rule.tiers[0].from_improvement),
                )
            )
            rows = [
                [self.lang.percent(t.from_improvement), self.money(t.amount), self.money(t.price_per_unit)]
                for t in rule.tiers
            ]
            table = {"headers": "tiers", "rows": rows}
            if rule.pooled_threshold is not None and rule.pooled_price_per_unit is not None:
                details.append(
                    self._(
                        "A cohort that misses its own tiers is paid %(price)s per unit at the end of the term if all "
                        "cohorts together improve by at least %(threshold)s.",
                        price=self.money(rule.pooled_price_per_unit),
                        threshold=self.lang.percent(rule.pooled_threshold),
                    )
                )
            cancelled = rule.cancelled_cohorts
            if cancelled:
                details.append(
                    self.lang.ngettext(
                        "Cohort %(cohorts)s (counting from 0 in enrolment order) is not paid for.",
                        "Cohorts %(cohorts)s (counting from 0 in enrolment order) are not paid for.",
                        len(cancelled),
                        cohorts=_join([str(n) for n in cancelled]),
                    )
                )
            if rule.max_payment is not None:
                details.append(
                    self._("At most %(amount)s for this rule over the contract.", amount=self.money(rule.max_payment))
                )
        elif isinstance(rule, PerTime):
            kind = self._("payment per unit of time")
            metric = self.c.metric(rule.metric)
            unit = _label(self.lang, _UNIT, metric.unit)
            if rule.max_units_per_participant is None:
                limit = self._("without a limit per participant")
            else:
                limit = self._("at most %(num)s per participant", num=self.lang.integer(rule.max_units_per_participant))
            sentences.append(
                self._(
                    "%(price)s per %(unit)s a participant spends in the state %(metric)s, %(limit)s.",
                    price=self.money(rule.price_per_unit),
                    unit=unit,
                    metric=metric.name,
                    limit=limit,
                )
            )
        else:
            kind = self._("share of savings")
            metric = self.c.metric(rule.metric)
            saving = next(s for s in self.c.savings if s.metric == rule.metric)
            until = (
                self._(
                    "until every repayable tranche is repaid its principal and interest, then %(after)s",
                    after=self.lang.percent(rule.share_after),
                )
                if self.c.tranches
                else self._("for the whole term")
            )
            sentences.append(
                self._(
                    "Pays %(share)s of the savings of %(metric)s (%(amount)s per %(unit)s, %(cashable)s), %(until)s.",
                    share=self.lang.percent(rule.share),
                    metric=metric.name,
                    amount=self.money(saving.amount_per_unit),
                    unit=_label(self.lang, _UNIT, metric.unit),
                    cashable=self._("cashable") if saving.cashable else self._("not cashable"),
                    until=until,
                )
            )
        providers = (
            self._("Applies to the participants of every provider.")
            if not rule.providers
            else self._(
                "Applies to the participants of %(providers)s.", providers=_join([self.name(p) for p in rule.providers])
            )
        )
        shares = [
            self._("%(payer)s (%(share)s)", payer=self.name(p), share=self.lang.percent(s))
            for p, s in self.c.rule_payers(rule)
        ]
        payers = self._("Paid by %(payers)s.", payers=_join(shares))
        return {
            "title": self._("Rule %(rule)s: %(kind)s", rule=rule.id, kind=kind),
            "sentences": sentences,
            "table": table,
            "details": [*details, providers, payers],
        }

    def _segment(self, segment_id: str) -> str:
        return next((s.name for s in self.c.segments if s.id == segment_id), segment_id)

    def _cap(self, cap: Cap) -> str:
        amount = self.money(cap.amount)
        target = cap.target or ""
        if cap.level == "participant":
            text = self._("At most %(amount)s per participant, over all outcomes.", amount=amount)
        elif cap.level == "metric" and cap.metrics:
            text = self._(
                "At most %(amount)s in all for %(metrics)s together.",
                amount=amount,
                metrics=format_list([self.metric(m) for m in cap.metrics], locale=self.lang.locale),
            )
        elif cap.level == "metric":
            text = self._("At most %(amount)s in all for %(metric)s.", amount=amount, metric=self.metric(target))
        elif cap.level == "provider":
            text = self._(
                "At most %(amount)s in all for the participants of %(provider)s.",
                amount=amount,
                provider=self.name(target),
            )
        elif cap.level == "payer":
            text = self._("At most %(amount)s in all paid by %(payer)s.", amount=amount, payer=self.name(target))
        else:
            text = self._("At most %(amount)s for all outcome payments together (the contract cap).", amount=amount)
        if cap.includes_vat:
            text = self._("%(cap)s The amount includes VAT.", cap=text)
        return text

    def payment(self) -> dict[str, Any]:
        c = self.c
        mx = self.computed.maximum
        unbounded = self._("no limit: a rule without a natural maximum is not capped")
        maximum = [[self.name(p), self.lang.money_or(v, c.currency, unbounded)] for p, v in mx.by_payer.items()]
        maximum.append([self._("All payers together"), self.lang.money_or(mx.total, c.currency, unbounded)])
        vat = (
            self._(
                "Outcome payments carry VAT at %(rate)s on top of the price; the payers pay it and it goes to the "
                "tax authority, not to the providers.",
                rate=self.lang.percent(c.vat_rate),
            )
            if c.vat_rate
            else self._("The contract charges no VAT on outcome payments.")
        )
        return {
            "rules": [self._rule(r) for r in c.rules],
            "caps": [self._cap(cap) for cap in c.caps],
            "caps_missing": "" if c.caps else self._("The contract sets no caps on outcome payments."),
            "caps_note": self._(
                "Once a cap is reached, the payments it covers are cut to what remains; cut amounts are not paid later."
            )
            if c.caps
            else "",
            "vat": vat,
            "frequency": self._(
                "Verified outcomes are invoiced and paid %(frequency)s.",
                frequency=_label(self.lang, _FREQUENCY, c.timeline.payment_frequency),
            ),
            "maximum": maximum,
        }

    def evaluation(self) -> dict[str, Any]:
        rows = []
        for m in self.c.metrics:
            rows.append(
                [
                    m.name,
                    _label(self.lang, _DESIGN, m.design),
                    self._("hard") if m.evidence == "hard" else self._("soft"),
                    self.name(m.measured_by) if m.measured_by else self._("not stated"),
                ]
            )
        evaluators = [
            self._(
                "%(name)s: %(role)s, %(independence)s",
                name=ev.name,
                role=_label(self.lang, _EVALUATOR_ROLE, ev.role),
                independence=self._("independent of every party whose money depends on the result")
                if ev.independent
                else self._("not independent of the parties whose money depends on the result"),
            )
            for ev in self.c.evaluators
        ]
        return {
            "rows": rows,
            "evaluators": evaluators,
            "evaluators_missing": "" if evaluators else self._("The contract names no evaluator or validator."),
        }

    # -- financing ----------------------------------------------------------------------------------------
    def _return_cap(self, t: Tranche) -> str:
        if isinstance(t, Grant):
            return self._("never repaid")
        cap = t.return_cap
        if cap is None:
            return self._("no cap")
        parts = []
        if cap.irr is not None:
            parts.append(self._("IRR %(rate)s a year", rate=self.lang.percent(cap.irr)))
        if cap.multiple is not None:
            parts.append(self._("multiple %(multiple)s×", multiple=self.lang.decimal(cap.multiple)))
        if len(parts) == 2:
            return self._("%(first)s or %(second)s, whichever is lower", first=parts[0], second=parts[1])
        return parts[0]

    def _drawdown(self, t: Tranche) -> str:
        d = t.drawdown
        if d.kind == "upfront":
            return self._("all at once in %(month)s", month=self.month(d.start_month))
        if d.kind == "as_needed":
            return self._("as costs fall due, from %(month)s", month=self.month(d.start_month))
        return self._(
            "by schedule from %(month)s: %(amounts)s",
            month=self.month(d.start_month),
            amounts=_join([self.money(a) for a in d.amounts]),
        )

    def _step(self, step: WaterfallStep) -> str:
        if isinstance(step, FeesStep):
            return self._(
                "Fees: %(fees)s, %(mode)s.", fees=_join(list(step.fees)), mode=_label(self.lang, _MODE, step.mode)
            )
        if isinstance(step, ResidualStep):
            return self._("Everything left: %(shares)s.", shares=self._residual(step))
        names = _join([self.tranche(t) for t in step.tranches])
        mode = _label(self.lang, _MODE, step.mode)
        if isinstance(step, InterestStep):
            return self._("Interest due on %(tranches)s, %(mode)s.", tranches=names, mode=mode)
        if isinstance(step, PrincipalStep):
            return self._("Principal of %(tranches)s, %(mode)s.", tranches=names, mode=mode)
        return self._("A return up to the cap of %(tranches)s, %(mode)s.", tranches=names, mode=mode)

    def _residual(self, step: ResidualStep) -> str:
        shares = [
            self._("%(share)s to %(party)s", share=self.lang.percent(s.share), party=self._party_or_tranche(s.party))
            for s in step.shares
        ]
        return _join(shares)

    def _party_or_tranche(self, party: str) -> str:
        if any(t.id == party for t in self.c.tranches):
            return self._("tranche %(tranche)s", tranche=self.tranche(party))
        return self.name(party)

    def financing(self) -> dict[str, Any]:
        c = self.c
        rows = []
        notes = []
        for t in sorted(c.tranches, key=lambda t: t.seniority):
            rows.append(
                [
                    t.id,
                    _label(self.lang, _INSTRUMENT, type(t).__name__),
                    self.name(t.investor),
                    self.money(t.commitment),
                    self.lang.integer(t.seniority),
                    self.lang.percent(t.coupon) if isinstance(t, Loan) else NOT_DEFINED,
                    self._return_cap(t),
                    self._drawdown(t),
                ]
            )
            if t.metrics:
                notes.append(
                    self._(
                        "Tranche %(tranche)s is repaid only from payments for %(metrics)s.",
                        tranche=t.id,
                        metrics=_join([self.metric(m) for m in t.metrics]),
                    )
                )
        guarantees = [
            [
                g.id,
                _label(self.lang, _GUARANTEE_KIND, g.kind),
                self.name(g.guarantor),
                _join([self.tranche(x) for x in g.covers]),
                self.money(g.amount),
                self.lang.percent(g.coverage),
            ]
            for g in c.guarantees
        ]
        if c.tranches:
            total = self._(
                "Total committed capital: %(amount)s.", amount=self.money(sum(t.commitment for t in c.tranches))
            )
        else:
            total = self._(
                "The contract has no investors: the providers pre-finance their own work and are paid from outcome "
                "payments once results are verified."
            )
        return {
            "total": total,
            "tranches": rows,
            "tranche_notes": notes,
            "guarantees": guarantees,
            "guarantees_missing": "" if guarantees else self._("The contract has no guarantees or first-loss pieces."),
            "waterfall": [self._step(s) for s in c.waterfall],
            "waterfall_missing": ""
            if c.waterfall
            else self._("The contract sets no priority of payments: outcome payments go straight to the providers."),
        }

    def _fee_amount(self, fee: Fee) -> str:
        if fee.basis == "fixed":
            return self._("%(amount)s once, in %(month)s", amount=self.money(fee.amount), month=self.month(fee.month))
        if fee.basis == "monthly":
            return self._("%(amount)s a month over the service term", amount=self.money(fee.amount))
        if fee.basis == "percent_of_capital":
            return self._(
                "%(rate)s of the committed capital, due in %(month)s",
                rate=self.lang.percent(fee.rate),
                month=self.month(fee.month),
            )
        return self._("%(rate)s of the outcome payments, as they arrive", rate=self.lang.percent(fee.rate))

    def fees(self) -> dict[str, Any]:
        rows = []
        for fee in self.c.fees:
            if fee.paid_from == "capital":
                source = self._("investors' capital")
            elif fee.paid_from == "outcome_payments":
                source = self._("outcome payments, through the priority of payments")
            else:
                source = self._("directly by %(payer)s", payer=self.name(fee.payer or ""))
            rows.append(
                [
                    fee.id,
                    self.name(fee.payee),
                    self._fee_amount(fee),
                    source,
                    self._("at risk") if fee.paid_from == "outcome_payments" else self._("fixed"),
                    _squash(fee.description) or NOT_DEFINED,
                ]
            )
        return {
            "rows": rows,
            "missing": "" if rows else self._("The contract sets no fees (intermediary, evaluation, legal or other)."),
        }

    # -- results -------------------------------------------------------------------------------------------
    def scenarios(self) -> dict[str, Any]:
        comp = self.computed
        rows: list[dict[str, Any]] = []

        def row(label: str, kind: str, cells: list[str | None]) -> None:
            rows.append({"label": label, "kind": kind, "cells": [NOT_DEFINED if x is None else x for x in cells]})

        runs = comp.runs
        row(self._("Participants"), "count", [self.lang.integer(int(r.participants[0])) for r in runs])
        row(self._("Outcome payments, VAT excluded"), "money", [self.money(int(r.outcome_payments[0])) for r in runs])
        for k, payer in enumerate(self.c.payers):
            row(
                self._("%(party)s: cost (outcome payments, VAT and fees)", party=payer.name),
                "money",
                [self.money(int(r.payers[k].paid[0] + r.payers[k].vat[0] + r.payers[k].fees[0])) for r in runs],
            )
            row(
                self._("%(party)s: cost per outcome", party=payer.name),
                "money",
                [self.lang.average_money(float(r.payers[k].cost_per_outcome[0]), self.c.currency) for r in runs],
            )
        for j, t in enumerate(self.c.tranches):
            label = self.tranche(t.id)
            row(
                self._("%(tranche)s: IRR a year", tranche=label),
                "rate",
                [self.lang.rate(float(r.tranches[j].irr[0])) for r in runs],
            )
            row(
                self._("%(tranche)s: multiple", tranche=label),
                "multiple",
                [self.lang.multiple(float(r.tranches[j].multiple[0])) for r in runs],
            )
            row(
                self._("%(tranche)s: loss", tranche=label),
                "money",
                [self.money(int(r.tranches[j].loss[0])) for r in runs],
            )
            if any(int(r.tranches[j].interest_unpaid[0]) for r in runs):
                row(
                    self._("%(tranche)s: interest still due at the end, not paid", tranche=label),
                    "money",
                    [self.money(int(r.tranches[j].interest_unpaid[0])) for r in runs],
                )
        for g, guarantee in enumerate(self.c.guarantees):
            paid_to = [[int(x[0]) for _, x in r.guarantees[g].paid_to] for r in runs]
            for position, tranche in enumerate(guarantee.covers):
                row(
                    self._(
                        "Guarantee %(guarantee)s (%(guarantor)s): paid to %(tranche)s",
                        guarantee=guarantee.id,
                        guarantor=self.name(guarantee.guarantor),
                        tranche=self.tranche(tranche),
                    ),
                    "money",
                    [self.money(cells[position]) for cells in paid_to],
                )
        for f, fee in enumerate(self.c.fees):
            if any(int(r.fees[f].unpaid[0]) for r in runs):
                row(
                    self._("Fee %(fee)s: still due at the end, not paid", fee=fee.id),
                    "money",
                    [self.money(int(r.fees[f].unpaid[0])) for r in runs],
                )
        for p, prov in enumerate(self.c.providers):
            row(
                self._("%(party)s: margin", party=prov.name),
                "money",
                [self.money(int(r.providers[p].margin[0])) for r in runs],
            )
        descriptions = []
        for sc in comp.scenarios:
            text = _squash(sc.description) or self._("no description")
            if sc.probability is not None:
                text = self._(
                    "%(description)s (weight %(probability)s)",
                    description=text,
                    probability=self.lang.percent(sc.probability),
                )
            descriptions.append(self._("%(scenario)s: %(description)s", scenario=sc.name, description=text))
        return {
            "missing": ""
            if comp.named
            else self._(
                "The contract defines no scenarios; the table shows the case where every participant achieves "
                "every outcome."
            ),
            "columns": [sc.name for sc in comp.scenarios],
            "rows": rows,
            "table": [[r["label"], *r["cells"]] for r in rows],
            "descriptions": descriptions,
        }

    def chart(self) -> dict[str, Any]:
        comp = self.computed
        lo, hi = comp.sweep_levels[0], comp.sweep_levels[-1]
        lines = []
        for b in comp.break_even:
            if b.what not in _BREAK_EVEN:
                continue
            who = self.tranche(b.party) if b.what == "principal_back" else self.name(b.party)
            event = self.lang.translate(_BREAK_EVEN[b.what], party=who)
            if b.method == "never":
                text = self._(
                    "%(event)s at no level from %(low)s to %(high)s.",
                    event=event,
                    low=self._level(float(lo)),
                    high=self._level(float(hi)),
                )
            elif b.method == "start":
                text = self._("%(event)s already at %(level)s.", event=event, level=self._level(float(lo)))
            elif b.method == "interpolated":
                text = self._("%(event)s from about %(level)s.", event=event, level=self._level(b.level or 0.0))
            else:
                text = self._("%(event)s from %(level)s.", event=event, level=self._level(b.level or 0.0))
            lines.append(text)
        svg = _svg_text(chart_image(self.c, self.lang, comp, "payoff", "svg"))
        return {
            "kind": "payoff",
            "intro": self._(
                "The chart scales every success rate of the scenario '%(scenario)s' from %(low)s to %(high)s "
                "(%(count)s levels): above, what each payer pays and each provider keeps; below, each tranche's IRR.",
                scenario=comp.chart_scenario.name,
                low=self._level(float(lo)),
                high=self._level(float(hi)),
                count=self.lang.integer(len(comp.sweep_levels)),
            ),
            "alt": self._("Payoff chart of %(contract)s", contract=self.c.name),
            "svg": Markup(svg),
            "data_uri": "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii"),
            "break_even": lines,
        }

    def cash_chart(self) -> dict[str, Any]:
        comp = self.computed
        svg = _svg_text(chart_image(self.c, self.lang, comp, "cash", "svg"))
        return {
            "kind": "cash",
            "intro": self._(
                "Cumulative cash of every party, month by month, in the scenario '%(scenario)s': what the payers "
                "have paid, what each provider has received less what it has spent, and each tranche's money "
                "out and back.",
                scenario=comp.chart_scenario.name,
            ),
            "alt": self._("Cash over time of %(contract)s", contract=self.c.name),
            "svg": Markup(svg),
            "data_uri": "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii"),
        }

    def _level(self, level: float) -> str:
        return self.lang.decimal(Decimal(f"{level:.3f}")) + "×"

    def simulation(self) -> dict[str, Any]:
        s = self.computed.simulation
        if s is None:
            return {
                "ran": False,
                "missing": self._(
                    "No Monte Carlo simulation was run for this term sheet; ask for one with a number of scenarios."
                ),
            }
        cur = self.c.currency
        payers = [
            [
                self.name(p.id),
                self.lang.average_money(p.expected, cur) or NOT_DEFINED,
                self.lang.average_money(p.p50, cur) or NOT_DEFINED,
                self.lang.average_money(p.p95, cur) or NOT_DEFINED,
                self.money(p.maximum),
                NOT_DEFINED if p.chance_over_budget is None else self.lang.rate(p.chance_over_budget) or NOT_DEFINED,
            ]
            for p in s.payers
        ]
        providers = [
            [
                self.name(p.id),
                self.lang.average_money(p.expected_margin, cur) or NOT_DEFINED,
                self.lang.rate(p.chance_below_zero) or NOT_DEFINED,
                self.lang.rate(p.chance_below_minimum) or NOT_DEFINED,
                self.lang.average_money(p.lowest_cash_p5, cur) or NOT_DEFINED,
            ]
            for p in s.providers
        ]
        tranches = [
            [
                self.tranche(t.id),
                self.lang.rate(t.chance_of_loss) or NOT_DEFINED,
                self.lang.average_money(t.expected_loss, cur) or NOT_DEFINED,
                self.lang.rate(t.irr_p5) or NOT_DEFINED,
                self.lang.rate(t.irr_p50) or NOT_DEFINED,
                self.lang.rate(t.irr_p95) or NOT_DEFINED,
            ]
            for t in s.tranches
        ]
        basis = (
            self._("The success rates vary within the ranges of the contract's uncertainty model.")
            if self.c.uncertainty is not None
            else self._(
                "The contract has no uncertainty model: only chance varies which participants achieve each outcome."
            )
        )
        return {
            "ran": True,
            "intro": self.lang.ngettext(
                "%(count)s scenario drawn at random (seed %(seed)s).",
                "%(count)s scenarios drawn at random (seed %(seed)s).",
                s.n,
                count=self.lang.integer(s.n),
                seed=str(s.seed),
            ),
            "basis": basis,
            "payers": payers,
            "providers": providers,
            "tranches": tranches,
            "tranches_missing": ""
            if tranches
            else self._("The contract has no tranches: no investor returns to show."),
            "chart": self.distribution_chart(),
        }

    def distribution_chart(self) -> dict[str, Any]:
        svg = _svg_text(chart_image(self.c, self.lang, self.computed, "distribution", "svg"))
        return {
            "kind": "distribution",
            "alt": self._("Distribution of what the payers pay, %(contract)s", contract=self.c.name),
            "svg": Markup(svg),
            "data_uri": "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii"),
        }

    def findings(self) -> dict[str, Any]:
        code = self.lang.code
        items = [
            {
                "title": f.title(code),
                "severity": _label(self.lang, _SEVERITY, f.severity),
                "code": f.code,
                "explanation": f.explanation(code),
                "mitigation": f.mitigation(code),
                "path": f.path,
            }
            for f in self.computed.findings
        ]
        return {"items": items, "missing": "" if items else self._("The checks found no perverse incentives.")}

    def risks(self) -> list[str]:
        c = self.c
        out = []
        mx = self.computed.maximum
        if mx.total is None:
            out.append(
                self._(
                    "The outcome payers pay only for verified outcomes; the contract sets no overall limit, because a "
                    "rule without a natural maximum is not capped."
                )
            )
        else:
            out.append(
                self._(
                    "The outcome payers pay only for verified outcomes, at most %(amount)s in all (the maximum "
                    "potential outcome payment).",
                    amount=self.money(mx.total),
                )
            )
        for prov in c.providers:
            if prov.prefinances_own_costs:
                out.append(
                    self._(
                        "%(provider)s pre-finances its costs (%(cost)s per participant and %(fixed)s a month) from a "
                        "buffer of %(buffer)s and is paid only for verified results: when outcomes fall short, it "
                        "bears the loss.",
                        provider=prov.name,
                        cost=self.money(prov.cost_per_participant),
                        fixed=self.money(prov.fixed_cost_monthly),
                        buffer=self.money(prov.buffer),
                    )
                )
            else:
                out.append(
                    self._(
                        "The investors' capital pays the costs of %(provider)s as they fall due: it carries no "
                        "working-capital risk.",
                        provider=prov.name,
                    )
                )
        order: list[list[str]] = []
        seen: set[str] = set()
        for step in c.waterfall:
            if isinstance(step, PrincipalStep):
                group = [t for t in step.tranches if t not in seen]
                seen.update(group)
                if group:
                    order.append(group)
        if order:
            lose_first = [_join([self.tranche(t) for t in group]) for group in reversed(order)]
            if len(lose_first) == 1:
                out.append(
                    self._(
                        "Outcome payments repay the principal of %(tranches)s; when they fall short, its investors "
                        "bear the loss.",
                        tranches=lose_first[0],
                    )
                )
            else:
                out.append(
                    self._(
                        "Outcome payments repay principal in the priority of payments; when they fall short, the "
                        "tranches repaid last lose first: %(order)s.",
                        order=self._(", then ").join(lose_first),
                    )
                )
        for t in c.tranches:
            if isinstance(t, Grant):
                out.append(
                    self._(
                        "The grant %(tranche)s of %(amount)s is never repaid: its funder gives it up in full.",
                        tranche=self.tranche(t.id),
                        amount=self.money(t.commitment),
                    )
                )
            elif isinstance(t, RecoverableGrant):
                out.append(
                    self._(
                        "The recoverable grant %(tranche)s is repaid only from upside, without interest.",
                        tranche=self.tranche(t.id),
                    )
                )
            elif isinstance(t, DeferredFee):
                out.append(
                    self._(
                        "%(party)s defers up to %(amount)s of its fees and is paid them only from outcome payments: "
                        "it bears that part of the risk.",
                        party=self.name(t.investor),
                        amount=self.money(t.commitment),
                    )
                )
        out.extend(self._guarantee(g) for g in c.guarantees)
        for step in c.waterfall:
            if isinstance(step, ResidualStep):
                out.append(
                    self._(
                        "Upside, what is left after the steps before it, goes %(shares)s.",
                        shares=self._residual(step),
                    )
                )
        if c.caps:
            out.append(
                self._("Outcomes achieved after a cap is reached are not paid: whoever funded their cost bears it.")
            )
        return out

    def _guarantee(self, g: Guarantee) -> str:
        return self._(
            "%(guarantee)s, a %(kind)s from %(guarantor)s, pays %(coverage)s of the principal shortfall of "
            "%(tranches)s at the end of the term, up to %(amount)s: %(guarantor)s bears that part of the loss "
            "before the investors do.",
            guarantee=g.id,
            kind=_label(self.lang, _GUARANTEE_KIND, g.kind),
            guarantor=self.name(g.guarantor),
            coverage=self.lang.percent(g.coverage),
            tranches=_join([self.tranche(t) for t in g.covers]),
            amount=self.money(g.amount),
        )

    def annex(self) -> dict[str, Any]:
        sources = {s.id: s for s in self.c.sources}
        rows = []
        for path, item, prov in _provenance(self.c, "", ""):
            if prov.source is not None:
                src = sources.get(prov.source)
                title = src.title if src else prov.source
                detail = (
                    self._("%(title)s [%(source)s], %(locator)s", title=title, source=prov.source, locator=prov.locator)
                    if prov.locator
                    else self._("%(title)s [%(source)s]", title=title, source=prov.source)
                )
                rows.append([path, item or self._("the contract"), self._("source"), detail])
            else:
                rows.append(
                    [
                        path,
                        item or self._("the contract"),
                        self._("assumption"),
                        _squash(prov.assumption or ""),
                    ]
                )
        source_rows = [
            [s.id, s.title, s.author or NOT_DEFINED, s.date or NOT_DEFINED, s.url or NOT_DEFINED]
            for s in self.c.sources
        ]
        return {
            "sources": source_rows,
            "sources_missing": "" if source_rows else self._("The contract lists no sources."),
            "provenance": rows,
            "provenance_missing": ""
            if rows
            else self._("The contract records no source or assumption for any of its numbers."),
        }

    def glossary(self) -> list[list[str]]:
        if self.lang.code == "nl":
            return [[nl, en] for nl, en in sorted(GLOSSARY, key=lambda p: _sort_key(p[0]))]
        return [[en, nl] for nl, en in sorted(GLOSSARY, key=lambda p: _sort_key(p[1]))]

    def build(self) -> dict[str, Any]:
        return {
            "lang": self.lang.code,
            "header": self.header(),
            "parties": self.parties(),
            "purpose": self.purpose(),
            "population": self.population(),
            "timeline": self.timeline(),
            "metrics": self.metrics(),
            "payment": self.payment(),
            "evaluation": self.evaluation(),
            "financing": self.financing(),
            "fees": self.fees(),
            "scenarios": self.scenarios(),
            "chart": self.chart(),
            "cash_chart": self.cash_chart(),
            "simulation": self.simulation(),
            "findings": self.findings(),
            "risks": self.risks(),
            "open_items": [self.lang.translate(item) for item in _OPEN_ITEMS],
            "annex": self.annex(),
            "glossary": self.glossary(),
            "not_defined": NOT_DEFINED,
        }


def _provenance(obj: object, path: str, item: str) -> Iterator[tuple[str, str, Provenance]]:
    """Every provenance entry under ``obj``: (field path, name of the object it belongs to, provenance)."""
    if attrs.has(type(obj)):
        own = getattr(obj, "name", None) if not isinstance(obj, Contract) else None
        if not isinstance(own, str) or not own:
            ident = getattr(obj, "id", None)
            own = ident if isinstance(ident, str) else None
        here = own or item
        for a in attrs.fields(cast("type[attrs.AttrsInstance]", type(obj))):
            value = getattr(obj, a.name)
            if a.name == "provenance" and isinstance(value, dict):
                for key, prov in value.items():
                    yield (f"{path}.{key}" if path else key), here, prov
            else:
                yield from _provenance(value, f"{path}.{a.name}" if path else a.name, here)
    elif isinstance(obj, tuple):
        for i, element in enumerate(obj):
            yield from _provenance(element, f"{path}[{i}]", item)


def compute(contract: Contract, simulate_n: int | None) -> Computed:
    """Run the engine for a term sheet: one run per named scenario, the payoff sweep, the checks and, with
    ``simulate_n`` scenarios, Monte Carlo. Every output format (Markdown, HTML, Word, PDF) renders from it."""
    maximum = maximum_payment(contract)
    named = bool(contract.scenarios)
    scenarios = contract.scenarios if named else (default_scenario(contract),)
    runs = tuple(run(contract, sc, maximum=maximum) for sc in scenarios)
    levels = parse_range(CHART_LEVELS)
    chart_scenario = default_scenario(contract)
    swept = sweep(contract, levels, chart_scenario, maximum=maximum)
    simulation = None
    simulated_costs = None
    if simulate_n is not None:
        sim = simulate(contract, simulate_n, SIMULATION_SEED, workers=1)
        simulation = summarise(contract, sim)
        simulated_costs = sum(
            (np.asarray(sim.metrics[f"payer:{p.id}:cost"], dtype=np.int64) for p in contract.payers),
            np.zeros(simulate_n, dtype=np.int64),
        )
    return Computed(
        maximum=maximum,
        scenarios=tuple(scenarios),
        named=named,
        runs=runs,
        sweep_levels=levels,
        chart_scenario=chart_scenario,
        sweep=swept,
        findings=run_checks(contract, maximum=maximum),
        simulation=simulation,
        simulated_costs=simulated_costs,
    )


def chart_labels(lang: Language) -> dict[str, str]:
    """Every text of the charts (``charts.LABELS``) in ``lang``: for ``labels=`` of the chart functions."""
    return {key: lang.translations.gettext(text) for key, text in _CHART_LABELS.items()}


def chart_image(contract: Contract, lang: Language, comp: Computed, kind: str, fmt: charts.ChartFormat) -> bytes:
    """One of the term sheet's charts (``payoff``, ``cash`` or ``distribution``) as image bytes, labels and
    numbers in ``lang`` (the chart functions show the contract's name as written)."""
    labels = chart_labels(lang)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph .* missing from")
        if kind == "payoff":
            return charts.payoff_chart(comp.sweep, contract, fmt, labels=labels, locale=lang.locale)
        if kind == "cash":
            index = next(i for i, s in enumerate(comp.scenarios) if s.name == comp.chart_scenario.name)
            return charts.waterfall_chart(comp.runs[index], contract, 0, fmt, labels=labels, locale=lang.locale)
        assert kind == "distribution" and comp.simulated_costs is not None
        return charts.distribution_chart(comp.simulated_costs, contract, fmt, labels=labels, locale=lang.locale)


def _svg_text(data: bytes) -> str:
    """SVG to place inline: no XML prologue, no doctype, no metadata."""
    svg = data.decode("utf-8")
    svg = re.sub(r"\A<\?xml[^>]*\?>\s*", "", svg)
    svg = re.sub(r"\A<!DOCTYPE[^>]*>\s*", "", svg)
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, count=1, flags=re.DOTALL)
    return svg.strip()


def termsheet_view(
    contract: Contract,
    lang: str,
    *,
    today: dt.date | None = None,
    simulate_n: int | None = None,
    computed: Computed | None = None,
) -> dict[str, Any]:
    """The term sheet of ``contract`` in ``lang`` (``nl`` or ``en``) as plain data for the templates.

    Every value is text, already formatted and translated (amounts in the language's money format,
    shares as percentages, dates written out), in lists and dicts; the chart is SVG text. ``today``
    is the date the term sheet shows (default: the current date; pass one for reproducible output).
    With ``simulate_n``, a Monte Carlo summary of that many scenarios (seed 0, one process) is
    included. ``computed``: the engine results of ``compute(contract, simulate_n)`` when the caller
    already has them (the Word document draws its pictures from the same results); ``simulate_n`` is
    then not used. Raises ``ValueError`` for an unknown language or a ``simulate_n`` below 1.
    """
    language = Language(lang)
    if simulate_n is not None and simulate_n < 1:
        raise ValueError(f"the number of Monte Carlo scenarios must be at least 1, got {simulate_n}")
    if computed is None:
        computed = compute(contract, simulate_n)
    return _View(contract, language, today or dt.date.today(), computed).build()


# -- rendering -----------------------------------------------------------------------------------------
def _clean(text: str) -> str:
    """Control characters (other than tab and newline) replaced by U+FFFD: they are not text in either format."""
    return CONTROL_CHARACTERS.sub("\ufffd", text.replace("\r\n", "\n").replace("\r", "\n"))


def _escape_markdown(value: object) -> str:
    if isinstance(value, Markup):
        return value
    return markdown_escape(_clean(str(value)))


def _escape_html(value: object) -> str:
    if isinstance(value, Markup):
        return value
    return str(escape(_clean(str(value))))


def _oneline(value: object) -> str:
    """Every run of whitespace (newlines included) as one space: a table cell or list item stays on its line."""
    if isinstance(value, Markup):
        return Markup(_squash(value))
    return _squash(str(value))


def termsheet_environment(fmt: str, lang: str) -> Environment:
    """The Jinja environment for ``fmt`` (``md`` or ``html``) in ``lang``, with ``_``/``gettext``/``ngettext``.

    Every template rendered in it is escaped for ``fmt``, whatever its file name: values with
    ``StrictUndefined`` (a misspelt name is an error), HTML by autoescaping, Markdown by a
    ``finalize`` that escapes Markdown syntax and HTML and marks the result safe. The translated
    messages and each value filled into them are escaped the same way.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}")
    language = Language(lang)
    esc: Callable[[object], str] = _escape_markdown if fmt == "md" else _escape_html

    def finalize(value: Any) -> Any:
        return Markup(esc(value))

    env = Environment(
        loader=FileSystemLoader(templates_dir()),
        undefined=StrictUndefined,
        autoescape=True,
        finalize=finalize if fmt == "md" else None,
        extensions=["jinja2.ext.i18n"],
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )

    def gettext(message: str, **variables: object) -> Markup:
        return Markup(interpolate(language.translations.gettext(message), variables, esc))

    def ngettext(singular: str, plural: str, n: int, **variables: object) -> Markup:
        text = language.translations.ngettext(singular, plural, n)
        return Markup(interpolate(text, {"num": n, **variables}, esc))

    env.install_gettext_callables(gettext, ngettext, newstyle=False)  # type: ignore[attr-defined]
    env.filters["oneline"] = _oneline
    return env


def render_view(view: dict[str, Any], fmt: str) -> str:
    """The term sheet of a ``termsheet_view`` as Markdown (``md``) or standalone HTML (``html``)."""
    env = termsheet_environment(fmt, view["lang"])
    return env.get_template(_TEMPLATES[fmt]).render(v=view, fmt=fmt)


def render_termsheet(contract: Contract, lang: str, fmt: str, *, today: dt.date, simulate_n: int | None = None) -> str:
    """The term sheet of ``contract`` in ``lang`` (``nl``, ``en``) as ``fmt`` (``md``, ``html``) text.

    ``today`` is the date shown in the header; ``simulate_n`` adds a Monte Carlo summary of that
    many scenarios. Raises ``ValueError`` for an unknown language or format.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}")
    return render_view(termsheet_view(contract, lang, today=today, simulate_n=simulate_n), fmt)


def write_termsheet(path: str | Path, text: str, *, overwrite: bool = False) -> None:
    """Write a rendered term sheet to ``path`` atomically (UTF-8): the old file or the new one, never a part.

    Refuses to replace an existing file unless ``overwrite`` (``FileExistsError``, the file untouched).
    """
    write_text_atomic(Path(path), text, overwrite=overwrite)
