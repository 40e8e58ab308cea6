"""The ranges sibkit supports, and why.

The compiled engine computes in 64-bit integers (cents) and a few 64-bit floats;
neither warns when a number grows past what it can hold: an int64 wraps round to a
negative number, a float64 silently drops cents above 2^53. So every number a
contract can hold is bounded here, and the bounds are chosen so that no sum or
product the engine forms can leave those ranges. The contract is refused, with a
message naming the field and the bound, before any array is allocated.

Three layers, each documented in ``docs/contract-format.md`` ("Supported ranges"):

* **each value** (checked at the field): an amount, a count of participants, a
  number of months or units, a decimal number, a date;
* **the contract's money scale** (checked for the whole contract): an upper bound on
  all the money the engine can ever move for the contract — every cost, payment,
  drawdown, interest, fee, guarantee and buffer over the whole term added up (see
  ``sibkit.model.contract.money_scale``). At most ``MAX_SCALE_CENTS``, so every
  running total and every balance stays far below 2^63 and below 2^53 (exact in a
  float64), and a product of two such amounts — a pro-rata split — is done by the
  engine's exact ``muldiv``;
* **the work per scenario** (checked for the whole contract): the number of int64
  cells one scenario needs in the engine's arrays (months × providers × segments ×
  metrics, payment lines × payers), at most ``MAX_CELLS_PER_SCENARIO``; Monte Carlo
  sizes its blocks from it (``block_scenarios``).

The file itself is bounded before it is parsed: its size (``sibkit.load.MAX_FILE_BYTES``),
how deeply lists and tables nest, how long a dotted key is, and how many digits a number has.
"""

from __future__ import annotations

import datetime as dt

__all__ = [
    "FIRST_DATE",
    "LAST_DATE",
    "MAX_CELLS_PER_SCENARIO",
    "MAX_CENTS",
    "MAX_DECIMAL_PLACES",
    "MAX_DOTTED_KEY_PARTS",
    "MAX_LINE_CHARS",
    "MAX_LIST_ITEMS",
    "MAX_MONTHS",
    "MAX_NUMBER",
    "MAX_PARTICIPANTS",
    "MAX_PROSE_CHARS",
    "MAX_RATE",
    "MAX_SCALE_CENTS",
    "MAX_SHARE_DENOMINATOR",
    "MAX_SIGNIFICANT_DIGITS",
    "MAX_SIMULATED_SCENARIOS",
    "MAX_SUCCESS",
    "MAX_UNITS",
    "MEMORY_BUDGET_BYTES",
    "block_scenarios",
]

MAX_CENTS = 100_000_000_000_000
"""Largest single amount: €1,000,000,000,000 (10^14 cents). Far above any budget an outcome
contract could name (the largest outcomes funds hold hundreds of millions), and small enough
that the sums of a contract's amounts stay inside ``MAX_SCALE_CENTS``."""

MAX_SCALE_CENTS = 1_000_000_000_000_000
"""Largest money scale of a contract (all money the engine could move, added up): €10^13
(10^15 cents). Below 2^50 (1.13 × 10^15), so any total of the contract's money is exact in a
float64 (below 2^53) and 8,000 such totals still add up below 2^63 in an int64."""

MAX_PARTICIPANTS = 10_000_000
"""Largest count of participants (a capacity, an enrolment, a month's starts, a population
bound): ten million, more than the population of most countries' target groups."""

MAX_MONTHS = 600
"""Longest term and largest month number: 600 months (50 years)."""

MAX_UNITS = 100_000
"""Most units per participant (days in a state, repeats of an outcome) and largest number in
a field counted in units (a counterfactual baseline per participant): 50 years of days is 18,263."""

MAX_RATE = 10
"""Largest annual rate or ratio written as a fraction (a coupon, an IRR cap, a borrowing rate):
10 = 1,000% a year. A money multiple is bounded by ``MAX_NUMBER``."""

MAX_NUMBER = 100_000
"""Largest other decimal number (a money multiple, an enrolment factor, units, a baseline)."""

