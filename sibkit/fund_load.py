"""Reading fund files: TOML through the one cattrs converter of ``sibkit.load``, errors as ``message @ path``.

A fund file is read as a contract file is (numbers as ``Decimal``, strict primitives, no unknown keys,
amounts in units of the fund's ``currency`` read as cents, shares as exact fractions such as ``"1/3"``),
then every contract file it names is loaded, relative to the fund file's folder. A problem in a contract
file, a contract in another currency, a payer or scenario the contract does not have, is reported at the
fund file's path that names it (``$.contracts[0].file``), so that one refusal lists every problem.
"""

from __future__ import annotations

import stat
import tomllib
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
from cattrs.errors import ClassValidationError, IterableValidationError

from sibkit.errors import ContractFileError, Line, ModelError
from sibkit.facts import N_, Count, Phrase
from sibkit.load import (
    MAX_FILE_BYTES,
    _leaves,
    _parse_limits,
    _parser_limit_error,
    _toml_error,
    converter,
    error_lines,
    load_contract,
)
from sibkit.model import Contract
from sibkit.model.fund import ContractStart, Fund
from sibkit.money import amounts_in

__all__ = ["FundFileError", "LoadedFund", "load_fund", "loads_fund"]


class FundFileError(ContractFileError):
    """A fund file could not be read or is not a valid fund (every problem as ``message @ path``)."""


@attrs.frozen(kw_only=True)
class LoadedFund:
    """A fund and the contracts its entries name (by the entry's ``file`` as written)."""

    fund: Fund
    file: str
    """The fund file, as given."""
    contracts: Mapping[str, Contract]
    """Entry ``file`` → the contract loaded from it."""


def _refused(file: str, message: str, **facts: Any) -> FundFileError:
    return FundFileError(file, [(Phrase.of(message, **facts), None)])


