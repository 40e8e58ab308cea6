"""The capital structure: tranches, guarantees and fees.

A tranche is money put in up front and repaid (or not) from outcome payments
through the priority of payments. In a file each tranche is a table with
``type`` naming its kind: ``loan``, ``equity``, ``recoverable_grant``,
``grant`` or ``deferred_fee``. The order of payment is set by the ``waterfall``
steps; ``seniority`` (1 = most senior) states the rank for readers, orders the
tranches a guarantee covers, and defines the "senior investors" of the
break-even success level.

A deferred fee is work a provider or intermediary does without being paid at the
time: "drawing" it means the fee it earns that month is converted into a claim
repaid through the waterfall (in the ledger it moves from the deferring party to
the contract account and on to pay the costs it funds).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

import attrs

from sibkit.errors import FieldProblem
from sibkit.facts import N_, Count
from sibkit.limits import MAX_CENTS, MAX_MONTHS
from sibkit.model.common import (
    Prose,
    Provenance,
    annual_rate,
    fraction_in_unit,
    money_amount,
    month_number,
    non_negative_decimal,
    optional,
    provenance_field,
    rank,
    valid_id,
)
from sibkit.money import Cents, cents_to_decimal

__all__ = [
    "TRANCHE_TYPES",
    "DeferredFee",
    "Drawdown",
    "Equity",
    "Fee",
    "Grant",
    "Guarantee",
    "Loan",
    "RecoverableGrant",
    "ReturnCap",
    "Tranche",
]


@attrs.frozen(kw_only=True)
class ReturnCap:
    """The most a tranche can earn: an annual IRR, a money multiple, or both (the lower binds)."""

    irr: Decimal | None = attrs.field(default=None, validator=optional(annual_rate))
    """Annual IRR (0.13 is 13% a year), enforced as a hurdle balance accruing at this rate."""
    multiple: Decimal | None = attrs.field(default=None, validator=optional(non_negative_decimal))
    """Total cash back over cash in (1.5 is 150% of the money drawn)."""

    def __attrs_post_init__(self) -> None:
        if self.irr is None and self.multiple is None:
            raise FieldProblem.of("irr", N_("a return cap needs 'irr', 'multiple' or both"))
        if self.multiple is not None and self.multiple < 1:
            raise FieldProblem.of(
                "multiple", N_("a multiple cap below 1 would cap the principal, got %(got)s"), got=str(self.multiple)
            )


@attrs.frozen(kw_only=True)
class Drawdown:
    """When committed capital is drawn.

    * ``upfront``: all of it in ``start_month``;
    * ``as_needed``: each month, what the providers' costs and the fees paid from
      capital need, until the commitment is used up;
    * ``schedule``: the amounts in ``amounts`` (cents), one per month from ``start_month``.
    """

    kind: Literal["upfront", "as_needed", "schedule"] = "as_needed"
    start_month: int = attrs.field(default=0, validator=month_number)
    amounts: tuple[Cents, ...] = ()

    def __attrs_post_init__(self) -> None:
        if (self.kind == "schedule") != bool(self.amounts):
            raise FieldProblem.of("amounts", N_("'amounts' is given exactly when kind = \"schedule\""))
        if any(not isinstance(a, int) or a < 0 for a in self.amounts):
            raise FieldProblem.of("amounts", N_("expected amounts of at least 0"))
        if any(a > MAX_CENTS for a in self.amounts):
            raise FieldProblem.of(
                "amounts", N_("expected amounts of at most %(most)s"), most=f"{cents_to_decimal(MAX_CENTS):f}"
            )
        if len(self.amounts) > MAX_MONTHS:
            raise FieldProblem.of(
                "amounts",
                N_("expected at most %(most)s monthly amounts, got %(got)s"),
                most=Count(MAX_MONTHS),
                got=str(len(self.amounts)),
            )


@attrs.frozen(kw_only=True)
class _TrancheTerms:
    """The terms every kind of tranche has; each kind sets its usual seniority."""

    id: str = attrs.field(validator=valid_id)
    investor: str
    """Id of the party that provides the capital (an investor, or a provider deferring its fee)."""
    commitment: Cents = attrs.field(validator=money_amount)
    """Cents (contract currency) committed; at most this much is drawn."""
    seniority: int = attrs.field(default=1, validator=rank)
    """Rank for readers and guarantees (1 = most senior); the waterfall steps set the order of payment."""
    drawdown: Drawdown = attrs.field(factory=Drawdown)
    return_cap: ReturnCap | None = None
    metrics: tuple[str, ...] = ()
    """If set, the tranche is repaid only from payments for these metrics (Denver's investor groups)."""
    provenance: dict[str, Provenance] = provenance_field()


@attrs.frozen(kw_only=True)
class Loan(_TrancheTerms):
    """A loan with a coupon: senior (seniority 1) or subordinated (higher numbers)."""

    coupon: Decimal = attrs.field(default=Decimal(0), validator=annual_rate)
    """Annual interest rate, accrued monthly as simple interest on the outstanding
    principal (coupon / 12 per month), unpaid interest carried forward without compounding."""


@attrs.frozen(kw_only=True)
class Equity(_TrancheTerms):
    """Equity or quasi-equity: no coupon, paid from the residual up to its return cap."""

    seniority: int = attrs.field(default=3, validator=rank)


@attrs.frozen(kw_only=True)
class RecoverableGrant(_TrancheTerms):
    """A grant repaid only from upside, after the loans, without interest."""

    seniority: int = attrs.field(default=4, validator=rank)


@attrs.frozen(kw_only=True)
class Grant(_TrancheTerms):
    """A plain grant: funds costs, is never repaid."""

    seniority: int = attrs.field(default=9, validator=rank)


@attrs.frozen(kw_only=True)
class DeferredFee(_TrancheTerms):
    """Fees a provider or intermediary leaves at risk: earned while delivering,
    paid only from outcome payments at its seniority (Roca)."""

    seniority: int = attrs.field(default=3, validator=rank)


Tranche = Loan | Equity | RecoverableGrant | Grant | DeferredFee
"""Any tranche of capital."""

TRANCHE_TYPES: dict[str, type[Tranche]] = {
    "loan": Loan,
    "equity": Equity,
    "recoverable_grant": RecoverableGrant,
    "grant": Grant,
    "deferred_fee": DeferredFee,
}
"""The ``type`` tag of each tranche in a contract file."""


@attrs.frozen(kw_only=True)
class Guarantee:
    """A guarantee or first-loss piece: pays a covered tranche's loss, up to ``amount``.

    At the end of the term, ``coverage`` × the covered tranches' shortfall of
    principal (drawn less repaid) is paid to them, at most ``amount`` in all,
    most senior covered tranche first.
    """

    id: str = attrs.field(validator=valid_id)
    guarantor: str
    """Id of the investor (or other party) giving the guarantee."""
    covers: tuple[str, ...] = attrs.field(validator=attrs.validators.min_len(1))
    """Ids of the tranches whose losses it pays."""
    amount: Cents = attrs.field(validator=money_amount)
    """Cents (contract currency) at most."""
    coverage: Decimal = attrs.field(default=Decimal(1), validator=fraction_in_unit)
    """Share of the loss covered (1 = all of it, up to ``amount``)."""
    kind: Literal["guarantee", "first_loss"] = "guarantee"
    """How the deal calls it; both pay the covered tranches' shortfall the same way."""
    provenance: dict[str, Provenance] = provenance_field()


@attrs.frozen(kw_only=True)
class Fee:
    """A fee to an intermediary, evaluator or other party.

    ``basis`` says how it is computed:

    * ``fixed``: ``amount`` once, in ``month``;
    * ``monthly``: ``amount`` every month of the service term;
    * ``percent_of_capital``: ``rate`` × the total committed capital, due in ``month``;
    * ``percent_of_outcome_payments``: ``rate`` × outcome payments, as they arrive.

    ``paid_from`` says whose money: investors' ``capital``, the ``outcome_payments``
    through the priority of payments, or a ``payer`` directly (``payer`` then names it).
    """

    id: str = attrs.field(validator=valid_id)
    payee: str
    basis: Literal["fixed", "monthly", "percent_of_capital", "percent_of_outcome_payments"]
    amount: Cents = attrs.field(default=Cents(0), validator=money_amount)
    """Cents (contract currency): once for ``fixed``, per month for ``monthly``."""
    rate: Decimal = attrs.field(default=Decimal(0), validator=fraction_in_unit)
    """Fraction (0.02 is 2%, not an annual rate) of committed capital or of outcome payments."""
    month: int = attrs.field(default=0, validator=month_number)
    """Month a ``fixed`` or ``percent_of_capital`` fee falls due."""
    paid_from: Literal["capital", "outcome_payments", "payer"] = "capital"
    payer: str | None = None
    """The payer that pays the fee directly, when ``paid_from = "payer"``."""
    description: Prose = ""
    provenance: dict[str, Provenance] = provenance_field()

    def __attrs_post_init__(self) -> None:
        if self.basis in ("fixed", "monthly") and self.rate != 0:
            raise FieldProblem.of("rate", N_("a %(basis)s fee takes 'amount', not 'rate'"), basis=self.basis)
        if self.basis.startswith("percent") and self.amount != 0:
            raise FieldProblem.of("amount", N_("a %(basis)s fee takes 'rate', not 'amount'"), basis=self.basis)
        if (self.paid_from == "payer") != (self.payer is not None):
            raise FieldProblem.of("payer", N_("'payer' is given exactly when paid_from = \"payer\""))
