"""Volume overrun: enrolment and results far beyond plan commit the payer to more than its budget."""

from __future__ import annotations

from decimal import Decimal

import attrs

from sibkit.checks import register
from sibkit.checks.context import Context
from sibkit.checks.finding import Clause, Finding, Message, messages, money
from sibkit.engine.maximum import MaximumPayment, maximum_payment
from sibkit.i18n import N_, Count, Fact, Share, Word
from sibkit.model import Contract, EnrolmentPlan, OutcomePayer
from sibkit.money import allocate, round_half_up

__all__ = ["volume_overrun"]

CODE = "SIB-VOLUME-001"


_CAP = (
    Clause(N_(" The cap of %(cap)s that applies is above the budget.")),
    Clause(N_(" No cap holds payments to the budget."), unless="cap"),
)
_VAT = Clause(N_(" (VAT included)"), when="vat_rate")
messages(
    CODE,
    {
        "unbounded": Message(
            title=N_("%(payer)s's payments have no maximum; its budget is %(budget)s"),
            explanation=(
                N_(
                    "%(payer)s has %(budget)s (%(source)s), but some payments grow with results without limit (a "
                    "share of savings, payment per day or per repeat without a maximum, a cohort rule without a "
                    "maximum)."
                ),
                *_CAP,
                N_(
                    " If results or enrolment are far above plan, the payer owes more than it reserved, or the "
                    "money runs out and providers are not paid."
                ),
            ),
            mitigation=N_(
                "Add a payer cap of %(budget)s for %(payer)s (or a contract cap), and a maximum per participant on "
                "open-ended payments."
            ),
        ),
        "over": Message(
            title=N_("%(payer)s may owe %(maximum)s, more than its %(budget)s"),
            explanation=(
                N_("If all %(planned)d participants reach every result, %(payer)s pays %(maximum)s"),
                _VAT,
                N_(": %(excess)s more than %(source)s of %(budget)s."),
                *_CAP,
                N_(
                    " Better results than expected are the point of the contract, yet they would leave the payer "
                    "short, or the fund empty before the last providers are paid."
                ),
            ),
            mitigation=N_(
                "Add a payer cap of %(budget)s for %(payer)s, raise the budget to %(maximum)s, or limit referrals "
                "to %(fits)d participants (population.maximum_participants)."
            ),
        ),
        "capacity": Message(
            title=N_("Enrolment up to capacity would take %(payer)s over its %(budget)s"),
            explanation=(
                N_("At the planned %(planned)d participants the most %(payer)s can pay is %(maximum)s"),
                _VAT,
                N_(
                    ", within %(source)s of %(budget)s. But the providers can take %(capacity)d participants and "
                    "nothing in the contract stops them: at that volume the maximum rises "
                ),
                Clause(N_("to %(capacity_maximum)s")),
                Clause(_VAT.text, when=("capacity_maximum", "vat_rate")),
                Clause(N_("without limit"), unless="capacity_maximum"),
                ".",
                *_CAP,
                N_(" Providers paid per result have every reason to enrol more people than planned."),
            ),
            mitigation=N_(
                "Limit referrals to %(fits)d participants (population.maximum_participants), or add a payer cap "
                "of %(budget)s for %(payer)s."
            ),
        ),
    },
)


def _budget(payer: OutcomePayer) -> tuple[int, str] | None:
    """The most the payer can pay: its budget, or what its contributors committed (the lower of the two)."""
    options: list[tuple[int, str]] = []
    if payer.budget is not None:
        options.append((payer.budget, N_("its budget")))
    if payer.contributors:
        committed = sum(c.commitment for c in payer.contributors)
        options.append((committed, N_("what its contributors committed")))
    return min(options, key=lambda o: o[0]) if options else None


