"""The levers of the what-if page: what a slider changes, its levels, and the contract or scenario it makes.

A lever is one slider. It has a few **levels** (the grid positions the engine is run at) and a
**default** level: the contract as written, run at its default scenario (``Contract.default_scenario``,
what ``sibkit run`` and ``simulate`` take when no scenario is named). Two kinds:

* **scenario levers** change what happens (how many achieve each result, how many enrol): each
  combination of their levels is one scenario of a batch (``deterministic_batch``), all run at once;
* **contract levers** change the terms (price, a provider's buffer, the payment frequency, a cap, the
  investors): each combination of their levels is one contract variant, made with ``attrs.evolve``, which
  runs the whole scenario batch.

Lever names (``--lever NAME=LO:HI:STEPS``; units in brackets):

* ``success`` — every success rate of the scenario, as a factor (1 = as written; ``run --success``);
* ``success.METRIC`` — the success rates of one outcome, as a factor of the scenario's (shares stop at 100%);
* ``enrolment.PROVIDER`` — the provider's enrolment, as a factor of its plan (1 = as planned);
* ``price`` — the price per participant of the contract's tariff (currency units), or, when the contract
  has no single tariff, every price of every rule as a factor;
* ``weight.METRIC`` — the share of the single tariff's price carried by one result (0.7 = 70%); the other
  components keep their proportions and take up the rest;
* ``buffer.PROVIDER`` — the provider's own cash at the start (currency units);
* ``lag`` — months added to every result's wait between verification and payment (``lag_months``; 0 = as
  written; whole months, no steps between);
* ``cap`` — the amount of the contract's first cap that gives one (currency units);
* ``frequency`` — how often outcome payments are made (monthly … annual: a choice, no steps);
* ``investor`` — with or without the investors (1 or 0; only when the contract has tranches). Without
  them, their tranches, guarantees, the waterfall, the fees paid to them and the fees paid from capital go,
  and the providers pay their own costs.

The default level is always one of the levels: a range that does not contain it gets it added.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal, cast

import attrs

from sibkit.errors import ModelError, Refusal
from sibkit.facts import N_
from sibkit.limits import MAX_SUCCESS
from sibkit.model import Contract, Scenario
from sibkit.model.rules import PaymentRule, RateCard, Tariff
from sibkit.model.scenario import EnrolmentOverride
from sibkit.money import Cents, cents_to_decimal, currency_decimals, round_half_up

__all__ = [
    "FREQUENCIES",
    "Lever",
    "LeverError",
    "Setting",
    "contract_variant",
    "default_levers",
    "lever_names",
    "parse_lever",
    "scenario_variant",
    "to_cents",
]

Unit = Literal["factor", "money", "share", "months", "choice", "switch"]
"""How a lever's levels are counted: a factor (1 = as written), money (currency units), a share (0.7 = 70%),
whole months, a choice of words, on/off."""

FREQUENCIES: tuple[str, ...] = ("monthly", "quarterly", "semiannual", "annual")
"""The payment frequencies the ``frequency`` lever offers (``end``, once at the end, is left out: a room
learns nothing from it that ``annual`` does not show)."""

MAX_STEPS = 41
"""The most levels one lever may have (the page's size grows with their product)."""

Setting = Mapping[str, Decimal | str]
"""A position of every lever: its name and its level (a number, or a frequency's word)."""


class LeverError(Refusal):
    """A ``--lever`` that names nothing in the contract, or a range that cannot be used: a message and its
    facts (``phrase``), said in the user's language by the command; ``str()`` is English."""


@attrs.frozen(kw_only=True)
class Lever:
    """One slider: its name (``success``, ``buffer.dreamfabryk`` …), its levels and which is the default."""

    name: str
    unit: Unit
    levels: tuple[Decimal | str, ...] = attrs.field(validator=attrs.validators.min_len(1))
    """The grid positions, in slider order: numbers in the lever's unit, or a frequency's word."""
    default: int
    """Index in ``levels`` of the contract as written (its default scenario)."""

    @property
    def kind(self) -> Literal["scenario", "contract"]:
        """``scenario`` when the lever changes what happens (a batch row), ``contract`` when it changes the terms."""
        return "scenario" if self.name.split(".")[0] in ("success", "enrolment") else "contract"

    @property
    def continuous(self) -> bool:
        """Whether the page may interpolate between two levels (not for a choice or a switch)."""
        return self.unit in ("factor", "money", "share")

    @property
    def target(self) -> str | None:
        """The metric or provider id after the dot (``dreamfabryk`` of ``buffer.dreamfabryk``)."""
        return self.name.split(".", 1)[1] if "." in self.name else None


def _single_tariff(c: Contract) -> Tariff | None:
    tariffs = [r for r in c.rules if isinstance(r, Tariff)]
    return tariffs[0] if len(tariffs) == 1 and len(c.rules) == 1 else None


def _first_cap(c: Contract) -> int | None:
    return next((i for i, cap in enumerate(c.caps) if cap.amount is not None), None)


Frequency = Literal["monthly", "quarterly", "semiannual", "annual", "end"]


def to_cents(value: Decimal | str, currency: str) -> Cents:
    """An amount in currency units in the currency's minor unit (cents), rounded half up."""
    num, den = (Decimal(value) * 10 ** currency_decimals(currency)).as_integer_ratio()
    return Cents(round_half_up(num, den))


def _metric_rate(scenario: Scenario, metric: str) -> bool:
    return any(o.metric == metric and o.rate is not None for o in scenario.outcomes)


def lever_names(c: Contract) -> dict[str, tuple[Unit, Decimal | str]]:
    """Every lever the contract offers, with its unit and its default value (the contract as written)."""
    sc = c.default_scenario()
    out: dict[str, tuple[Unit, Decimal | str]] = {"success": ("factor", Decimal(1))}
    for m in c.metrics:
        if _metric_rate(sc, m.id):
            out[f"success.{m.id}"] = ("factor", Decimal(1))
    factors = {e.provider: e.factor for e in sc.enrolment}
    for p in c.providers:
        out[f"enrolment.{p.id}"] = ("factor", factors.get(p.id, Decimal(1)))
    tariff = _single_tariff(c)
    if tariff is not None:
        out["price"] = ("money", cents_to_decimal(tariff.price_per_participant, c.currency))
    elif all(isinstance(r, Tariff | RateCard) for r in c.rules):
        out["price"] = ("factor", Decimal(1))
    if tariff is not None and len(tariff.components) > 1:
        for comp in tariff.components:
            out[f"weight.{comp.metric}"] = ("share", comp.weight)
    for p in c.providers:
        out[f"buffer.{p.id}"] = ("money", cents_to_decimal(p.buffer, c.currency))
    out["lag"] = ("months", Decimal(0))
    cap = _first_cap(c)
    if cap is not None:
        amount = c.caps[cap].amount
        assert amount is not None
        out["cap"] = ("money", cents_to_decimal(amount, c.currency))
    if c.timeline.payment_frequency in FREQUENCIES:
        out["frequency"] = ("choice", c.timeline.payment_frequency)
    if c.tranches:
        out["investor"] = ("switch", Decimal(1))
    return out


def _levels(lo: Decimal, hi: Decimal, steps: int, default: Decimal) -> tuple[tuple[Decimal, ...], int]:
    """``steps`` evenly spaced levels from ``lo`` to ``hi`` (two decimals), with ``default`` among them."""
    values = {lo + (hi - lo) * i / (steps - 1) if steps > 1 else lo for i in range(steps)}
    values = {_plain(v.quantize(Decimal("0.0001"))) for v in values} | {_plain(default)}
    ordered = tuple(sorted(values))
    return ordered, ordered.index(_plain(default))


def _plain(value: Decimal) -> Decimal:
    """``value`` without trailing zeros and without an exponent (``3500``, not ``3.5E+3``)."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _default_range(unit: Unit, default: Decimal) -> tuple[Decimal, Decimal, int]:
    """The range a lever gets when the facilitator gives none: a factor from 0 to 2 (or twice the value) in
    quarters; an amount in five round steps around it (3,500 → 1,500 to 5,500 in steps of 1,000)."""
    if unit == "factor":
        return Decimal(0), max(Decimal(2), default * 2), 9
    if unit == "share":
        return Decimal(0), Decimal(1), 5
    if unit == "months":
        return Decimal(0), Decimal(6), 7
    if default == 0:
        return Decimal(0), Decimal(10000), 5
    step = _round_step(default / 4)
    lo = max(default - 2 * step, Decimal(0))
    return lo, default + 2 * step, int((default + 2 * step - lo) / step) + 1


def _round_step(value: Decimal) -> Decimal:
    """The round number (1, 2 or 5 times a power of ten) nearest to ``value``."""
    power = Decimal(10) ** (len(str(int(value))) - 1) if value >= 1 else Decimal(1)
    return min((power * k for k in (1, 2, 5, 10)), key=lambda x: abs(x - value))


def parse_lever(text: str, c: Contract) -> Lever:
    """A ``--lever`` value: ``NAME``, ``NAME=LO:HI:STEPS`` (numbers in the lever's unit) or, for
    ``frequency``, ``frequency=monthly,quarterly``. ``LeverError`` names the problem."""
    name, _, spec = text.partition("=")
    name = name.strip()
    known = lever_names(c)
    if name not in known:
        raise LeverError.of(
            N_("no lever %(name)s in this contract; it has: %(known)s"), name=repr(name), known=", ".join(known)
        )
    unit, default = known[name]
    if unit == "switch":
        if spec.strip():
            raise LeverError.of(
                N_("the lever %(name)s is on or off and takes no range, got %(got)s"), name=repr(name), got=repr(spec)
            )
        return Lever(name=name, unit=unit, levels=(Decimal(0), Decimal(1)), default=1)
    if unit == "choice":
        words = tuple(w.strip() for w in spec.split(",")) if spec.strip() else FREQUENCIES
        unknown = [w for w in words if w not in FREQUENCIES]
        if unknown:
            raise LeverError.of(
                N_("unknown payment frequency %(got)s; expected some of: %(known)s"),
                got=repr(unknown[0]),
                known=", ".join(FREQUENCIES),
            )
        chosen = tuple(w for w in FREQUENCIES if w in words or w == default)
        return Lever(name=name, unit=unit, levels=chosen, default=chosen.index(str(default)))
    assert isinstance(default, Decimal)
    if spec.strip():
        parts = spec.split(":")
        try:
            lo, hi, steps = Decimal(parts[0]), Decimal(parts[1]), int(parts[2])
            if len(parts) != 3 or not (lo.is_finite() and hi.is_finite()):
                raise ValueError
        except (ValueError, IndexError, ArithmeticError):
            raise LeverError.of(
                N_("expected %(name)s=LO:HI:STEPS (for example %(name)s=0.5:1.5:5), got %(got)s"),
                name=name,
                got=repr(spec),
            ) from None
    else:
        lo, hi, steps = _default_range(unit, default)
    if not (2 <= steps <= MAX_STEPS and 0 <= lo < hi):
        raise LeverError.of(
            N_("a lever's range needs 0 <= LO < HI and 2 to %(most)s steps, got %(got)s"),
            most=str(MAX_STEPS),
            got=repr(spec),
        )
    if unit == "factor" and hi > MAX_SUCCESS:
        raise LeverError.of(
            N_("a factor goes up to %(most)s, got %(got)s"), most=str(MAX_SUCCESS), got=show_decimal(hi)
        )
    if unit == "share" and hi > 1:
        raise LeverError.of(N_("a share goes up to 1 (100%%), got %(got)s"), got=show_decimal(hi))
    if unit == "months" and (lo != lo.to_integral_value() or (hi - lo) % (steps - 1) != 0):
        raise LeverError.of(
            N_("the lever %(name)s counts whole months: LO, HI and each step must be whole, got %(got)s"),
            name=repr(name),
            got=repr(spec),
        )
    levels, index = _levels(lo, hi, steps, default)
    return Lever(name=name, unit=unit, levels=levels, default=index)


def show_decimal(value: Decimal) -> str:
    """A decimal as written in a lever (``0.8``, ``4000``): no exponent, no trailing zeros."""
    text = format(value.normalize(), "f")
    return text


def default_levers(c: Contract) -> tuple[Lever, ...]:
    """The sliders a contract gets when the facilitator names none: overall success, the price, the buffer of
    the provider with the smallest one, the payment frequency, the first cap and, with capital, the investors.
    Sized for a page of at most 2 MB (about 5,000 grid points)."""
    known = lever_names(c)
    names = ["success", *(["price"] if "price" in known else [])]
    if c.providers:
        smallest = min(c.providers, key=lambda p: (p.buffer, p.id))
        names.append(f"buffer.{smallest.id}")
    names += [n for n in ("frequency", "cap", "investor") if n in known]
    levers = tuple(parse_lever(n, c) for n in names)
    return tuple(lv for lv in levers if lv.name != "investor" or _valid_without_investors(c))


def _valid_without_investors(c: Contract) -> bool:
    """Whether the contract still validates without its investors (a default slider must always work)."""
    try:
        contract_variant(c, {"investor": Decimal(0)})
    except LeverError:
        return False
    return True


# -- variants --------------------------------------------------------------------------------------------------


def scenario_variant(c: Contract, setting: Setting) -> tuple[Scenario, Decimal]:
    """The default scenario changed by the setting's scenario levers, and the success factor to run it at
    (``deterministic_batch(c, scenario, success)``). Levers not in ``setting`` stay as written."""
    sc = c.default_scenario()
    success = Decimal(setting.get("success", Decimal(1)))
    outcomes = []
    for o in sc.outcomes:
        factor = setting.get(f"success.{o.metric}")
        if factor is not None and o.rate is not None:
            o = attrs.evolve(o, rate=min(o.rate * Decimal(factor), Decimal(1)))
        outcomes.append(o)
    enrolment = {e.provider: e for e in sc.enrolment}
    for p in c.providers:
        factor = setting.get(f"enrolment.{p.id}")
        if factor is not None:
            enrolment[p.id] = EnrolmentOverride(provider=p.id, factor=Decimal(factor))
    return attrs.evolve(sc, outcomes=tuple(outcomes), enrolment=tuple(enrolment.values())), success


def _scaled(cents: int, factor: Decimal) -> Cents:
    """``cents`` × ``factor``, rounded half up to the cent."""
    num, den = factor.as_integer_ratio()
    return Cents(round_half_up(cents * num, den))


def _weighted_rules(rules: tuple[PaymentRule, ...], metric: str, weight: Decimal) -> tuple[PaymentRule, ...]:
    """The single tariff with ``metric``'s component at ``weight``: the others keep their proportions, each
    rounded to a hundredth of a percent, the largest taking up what rounding leaves (weights sum to 1)."""
    (tariff,) = rules
    assert isinstance(tariff, Tariff)
    old = next(comp.weight for comp in tariff.components if comp.metric == metric)
    others = [comp for comp in tariff.components if comp.metric != metric]
    rest = Decimal(1) - weight
    if old == 1:
        raise LeverError.of(
            N_("the weight of %(metric)s is 100%%: there is no other component to take up the rest"),
            metric=repr(metric),
        )
    new = {comp.metric: (comp.weight * rest / (1 - old)).quantize(Decimal("0.0001")) for comp in others}
    largest = max(others, key=lambda comp: (comp.weight, comp.metric)).metric
    new[largest] += rest - sum(new.values(), Decimal(0))
    new[metric] = weight
    components = tuple(attrs.evolve(comp, weight=new[comp.metric]) for comp in tariff.components)
    return (attrs.evolve(tariff, components=components),)


def _priced_rules(c: Contract, value: Decimal) -> tuple[PaymentRule, ...]:
    """The rules at price ``value``: the single tariff's price in currency units, else every price × ``value``."""
    tariff = _single_tariff(c)
    if tariff is not None:
        price = to_cents(value, c.currency)
        factor = Decimal(price) / Decimal(tariff.price_per_participant) if tariff.price_per_participant else Decimal(0)
        new = attrs.evolve(
            tariff,
            price_per_participant=price,
            segment_prices={k: _scaled(v, factor) for k, v in tariff.segment_prices.items()},
        )
        return (new,)
    rules: list[PaymentRule] = []
    for r in c.rules:
        if isinstance(r, Tariff):
            r = attrs.evolve(
                r,
                price_per_participant=_scaled(r.price_per_participant, value),
                segment_prices={k: _scaled(v, value) for k, v in r.segment_prices.items()},
            )
        elif isinstance(r, RateCard):
            entries = tuple(
                attrs.evolve(
                    e,
                    price=_scaled(e.price, value),
                    segment_prices={k: _scaled(v, value) for k, v in e.segment_prices.items()},
                )
                for e in r.entries
            )
            r = attrs.evolve(r, entries=entries)
        else:
            raise LeverError.of(
                N_("the price lever works on tariffs and rate cards only; this contract has another rule")
            )
        rules.append(r)
    return tuple(rules)


def contract_variant(c: Contract, setting: Setting) -> Contract:
    """The contract with the setting's contract levers applied: one ``attrs.evolve`` of the contract, so
    validated once, as a whole. ``LeverError`` when a level makes a contract that does not validate."""
    changes = _changes(c, setting)
    if not changes:
        return c
    try:
        return attrs.evolve(c, **changes)
    except ModelError as exc:
        shown = ", ".join(f"{k}={v}" for k, v in setting.items())
        raise LeverError.of(
            N_("at %(setting)s the contract does not validate: %(problem)s"), setting=shown, problem=str(exc)
        ) from None


def _changes(c: Contract, setting: Setting) -> dict[str, Any]:
    """The contract's fields the setting's contract levers change, with their new values."""
    changes: dict[str, Any] = {}
    providers = list(c.providers)
    for name, value in setting.items():
        head, _, target = name.partition(".")
        if head == "price":
            priced = _priced_rules(c, Decimal(value))
            if "rules" in changes:  # a weight lever came first: keep its weights
                (done,), (new,) = changes["rules"], priced
                priced = (attrs.evolve(new, components=done.components),)
            changes["rules"] = priced
        elif head == "weight":
            changes["rules"] = _weighted_rules(changes.get("rules", c.rules), target, Decimal(value))
        elif head == "lag":
            months = int(Decimal(value))
            changes["metrics"] = tuple(attrs.evolve(m, lag_months=m.lag_months + months) for m in c.metrics)
        elif head == "buffer":
            providers = [
                attrs.evolve(p, buffer=to_cents(value, c.currency)) if p.id == target else p for p in providers
            ]
            changes["providers"] = tuple(providers)
        elif head == "cap":
            index = _first_cap(c)
            assert index is not None
            caps = list(c.caps)
            caps[index] = attrs.evolve(caps[index], amount=to_cents(value, c.currency))
            changes["caps"] = tuple(caps)
        elif head == "frequency":
            changes["timeline"] = attrs.evolve(c.timeline, payment_frequency=cast(Frequency, str(value)))
        elif head == "investor" and Decimal(value) == 0:
            investors = {t.investor for t in c.tranches}
            changes.update(
                tranches=(),
                guarantees=(),
                investors=tuple(i for i in c.investors if i.id not in investors),
                fees=tuple(f for f in c.fees if f.payee not in investors and f.paid_from != "capital"),
                waterfall=(),
            )
            providers = [attrs.evolve(p, prefinances_own_costs=True) for p in providers]
            changes["providers"] = tuple(providers)
    return changes


def level_value(lever: Lever, index: int) -> Decimal | str:
    """The value of ``lever`` at level ``index``."""
    return lever.levels[index]


def settings_of(levers: Sequence[Lever], indices: Sequence[int]) -> dict[str, Decimal | str]:
    """The setting at one grid point: each lever at its level."""
    return {lv.name: lv.levels[i] for lv, i in zip(levers, indices, strict=True)}
