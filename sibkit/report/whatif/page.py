"""The what-if page: one self-contained HTML file with a slider per lever and the engine's read-outs.

The page computes nothing itself. It carries the grid of ``sibkit.report.whatif.grid`` (the engine's
figures and the checks' findings at every lever position, compressed: JSON, zlib, base64) and shows, for
the sliders' position, the figures and findings of that grid point; between grid points it interpolates
the figures linearly in each lever and marks them as estimated (``≈``, ``data-exact="false"``), and shows
the findings of the nearest grid point, marked ``≈`` too. A value in the URL fragment (``#success=0.8``) is
taken exactly: the figures are interpolated at that value, not at the nearest slider step (the thumb goes
there), until the slider is moved. Opened without a URL fragment it shows the default point (the
contract as written, at its default scenario), whose figures and findings are also written into the HTML
itself, so they are there before any script runs.

Safety and offline use: the template is autoescaped (contract text is data, never a template); the data
block is JSON with ``<``, ``>`` and ``&`` written as ``\\u003c`` … so no text in it can close the
``<script>`` element; the Content-Security-Policy allows nothing but the page's own inline script and
style (by their SHA-256 hashes) and ``data:`` images, so the page cannot load or send anything.

Numbers are written as Babel writes them for the language (``sibkit.i18n.Language``): exactly, in
Python, for the figures in the HTML; in the page, by a small formatter fed with the locale's symbols and
Babel's own patterns (``number_formats``), so a figure at a grid point reads the same as in ``sibkit run``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from babel.numbers import format_currency, format_decimal, format_percent, get_decimal_symbol, get_group_symbol
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from sibkit.i18n import MULTIPLE_PATTERN, RATE_PATTERN, Language
from sibkit.model import Contract
from sibkit.report.templating import install_messages, templates_dir
from sibkit.report.whatif.grid import Grid, Value
from sibkit.report.whatif.levers import Lever, to_cents
from sibkit.report.words import FREQUENCY

__all__ = ["SUBSTEPS", "embed_json", "number_formats", "render_whatif", "size_ok"]

SUBSTEPS = 4
"""Slider steps between two grid levels of a lever the page interpolates (a choice or a switch has one)."""


def embed_json(value: object) -> Markup:
    """``value`` as JSON that is safe inside a ``<script>`` element: ``<``, ``>``, ``&`` and the two line
    separators JavaScript once refused are written as ``\\u`` escapes, so ``</script>`` or ``<!--`` in a
    contract's text cannot end the element or change how it is read."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    escapes = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))
    for char, code in escapes:
        text = text.replace(char, code)
    return Markup(text)


def _csp_hash(source: str) -> str:
    """The CSP source of an inline script or style: ``'sha256-…'`` of its exact text."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii") + "'"


def _template(name: str) -> str:
    return (templates_dir() / "whatif" / name).read_text(encoding="utf-8")


def _pattern(text: str, number: str) -> str:
    """A formatted sample with its number replaced by ``{n}``: the locale's placement of sign and symbol."""
    if number not in text:
        raise ValueError(f"cannot find {number!r} in {text!r}")
    return text.replace(number, "{n}", 1)


def number_formats(lang: Language, currency: str) -> dict[str, Any]:
    """What the page's formatter needs to write numbers as Babel does in ``lang``: the decimal and group
    symbols and, for money, rates and multiples, where the number goes in a positive and a negative amount."""
    loc = lang.locale
    dec, grp = get_decimal_symbol(loc), get_group_symbol(loc)
    sample = f"1{grp}234{dec}5"
    money_pos = format_currency(Decimal("1234.5"), currency, locale=loc, format_type="standard")
    digits = len(money_pos.split(dec)[-1].rstrip("\u00a0 " + "".join(c for c in money_pos if not c.isdigit())))
    money_sample = f"1{grp}234{dec}{'5'.ljust(digits, '0')}" if digits else f"1{grp}235"
    return {
        "decimal": dec,
        "group": grp,
        "money_digits": digits,
        "money": _pattern(money_pos, money_sample),
        "money_negative": _pattern(format_currency(Decimal("-1234.5"), currency, locale=loc), money_sample),
        "rate": _pattern(format_percent(Decimal("12.345"), format=RATE_PATTERN, locale=loc), sample),
        "rate_negative": _pattern(format_percent(Decimal("-12.345"), format=RATE_PATTERN, locale=loc), sample),
        "multiple": _pattern(format_decimal(Decimal("1234.5"), format=MULTIPLE_PATTERN, locale=loc), f"{sample}0")
        + "×",
        "multiple_negative": _pattern(
            format_decimal(Decimal("-1234.5"), format=MULTIPLE_PATTERN, locale=loc), f"{sample}0"
        )
        + "×",
        "factor": _pattern(lang.decimal(Decimal("1234.5")), sample) + "×",
        "percent": _pattern(format_percent(Decimal("12.345"), format="#,##0.0%", locale=loc), f"1{grp}234{dec}5"),
    }