MAX_SUCCESS = 10
"""Largest success factor (``run --success``, ``ledger --success``, ``sweep --success``): ten times a
scenario's success rates. Shares of participants stop at 100% anyway; cohort improvements do not,
so the money scale counts them at ten times the largest rate a scenario gives."""

MAX_DECIMAL_PLACES = 9
"""Most digits after the decimal point of a share, rate or other decimal number: a decimal
share's denominator then divides 10^9 (within ``MAX_SHARE_DENOMINATOR``, alone and with the
other decimal shares of its list) and the engine's exact ratios stay small."""

MAX_SHARE_DENOMINATOR = 1_000_000_000
"""Largest denominator of a share written as a ratio (``"1/3"``), and of the shares of one list
(a residual step's shares, a rule's ``paid_by``, the payers' fixed shares, a provider's
``segment_mix``) brought to a common denominator: the engine splits by the integer weights
``share × denominator``, which stay as small as the billionths of ``MAX_DECIMAL_PLACES``."""

MAX_SIGNIFICANT_DIGITS = 24
"""Most significant digits of a number read from a file, before it is turned into an
integer: ``1e999999`` would otherwise take minutes and gigabytes to convert."""

MAX_LINE_CHARS = 1_000
"""Most characters in a one-line text (a name, an id, a unit, a source's title): a report checks and
escapes every text each time it is shown, so a name of a million characters made one term sheet
take minutes; no real name is longer than a sentence."""

MAX_PROSE_CHARS = 100_000
"""Most characters in a text of several lines (a description, a purpose, an assumption): about
thirty pages, far more than a contract file describes in one field."""

MAX_LIST_ITEMS = 1_000
"""Most items in any one list or table of a contract file (providers, rules, a rate card's entries,
the months of a plan): checks that compare items with each other stay quick, and the engine's
arrays are bounded besides by ``MAX_CELLS_PER_SCENARIO``."""

MAX_DOTTED_KEY_PARTS = 64
"""Most parts of a dotted TOML key (``a.b.c`` has 3): a sibkit contract needs at most 6;
tomllib takes time growing with the square of the number of parts."""

FIRST_DATE = dt.date(1900, 1, 1)
"""Earliest date a contract may give (a start or a signing)."""

LAST_DATE = dt.date(2199, 12, 31)
"""Latest date a contract may give; with at most ``MAX_MONTHS`` of term, every month the
contract runs is a valid date (the last is in 2249, far from year 9999)."""

MAX_CELLS_PER_SCENARIO = 20_000_000
"""Most int64 cells one scenario needs in the engine's arrays (160 MB): a single run
(``sibkit run``) must fit in memory with room to spare."""

MEMORY_BUDGET_BYTES = 1_000_000_000
"""Memory one Monte Carlo block may use for its arrays (1 GB); blocks are sized to fit."""

MAX_SIMULATED_SCENARIOS = 10_000_000
"""Most Monte Carlo scenarios in one run: the per-scenario results are kept in memory
(about 8 bytes per scenario per reported figure)."""

BYTES_PER_CELL = 16
"""Bytes one Monte Carlo scenario is budgeted per cell of ``cells_per_scenario`` (an estimate from
above). Measured with ``tracemalloc`` for a block run without per-month detail: a peak of 0.9 bytes
per estimated cell for the Leeuwarden pilot and 1.4 for a 300-provider contract, so 16 leaves a
margin of ten."""


def block_scenarios(cells_per_scenario: int, chunk: int, budget: int = MEMORY_BUDGET_BYTES) -> int:
    """Scenarios per Monte Carlo block: whole ``chunk``s, at least one, within ``budget`` bytes.

    A block of ``k`` chunks needs about ``k × chunk × cells_per_scenario × BYTES_PER_CELL``
    bytes; the block is the largest whole number of chunks under ``budget`` (one chunk when
    even a single chunk exceeds it: ``MAX_CELLS_PER_SCENARIO`` keeps that case rare).
    """
    per_chunk = max(1, cells_per_scenario) * BYTES_PER_CELL * chunk
    return max(1, budget // per_chunk) * chunk