def _read(path: Path, file: str) -> str:
    """The text of the fund file, or a ``FundFileError`` saying why it cannot be read."""
    try:
        info = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        raise _refused(file, N_("no such file")) from None
    except OSError as exc:
        raise _refused(file, N_("the file cannot be read: %(reason)s"), reason=str(exc.strerror or exc)) from None
    if stat.S_ISDIR(info.st_mode):
        raise _refused(file, N_("this is a directory, not a fund file"))
    if path.suffix.lower() != ".toml":
        raise _refused(file, N_("a fund file is a .toml file"))
    if not stat.S_ISREG(info.st_mode):  # reading a pipe would wait for a writer that never comes
        raise _refused(file, N_("this is a special file (such as a pipe or a device), not a fund file"))
    if info.st_size > MAX_FILE_BYTES:
        raise _refused(
            file,
            N_("the file is %(size)s bytes; a fund file is at most %(most)s bytes"),
            size=Count(info.st_size),
            most=Count(MAX_FILE_BYTES),
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _refused(file, N_("the file cannot be read: %(reason)s"), reason=str(exc.strerror or exc)) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refused(file, N_("not UTF-8 text: save the file as UTF-8")) from None


def loads_fund(text: str, *, file: str = "<fund>", folder: Path | None = None) -> LoadedFund:
    """Parse fund TOML and load its contracts (paths relative to ``folder``, the current folder by default);
    raises ``FundFileError`` listing every problem."""
    if not text.strip():
        raise _refused(
            file, N_("the file is empty; a fund needs at least 'id', 'name', 'currency', 'start' and 'contributors'")
        )
    _parse_limits(file, text, "toml")
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        err = _toml_error(file, text, exc)
        raise FundFileError(file, err.problems, line=err.line, column=err.column) from None
    except (RecursionError, ValueError) as exc:
        if (limit := _parser_limit_error(file, exc)) is None:
            raise
        raise FundFileError(file, limit.problems) from None
    try:
        with amounts_in(data.get("currency")):
            fund = converter.structure(data, Fund)
    except (ClassValidationError, IterableValidationError, ValueError, TypeError, KeyError) as exc:
        lines = error_lines(exc)
        built = all(isinstance(e, ModelError) for e in _leaves(exc))
        note = None if built else Phrase.of(N_("(the contract files are loaded once the fund file itself is valid)"))
        raise FundFileError(file, lines, note=note) from None
    contracts, problems = _contracts(fund, folder or Path("."))
    if problems:
        raise FundFileError(file, problems)
    return LoadedFund(fund=fund, file=file, contracts=contracts)


def load_fund(path: str | Path) -> LoadedFund:
    """Read a fund file and the contract files it names; raises ``FundFileError`` naming the file."""
    p = Path(path)
    return loads_fund(_read(p, str(path)), file=str(path), folder=p.parent)


def _entries(fund: Fund) -> list[tuple[str, ContractStart]]:
    """Every contract entry with its path in the file: ``contracts[0]``, ``pipeline[1]``."""
    out = [(f"$.contracts[{i}]", e) for i, e in enumerate(fund.contracts)]
    return out + [(f"$.pipeline[{i}]", e) for i, e in enumerate(fund.pipeline)]


def _contracts(fund: Fund, folder: Path) -> tuple[dict[str, Contract], list[Line]]:
    """The contracts the fund names, and the problems of the entries that name them."""
    loaded: dict[str, Contract] = {}
    failed: set[str] = set()
    problems: list[Line] = []
    for where, entry in _entries(fund):
        if entry.file in failed:
            continue
        if entry.file not in loaded:
            path = folder / entry.file
            try:
                loaded[entry.file] = load_contract(path)
            except ContractFileError as exc:
                failed.add(entry.file)
                problems += _contract_problems(exc, entry.file, f"{where}.file")
                continue
        c = loaded[entry.file]
        if c.currency != fund.currency:
            problems.append(
                (
                    Phrase.of(
                        N_("the contract %(file)s is in %(theirs)s, the fund in %(ours)s"),
                        file=repr(entry.file),
                        theirs=c.currency,
                        ours=fund.currency,
                    ),
                    f"{where}.file",
                )
            )
        ids = [p.id for p in c.payers]
        for j, payer in enumerate(entry.payers):
            if payer not in ids:
                problems.append(
                    (
                        Phrase.of(
                            N_("the contract %(file)s has no payer %(id)s; it has: %(known)s"),
                            file=repr(entry.file),
                            id=repr(payer),
                            known=", ".join(ids),
                        ),
                        f"{where}.payers[{j}]",
                    )
                )
        if entry.scenario is not None and entry.scenario not in [s.name for s in c.scenarios]:
            known = ", ".join(s.name for s in c.scenarios) or "–"
            problems.append(
                (
                    Phrase.of(
                        N_("the contract %(file)s has no scenario %(name)s; it has: %(known)s"),
                        file=repr(entry.file),
                        name=repr(entry.scenario),
                        known=known,
                    ),
                    f"{where}.scenario",
                )
            )
    if not failed:
        investors = {t.investor for c in loaded.values() for t in c.tranches}
        for k, inv in enumerate(fund.recycling.investors):
            if inv not in investors:
                problems.append(
                    (
                        Phrase.of(N_("no contract of the fund has an investor %(id)s"), id=repr(inv)),
                        f"$.recycling.investors[{k}]",
                    )
                )
    return loaded, problems


def _contract_problems(exc: ContractFileError, file: str, where: str) -> list[Line]:
    """A contract file's refusal as lines of the fund file, at the entry naming it."""
    out: list[Line] = []
    if exc.line is not None:  # a syntax error: where it is in the contract file
        at = f"{exc.line}" + (f":{exc.column}" if exc.column is not None else "")
        file = f"{file}:{at}"
    for phrase, inner in exc.problems:
        if inner is None:
            out.append((Phrase.of(N_("contract file %(file)s: %(problem)s"), file=repr(file), problem=phrase), where))
        else:
            out.append(
                (
                    Phrase.of(
                        N_("contract file %(file)s: %(problem)s at %(inner)s"),
                        file=repr(file),
                        problem=phrase,
                        inner=inner,
                    ),
                    where,
                )
            )
    return out