def _lever_label(lang: Language, c: Contract, lever: Lever) -> str:
    head, target = lever.name.split(".")[0], lever.target
    if head == "success" and target is None:
        return lang.gettext("Success of every result (× the scenario's rates)")
    if head == "success":
        metric = next(m for m in c.metrics if m.id == target)
        return lang.gettext("Success: %(metric)s (× its rate)", metric=lang.text(metric.name))
    if head == "enrolment":
        provider = next(p for p in c.providers if p.id == target)
        return lang.gettext("Participants at %(provider)s (× the plan)", provider=lang.text(provider.name))
    if head == "price":
        if lever.unit == "money":
            return lang.gettext("Price per participant")
        return lang.gettext("Prices (× the prices in the contract)")
    if head == "buffer":
        provider = next(p for p in c.providers if p.id == target)
        return lang.gettext("Buffer of %(provider)s", provider=lang.text(provider.name))
    if head == "cap":
        return _cap_label(lang, c)
    if head == "frequency":
        return lang.gettext("Payment frequency")
    if head == "weight":
        metric = next(m for m in c.metrics if m.id == target)
        return lang.gettext("Share of the price for %(metric)s", metric=lang.text(metric.name))
    if head == "lag":
        return lang.gettext("Extra months before each result is paid")
    return lang.gettext("With the investors")


def _cap_label(lang: Language, c: Contract) -> str:
    """The ``cap`` slider's label: which cap it moves (the contract's first cap with an amount)."""
    cap = next(cap for cap in c.caps if cap.amount is not None)
    names: dict[str, str] = {p.id: lang.text(p.name) for p in c.payers}
    names.update({p.id: lang.text(p.name) for p in c.providers})
    names.update({m.id: lang.text(m.name) for m in c.metrics})
    names.update({s.id: lang.text(s.name) for s in c.segments})
    target = names.get(cap.target or "", cap.target or "")
    if cap.level == "participant":
        return lang.gettext("Cap per participant")
    if cap.level == "segment":
        return lang.gettext("Cap for segment %(segment)s", segment=target)
    if cap.level == "metric":
        return lang.gettext("Cap on %(metric)s", metric=target or ", ".join(names.get(m, m) for m in cap.metrics))
    if cap.level == "provider":
        return lang.gettext("Cap on the payments to %(provider)s", provider=target)
    if cap.level == "payer":
        return lang.gettext("Cap on what %(payer)s pays", payer=target)
    return lang.gettext("Cap on all outcome payments")


def _level_text(lang: Language, c: Contract, lever: Lever, value: Decimal | str) -> str:
    if lever.unit == "choice":
        return lang.translate(FREQUENCY[str(value)])
    if lever.unit == "switch":
        return lang.gettext("yes") if Decimal(value) == 1 else lang.gettext("no")
    if lever.unit == "money":
        cents = to_cents(value, c.currency)
        text = lang.money(cents, c.currency)
        zeros = get_decimal_symbol(lang.locale) + "00"
        return text.replace(zeros, "", 1) if cents % 100 == 0 else text
    if lever.unit == "share":
        return lang.percent(Decimal(value))
    if lever.unit == "months":
        months = int(Decimal(value))
        return lang.ngettext("+%(num)d month", "+%(num)d months", months)
    return lang.decimal(Decimal(value)) + "×"


