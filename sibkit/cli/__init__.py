"""The ``sibkit`` command line, one module per command or family of commands.

* ``app``: the command group, exit codes, consoles, loading a contract, the output policy;
* ``options``: options and parameter types several commands share;
* ``contract``: ``validate``, ``new``, ``explain``;
* ``show``: ``show``;
* ``results``: ``run`` and ``ledger``;
* ``simulate``, ``sweep``, ``check``, ``termsheet``, ``whatif``: the command of that name.

Every word a command prints comes from the catalogue (``sibkit.i18n.Language``) and every
rule, frequency or file code is put into words by ``sibkit.report.words``. The console
script is ``sibkit.cli:run``; ``python -m sibkit`` and ``python -m sibkit.cli`` run it too.
"""

from __future__ import annotations

from sibkit.cli import (  # noqa: F401  (registers commands)
    check,
    contract,
    fund,
    import_rates,
    results,
    show,
    simulate,
    sweep,
    termsheet,
    whatif,
    workbook,
)
from sibkit.cli.app import EXIT_INTERNAL_ERROR, EXIT_USER_ERROR, main, run
from sibkit.cli.options import MAX_SCENARIOS, MAX_SEED, MAX_WORKERS, SCENARIO_COUNT, SUCCESS_FACTOR, OutputFile

__all__ = [
    "EXIT_INTERNAL_ERROR",
    "EXIT_USER_ERROR",
    "MAX_SCENARIOS",
    "MAX_SEED",
    "MAX_WORKERS",
    "SCENARIO_COUNT",
    "SUCCESS_FACTOR",
    "OutputFile",
    "main",
    "run",
]
