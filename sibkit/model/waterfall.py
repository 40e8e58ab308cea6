"""The priority of payments: ordered typed steps that share out outcome receipts.

Each period, the outcome payments received by the contract (the SPV or the
intermediary's account) run through these steps in order; each step takes what
it is due from what is left. In a file each step is a table with ``type``
naming its kind: ``fees``, ``interest``, ``principal``, ``return``, ``residual``.
Contracts without investors have no steps: outcome payments go straight to the
providers.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Literal

import attrs

from sibkit.errors import FieldProblem
from sibkit.facts import N_
from sibkit.model.common import Share, percent, share_in_unit, shares_common_denominator, to_share

__all__ = [
    "STEP_TYPES",
    "FeesStep",
    "InterestStep",
    "PrincipalStep",
    "ResidualShare",
    "ResidualStep",
    "ReturnStep",
    "WaterfallStep",
]

Mode = Literal["sequential", "pro_rata"]
"""``sequential``: pay each tranche in full in the order listed before the next;
``pro_rata``: share what is available in proportion to what each is due (largest remainder)."""


@attrs.frozen(kw_only=True)
class FeesStep:
    """Pay fees due from outcome payments (those with ``paid_from = "outcome_payments"``)."""

    fees: tuple[str, ...] = attrs.field(validator=attrs.validators.min_len(1))
    mode: Mode = "sequential"


@attrs.frozen(kw_only=True)
class InterestStep:
    """Pay accrued, unpaid coupon interest of loans."""

    tranches: tuple[str, ...] = attrs.field(validator=attrs.validators.min_len(1))
    mode: Mode = "sequential"


@attrs.frozen(kw_only=True)
class PrincipalStep:
    """Repay drawn, unrepaid principal."""

    tranches: tuple[str, ...] = attrs.field(validator=attrs.validators.min_len(1))
    mode: Mode = "sequential"


@attrs.frozen(kw_only=True)
class ReturnStep:
    """Pay a return above principal and coupon, up to each tranche's return cap
    (a hurdle balance accruing at the capped IRR, or the capped multiple)."""

    tranches: tuple[str, ...] = attrs.field(validator=attrs.validators.min_len(1))
    mode: Mode = "pro_rata"


@attrs.frozen(kw_only=True)
class ResidualShare:
    """Who receives a share of what is left: a tranche id, a provider, a payer, or ``revolving_fund``."""

    party: str
    share: Share = attrs.field(converter=to_share, validator=share_in_unit)
    """Exact share (0–1) of what is left: ``0.25``, ``"25%"`` or ``"1/4"`` in a file."""


@attrs.frozen(kw_only=True)
class ResidualStep:
    """Share out everything left, by fixed shares (summing to 100%)."""

    shares: tuple[ResidualShare, ...] = attrs.field(validator=attrs.validators.min_len(1))

    @shares.validator
    def _sum(self, attribute: attrs.Attribute[tuple[ResidualShare, ...]], value: tuple[ResidualShare, ...]) -> None:
        total = sum((s.share for s in value), Fraction(0))
        if total != 1:
            raise FieldProblem.of("shares", N_("residual shares sum to %(sum)s, expected 100%%"), sum=percent(total))
        problem = shares_common_denominator([s.share for s in value], N_("the residual shares"))
        if problem:
            raise FieldProblem("shares", problem)


WaterfallStep = FeesStep | InterestStep | PrincipalStep | ReturnStep | ResidualStep
"""Any step of the priority of payments."""

STEP_TYPES: dict[str, type[WaterfallStep]] = {
    "fees": FeesStep,
    "interest": InterestStep,
    "principal": PrincipalStep,
    "return": ReturnStep,
    "residual": ResidualStep,
}
"""The ``type`` tag of each step in a contract file."""