def _money_text(lang: Language, cents: Value, currency: str) -> str:
    return "–" if cents is None else lang.money(int(cents), currency)


def _read_out(lang: Language, key: str, value: Value, currency: str, months: Sequence[str]) -> dict[str, str]:
    """One read-out at the default point: its attributes and its text, as the page's script writes them."""
    kind = _kind(key)
    attrs_: dict[str, str] = {"data-key": key, "data-exact": "true", "data-kind": kind}
    if kind == "money":
        attrs_["data-cents"] = "" if value is None else str(int(value))
        text = _money_text(lang, value, currency)
    elif kind == "month":
        attrs_["data-value"] = "" if value is None else str(int(value))
        text = "–" if value is None else months[int(value)]
    elif kind == "rate":
        attrs_["data-value"] = "" if value is None else repr(float(value))
        text = "–" if value is None else (lang.rate(float(value)) or "–")
    else:
        attrs_["data-value"] = "" if value is None else repr(float(value))
        text = "–" if value is None else (lang.multiple(float(value)) or "–")
    return {"attrs": Markup(" ").join(Markup(f'{k}="{escape(v)}"') for k, v in attrs_.items()), "text": text}


def _kind(key: str) -> str:
    """How a series is written: ``money`` (cents), ``month`` (a month number), ``rate`` or ``multiple``."""
    last = key.rsplit(".", 1)[-1]
    if last.endswith("_month"):
        return "month"
    if last == "irr":
        return "rate"
    if last == "multiple":
        return "multiple"
    return "money"


def _moves(series: dict[str, list[Value]], *keys: str) -> bool:
    return any(any(v for v in series.get(k, ())) for k in keys)


def _checks_data(w: Language, grid: Grid) -> dict[str, Any]:
    """The checks' findings at every grid point, compactly: ``table`` holds each distinct finding once
    (severity, code, title in ``w``), ``sets`` each distinct list of findings (indices into ``table``, in
    ``run_checks`` order), and ``points`` per grid point (in the series' order) the index of its set, or
    -1 where the checks were not computed."""
    table: list[list[str]] = []
    entries: dict[tuple[str, str, str], int] = {}
    sets: list[list[int]] = []
    set_index: dict[tuple[int, ...], int] = {}
    points = [-1] * grid.size
    for indices, findings in grid.checks.items():
        row = []
        for f in findings:
            entry = (f.severity, f.code, f.title(w))
            if entry not in entries:
                entries[entry] = len(table)
                table.append(list(entry))
            row.append(entries[entry])
        key = tuple(row)
        if key not in set_index:
            set_index[key] = len(sets)
            sets.append(row)
        points[grid.flat(indices)] = set_index[key]
    return {"table": table, "sets": sets, "points": points}