def _budget_facts(contract: Contract, payer: OutcomePayer, budget: int, source: str) -> dict[str, Fact]:
    """The payer, its budget and where the budget comes from, the lowest cap that applies (if any) and the
    VAT rate (if any)."""
    caps = [c.money for c in contract.caps if c.level == "payer" and c.target == payer.id]
    caps += [c.money for c in contract.caps if c.level == "contract"]
    cur = contract.currency
    facts: dict[str, Fact] = {"payer": payer.name, "budget": money(budget, cur), "source": Word(source)}
    if caps:
        facts["cap"] = money(min(caps), cur)
    if contract.vat_rate:
        facts["vat_rate"] = Share(contract.vat_rate)
    return facts


def _with_vat(contract: Contract, cents: int) -> int:
    num, den = contract.vat_rate.as_integer_ratio()
    return cents + round_half_up(cents * num, den)


def _at_volume(contract: Contract, volume: int) -> Contract:
    """The contract with ``volume`` participants enrolled in all, shared by the providers in proportion to
    their capacity, each in the months of its own plan."""
    window = contract.timeline.enrolment_months
    providers = []
    shares = allocate(volume, [p.capacity for p in contract.providers])
    for prov, total in zip(contract.providers, shares, strict=True):
        months = list(prov.enrolment.per_month()[:window])
        if sum(months) == 0:
            plan = EnrolmentPlan(total=total, months=window)
        else:
            plan = EnrolmentPlan(monthly=tuple(allocate(total, months)))
        providers.append(attrs.evolve(prov, enrolment=plan, capacity=max(prov.capacity, total)))
    return attrs.evolve(contract, providers=tuple(providers))


@register(CODE, "volume_overrun")
def volume_overrun(contract: Contract, context: Context, *, tolerance: Decimal = Decimal(0)) -> list[Finding]:
    """Compare each payer's maximum potential payment (VAT included) with its budget, or with what the
    contributors of a pooled fund committed.

    An error when the maximum at planned enrolment exceeds the budget by more than ``tolerance`` (a
    fraction of the budget, default 0), or has no limit at all, and no cap holds it to the budget; a
    warning when only enrolment up to the providers' capacity (within ``population.maximum_participants``)
    would push it over.
    """
    out: list[Finding] = []
    planned = sum(p.enrolment.participants for p in contract.providers)
    referral_limit = contract.population.maximum_participants
    maximum = context.maximum
    if referral_limit is not None and referral_limit < planned:  # the plan cannot be fully referred
        planned = referral_limit
        maximum = maximum_payment(_at_volume(contract, planned))
    volume = sum(p.capacity for p in contract.providers)
    if referral_limit is not None:
        volume = min(volume, referral_limit)
    at_capacity: MaximumPayment | None = None  # computed once, when needed

    for k, payer in enumerate(contract.payers):
        found = _budget(payer)
        if found is None:
            continue
        budget, source = found
        limit = Decimal(budget) * (1 + tolerance)
        most = maximum.by_payer.get(payer.id)
        cur = contract.currency
        facts = _budget_facts(contract, payer, budget, source)
        path = f"$.payers[{k}].budget" if payer.budget is not None else f"$.payers[{k}].contributors"
        if most is None:
            out.append(Finding(code=CODE, kind="unbounded", severity="error", path=path, facts=facts))
            continue
        top = _with_vat(contract, most)
        per_person = Decimal(top) / planned if planned else Decimal(0)
        facts |= {
            "maximum": money(top, cur),
            "planned": Count(planned),
            "fits": Count(int(Decimal(budget) / per_person) if per_person else 0),
        }
        if top > limit:
            facts["excess"] = money(top - budget, cur)
            out.append(Finding(code=CODE, kind="over", severity="error", path=path, facts=facts))
            continue
        if volume <= planned:
            continue
        if at_capacity is None:
            at_capacity = maximum_payment(_at_volume(contract, volume))
        full = at_capacity.by_payer.get(payer.id)
        full_top = None if full is None else _with_vat(contract, full)
        if full_top is not None and full_top <= limit:
            continue
        facts["capacity"] = Count(volume)
        if full_top is not None:
            facts["capacity_maximum"] = money(full_top, cur)
        out.append(Finding(code=CODE, kind="capacity", severity="warning", path=path, facts=facts))
    return out
