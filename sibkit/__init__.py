"""sibkit: structure, compute and check outcome-based contracts (Social Impact Bonds).

The public surface is small and re-exported here; everything else is an
implementation detail that may change.
"""

from sibkit.engine.fund import FundResults, fund_run
from sibkit.engine.irr import npv, xnpv
from sibkit.engine.maximum import MaximumPayment, maximum_payment
from sibkit.errors import ContractFileError, EngineError, ModelError, SibkitError
from sibkit.fund_load import FundFileError, load_fund
from sibkit.load import dumps, load_contract, loads, save_contract
from sibkit.model import Contract
from sibkit.model.fund import Fund

__all__ = [
    "Contract",
    "ContractFileError",
    "EngineError",
    "Fund",
    "FundFileError",
    "FundResults",
    "MaximumPayment",
    "ModelError",
    "SibkitError",
    "dumps",
    "fund_run",
    "load_contract",
    "load_fund",
    "loads",
    "maximum_payment",
    "npv",
    "save_contract",
    "xnpv",
]