def render_whatif(c: Contract, grid: Grid, lang: str) -> str:
    """The page for ``grid`` of contract ``c`` in ``lang``, as one HTML document (see the module docstring)."""
    w = Language(lang)
    currency = c.currency
    months = [w.month(c.timeline.month_start(m)) for m in range(c.timeline.term_months + 1)]
    at = grid.flat(grid.default)

    def out(key: str) -> dict[str, str]:
        return _read_out(w, key, grid.series.get(key, [None] * grid.size)[at], currency, months)

    accounts = []
    for a_id, name in grid.parties.items():
        keys = [f"accounts.{a_id}.{f}" for f in ("pays", "receives", "net", "savings", "net_of_savings")]
        if _moves(grid.series, *keys):
            accounts.append({"name": w.text(name), "cells": [out(k) for k in keys]})
    names = {a_id: w.text(name) for a_id, name in grid.parties.items()}
    payers = [
        {"name": names.get(p.id, p.id), "cells": [out(f"payers.{p.id}.{f}") for f in ("paid", "cost_per_outcome")]}
        for p in c.payers
    ]
    providers = [
        {
            "name": names.get(p.id, p.id),
            "cells": [out(f"providers.{p.id}.{f}") for f in ("lowest_cash", "lowest_cash_month", "margin")],
        }
        for p in c.providers
    ]
    tranches = [
        {
            "name": f"{t.id} ({names.get(t.investor, t.investor)})",
            "cells": [out(f"tranches.{t.id}.{f}") for f in ("drawn", "irr", "multiple", "loss")],
        }
        for t in c.tranches
    ]
    guarantees = [
        {"name": f"{g.id} ({names.get(g.guarantor, g.guarantor)})", "cells": [out(f"guarantees.{g.id}.paid")]}
        for g in c.guarantees
    ]
    totals = [
        {"label": w.gettext("outcome payments"), "cell": out("outcome_payments")},
        {"label": w.gettext("cut by caps"), "cell": out("cap_cut")},
    ]
    levers = []
    for i, lv in enumerate(grid.levers):
        steps = SUBSTEPS if lv.continuous else 1
        levers.append(
            {
                "id": f"lever-{i}",
                "name": lv.name,
                "label": _lever_label(w, c, lv),
                "max": (len(lv.levels) - 1) * steps,
                "marks": [k * steps for k in range(len(lv.levels))],
                "value": lv.default * steps,
                "text": _level_text(w, c, lv, lv.levels[lv.default]),
                "ends": (_level_text(w, c, lv, lv.levels[0]), _level_text(w, c, lv, lv.levels[-1])),
            }
        )
    checks = _checks_data(w, grid)
    packed = {"series": grid.series, "checks": checks}
    packed_json = json.dumps(packed, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    data: dict[str, Any] = {
        "levers": [
            {
                "name": lv.name,
                "unit": lv.unit,
                "values": [str(v) for v in lv.levels],
                "texts": [_level_text(w, c, lv, v) for v in lv.levels],
                "default": lv.default,
                "steps": SUBSTEPS if lv.continuous else 1,
            }
            for lv in grid.levers
        ],
        "shape": list(grid.shape),
        "packed": base64.b64encode(zlib.compress(packed_json, 9)).decode("ascii"),
        "months": months,
        "fmt": number_formats(w, currency),
        "coverage": grid.coverage,
        "severity": {"error": w.gettext("error"), "warning": w.gettext("warning")},
        "text": {
            "new": w.gettext("new here"),
            "approx": w.gettext("Estimated between two computed positions: figures marked ≈ are not the engine's own."),
            "none": w.gettext("No check finds an error or a warning here."),
            "elsewhere": w.gettext(
                "The checks are computed where at most one slider is away from the contract as written, "
                "at a marked position. Move the other sliders back to see them."
            )
            if grid.coverage == "star"
            else w.gettext("The checks were not computed for this page."),
            "nearest": w.gettext("≈ The checks at the nearest marked position (the figures here are estimated):"),
            "old_browser": w.gettext(
                "This browser cannot unpack the page's figures; open the file in a recent Edge, Chrome, "
                "Firefox or Safari."
            ),
        },
    }
    script = _template("whatif.js")
    style = _template("whatif.css")
    csp = "; ".join(
        (
            "default-src 'none'",
            f"script-src {_csp_hash(script)}",
            f"style-src {_csp_hash(style)}",
            "img-src data:",
            "base-uri 'none'",
            "form-action 'none'",
        )
    )
    env = Environment(
        loader=FileSystemLoader(templates_dir()),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    install_messages(env, w, lambda v: str(escape(v)))
    page = env.get_template("whatif/whatif.html.j2").render(
        lang=w.code,
        title=w.text(c.name),
        csp=csp,
        script=Markup(script),
        style=Markup(style),
        data=embed_json(data),
        levers=levers,
        accounts=accounts,
        payers=payers,
        providers=providers,
        tranches=tranches,
        guarantees=guarantees,
        totals=totals,
        checks=[
            (f.severity, data["severity"][f.severity], f.code, f.title(w)) for f in grid.checks.get(grid.default, ())
        ],
        grid_size=w.integer(grid.size),
    )
    return page


def size_ok(html: str, limit: int = 2_000_000) -> bool:
    """Whether the page's UTF-8 bytes fit in ``limit`` (2 MB: an e-mail attachment)."""
    return len(html.encode("utf-8")) <= limit
