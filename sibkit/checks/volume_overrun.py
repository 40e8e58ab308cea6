"""Volume overrun: enrolment and results far beyond plan commit the payer to more than its budget."""

from __future__ import annotations

from decimal import Decimal

import attrs

from sibkit.checks import register
from sibkit.checks.context import Context
from sibkit.checks.finding import Finding, amount_text
from sibkit.engine.maximum import MaximumPayment, maximum_payment
from sibkit.model import Contract, EnrolmentPlan, OutcomePayer
from sibkit.money import allocate, round_half_up

__all__ = ["volume_overrun"]

CODE = "SIB-VOLUME-001"


def _budget(payer: OutcomePayer) -> tuple[int, str, str] | None:
    """The most the payer can pay: its budget, or what its contributors committed (the lower of the two)."""
    options: list[tuple[int, str, str]] = []
    if payer.budget is not None:
        options.append((payer.budget, "its budget", "het budget"))
    if payer.contributors:
        committed = sum(c.commitment for c in payer.contributors)
        options.append((committed, "what its contributors committed", "wat de deelnemers in het fonds toezegden"))
    return min(options, key=lambda o: o[0]) if options else None


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

    def money(cents: int) -> str:
        return amount_text(cents, contract.currency, "en")

    def money_nl(cents: int) -> str:
        return amount_text(cents, contract.currency, "nl")

    for k, payer in enumerate(contract.payers):
        found = _budget(payer)
        if found is None:
            continue
        budget, source_en, source_nl = found
        limit = Decimal(budget) * (1 + tolerance)
        caps = [c.amount for c in contract.caps if c.level == "payer" and c.target == payer.id]
        caps += [c.amount for c in contract.caps if c.level == "contract"]
        most = maximum.by_payer.get(payer.id)
        cap_en = cap_nl = ""
        if caps:
            cap_en = f" The cap of {money(min(caps))} that applies is above the budget."
            cap_nl = f" Het plafond van {money_nl(min(caps))} dat geldt, ligt boven het budget."
        else:
            cap_en = " No cap holds payments to the budget."
            cap_nl = " Geen plafond houdt de betalingen binnen het budget."
        vat = " (VAT included)" if contract.vat_rate else ""
        vat_nl = " (inclusief btw)" if contract.vat_rate else ""
        path = f"$.payers[{k}].budget" if payer.budget is not None else f"$.payers[{k}].contributors"
        if most is None:
            out.append(
                Finding(
                    code=CODE,
                    severity="error",
                    title_en=f"{payer.name}'s payments have no maximum; its budget is {money(budget)}",
                    title_nl=f"De betalingen van {payer.name} hebben geen maximum; het budget is {money_nl(budget)}",
                    explanation_en=(
                        f"{payer.name} has {money(budget)} ({source_en}), but some payments grow with results "
                        "without limit (a share of savings, payment per day or per repeat without a maximum, a "
                        f"cohort rule without a maximum).{cap_en} If results or enrolment are far above plan, the "
                        "payer owes more than it reserved, or the money runs out and providers are not paid."
                    ),
                    explanation_nl=(
                        f"{payer.name} heeft {money_nl(budget)} ({source_nl}), maar sommige betalingen groeien "
                        "onbeperkt mee met het resultaat (een deel van de besparing, betaling per dag of per "
                        f"herhaling zonder maximum, een cohortregel zonder maximum).{cap_nl} Zijn resultaten of "
                        "instroom veel hoger dan gepland, dan is de betaler meer verschuldigd dan gereserveerd, of "
                        "raakt het geld op en worden aanbieders niet betaald."
                    ),
                    mitigation_en=(
                        f"Add a payer cap of {money(budget)} for {payer.name} (or a contract cap), and a maximum "
                        "per participant on open-ended payments."
                    ),
                    mitigation_nl=(
                        f"Leg een plafond van {money_nl(budget)} vast voor {payer.name} (of voor het hele contract), "
                        "en een maximum per deelnemer voor betalingen zonder bovengrens."
                    ),
                    path=path,
                )
            )
            continue
        top = _with_vat(contract, most)
        per_person = Decimal(top) / planned if planned else Decimal(0)
        if top > limit:
            fits = int(Decimal(budget) / per_person) if per_person else 0
            out.append(
                Finding(
                    code=CODE,
                    severity="error",
                    title_en=f"{payer.name} may owe {money(top)}, more than its {money(budget)}",
                    title_nl=f"{payer.name} kan {money_nl(top)} verschuldigd zijn, meer dan de {money_nl(budget)}",
                    explanation_en=(
                        f"If all {planned} participants reach every result, {payer.name} pays {money(top)}"
                        f"{vat}: {money(top - budget)} more than {source_en} of {money(budget)}.{cap_en} Better "
                        "results than expected are the point of the contract, yet they would leave the payer "
                        "short, or the fund empty before the last providers are paid."
                    ),
                    explanation_nl=(
                        f"Als alle {planned} deelnemers elk resultaat halen, betaalt {payer.name} "
                        f"{money_nl(top)}{vat_nl}: {money_nl(top - budget)} meer dan {source_nl} van "
                        f"{money_nl(budget)}.{cap_nl} Betere resultaten dan verwacht zijn het doel van het "
                        "contract, maar dan komt de betaler tekort, of is het fonds leeg voordat de laatste "
                        "aanbieders betaald zijn."
                    ),
                    mitigation_en=(
                        f"Add a payer cap of {money(budget)} for {payer.name}, raise the budget to {money(top)}, or "
                        f"limit referrals to {fits} participants (population.maximum_participants)."
                    ),
                    mitigation_nl=(
                        f"Leg een plafond van {money_nl(budget)} vast voor {payer.name}, verhoog het budget tot "
                        f"{money_nl(top)}, of beperk de instroom tot {fits} deelnemers "
                        "(population.maximum_participants)."
                    ),
                    path=path,
                )
            )
            continue
        if volume <= planned:
            continue
        if at_capacity is None:
            at_capacity = maximum_payment(_at_volume(contract, volume))
        full = at_capacity.by_payer.get(payer.id)
        full_top = None if full is None else _with_vat(contract, full)
        if full_top is not None and full_top <= limit:
            continue
        fits = int(Decimal(budget) / per_person) if per_person else 0
        over_en = "without limit" if full_top is None else f"to {money(full_top)}{vat}"
        over_nl = "onbeperkt" if full_top is None else f"tot {money_nl(full_top)}{vat_nl}"
        out.append(
            Finding(
                code=CODE,
                severity="warning",
                title_en=f"Enrolment up to capacity would take {payer.name} over its {money(budget)}",
                title_nl=f"Instroom tot de capaciteit brengt {payer.name} boven de {money_nl(budget)}",
                explanation_en=(
                    f"At the planned {planned} participants the most {payer.name} can pay is {money(top)}{vat}, "
                    f"within {source_en} of {money(budget)}. But the providers can take {volume} participants and "
                    f"nothing in the contract stops them: at that volume the maximum rises {over_en}.{cap_en} "
                    "Providers paid per result have every reason to enrol more people than planned."
                ),
                explanation_nl=(
                    f"Bij de geplande {planned} deelnemers betaalt {payer.name} hoogstens {money_nl(top)}{vat_nl}, "
                    f"binnen {source_nl} van {money_nl(budget)}. Maar de aanbieders kunnen {volume} deelnemers "
                    f"aannemen en niets in het contract houdt ze tegen: dan stijgt het maximum {over_nl}.{cap_nl} "
                    "Aanbieders die per resultaat betaald worden, hebben alle reden om meer mensen te laten "
                    "instromen dan gepland."
                ),
                mitigation_en=(
                    f"Limit referrals to {fits} participants (population.maximum_participants), or add a payer "
                    f"cap of {money(budget)} for {payer.name}."
                ),
                mitigation_nl=(
                    f"Beperk de instroom tot {fits} deelnemers (population.maximum_participants), of leg een "
                    f"plafond van {money_nl(budget)} vast voor {payer.name}."
                ),
                path=path,
            )
        )
    return out
