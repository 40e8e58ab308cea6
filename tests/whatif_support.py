"""What the what-if tests share: the contract variant of a grid point built independently of
``sibkit.report.whatif`` (plain ``attrs.evolve`` on the model), and the figures ``sibkit run --json`` gives
for it, keyed as the page's ``data-key``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

from sibkit.engine import run
from sibkit.model import Contract, Scenario
from sibkit.model.scenario import EnrolmentOverride
from sibkit.report import summary


def variant_by_hand(c: Contract, setting: dict[str, str]) -> tuple[Contract, Scenario, Decimal]:
    """The contract, scenario and success factor ``sibkit run`` would take for ``setting`` (lever name →
    value as in the URL fragment), made with ``attrs.evolve`` as a reader of docs/whatif.md would."""
    changes: dict[str, Any] = {}
    providers = list(c.providers)
    for name, value in setting.items():
        head, _, target = name.partition(".")
        if head == "price":
            (tariff,) = changes.get("rules", c.rules)
            changes["rules"] = (attrs.evolve(tariff, price_per_participant=round(Decimal(value) * 100)),)
        elif head == "weight":
            (tariff,) = changes.get("rules", c.rules)
            changes["rules"] = (attrs.evolve(tariff, components=_weights(tariff.components, target, Decimal(value))),)
        elif head == "buffer":
            providers = [
                attrs.evolve(p, buffer=round(Decimal(value) * 100)) if p.id == target else p for p in providers
            ]
            changes["providers"] = tuple(providers)
        elif head == "cap":
            changes["caps"] = (attrs.evolve(c.caps[0], amount=round(Decimal(value) * 100)), *c.caps[1:])
        elif head == "frequency":
            changes["timeline"] = attrs.evolve(c.timeline, payment_frequency=value)
        elif head == "lag":
            changes["metrics"] = tuple(attrs.evolve(m, lag_months=m.lag_months + int(value)) for m in c.metrics)
    variant = attrs.evolve(c, **changes) if changes else c
    scenario = variant.default_scenario()
    outcomes = []
    for o in scenario.outcomes:
        factor = setting.get(f"success.{o.metric}")
        if factor is not None and o.rate is not None:
            o = attrs.evolve(o, rate=min(o.rate * Decimal(factor), Decimal(1)))
        outcomes.append(o)
    enrolment = {e.provider: e for e in scenario.enrolment}
    for name, value in setting.items():
        if name.startswith("enrolment."):
            provider = name.split(".", 1)[1]
            enrolment[provider] = EnrolmentOverride(provider=provider, factor=Decimal(value))
    scenario = attrs.evolve(scenario, outcomes=tuple(outcomes), enrolment=tuple(enrolment.values()))
    return variant, scenario, Decimal(setting.get("success", "1"))


def _weights(components: Any, metric: str, weight: Decimal) -> tuple[Any, ...]:
    """The tariff's components with ``metric`` at ``weight`` and the others in their old proportions, to a
    hundredth of a percent, the largest of them taking up the rounding (docs/whatif.md)."""
    old = next(comp.weight for comp in components if comp.metric == metric)
    scale = (1 - weight) / (1 - old)
    new = {
        comp.metric: (comp.weight * scale).quantize(Decimal("0.0001")) for comp in components if comp.metric != metric
    }
    largest = max((comp for comp in components if comp.metric != metric), key=lambda comp: comp.weight).metric
    new[largest] += (1 - weight) - sum(new.values())
    new[metric] = weight
    return tuple(attrs.evolve(comp, weight=new[comp.metric]) for comp in components)


def run_json_cents(c: Contract, setting: dict[str, str]) -> dict[str, int | None]:
    """``sibkit run --json`` for ``setting`` as ``{key path: cents}`` for the money the page shows."""
    variant, scenario, success = variant_by_hand(c, setting)
    data = summary(variant, run(variant, scenario, success), scenario.name, float(success))
    out: dict[str, int | None] = {
        "outcome_payments": data["outcome_payments"]["cents"],
        "cap_cut": data["cap_cut"]["cents"],
    }
    for a in data["accounts"]:
        for field in ("pays", "receives", "net", "savings", "net_of_savings"):
            out[f"accounts.{a['id']}.{field}"] = a[field]["cents"]
    for p in data["payers"]:
        for field in ("paid", "cost_per_outcome"):
            out[f"payers.{p['id']}.{field}"] = p[field]["cents"]
    for p in data["providers"]:
        for field in ("lowest_cash", "margin"):
            out[f"providers.{p['id']}.{field}"] = p[field]["cents"]
    for t in data["tranches"]:
        for field in ("drawn", "loss"):
            out[f"tranches.{t['id']}.{field}"] = t[field]["cents"]
    for g in data["guarantees"]:
        out[f"guarantees.{g['id']}.paid"] = g["paid"]["cents"]
    return out


def run_json_months(c: Contract, setting: dict[str, str]) -> dict[str, int]:
    """Each provider's ``lowest_cash_month`` in ``sibkit run --json`` for ``setting``."""
    variant, scenario, success = variant_by_hand(c, setting)
    data = summary(variant, run(variant, scenario, success), scenario.name, float(success))
    return {f"providers.{p['id']}.lowest_cash_month": p["lowest_cash_month"] for p in data["providers"]}
