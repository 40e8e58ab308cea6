"""The term sheet's fixed words: the contract's closed vocabularies in words, the open items, the glossary.

Every word is an English message marked with ``N_`` and translated where it is shown (``Writer``), so a
language is one catalogue. A key the model adds later and this module does not know yet is shown as
written (``label``).
"""

from __future__ import annotations

from sibkit.i18n import N_
from sibkit.model import DeferredFee, Equity, Grant, Loan, RecoverableGrant

NOT_DEFINED = "–"
"""Shown in a table where a figure is undefined (no IRR when nothing came back, no cost per outcome
when nothing was paid for)."""

GLOSSARY: tuple[tuple[str, str], ...] = (
    ("resultaatfinanciering", "outcome-based financing"),
    ("uitkomstbetaler", "outcome payer"),
    ("resultatenfonds", "outcomes fund"),
    ("investeringsfonds", "investment fund"),
    ("revolverend fonds", "revolving fund"),
    ("investeerder", "investor"),
    ("intermediair", "intermediary"),
    ("aanbieder", "provider"),
    ("deelnemer", "participant"),
    ("vergoeding per deelnemer", "fee per participant"),
    ("maatschappelijk / individueel / procesmatig resultaat", "societal / individual / process result"),
    ("harde / zachte indicator", "hard / soft indicator"),
    ("T0-/T1-meting", "baseline / follow-up measurement"),
    ("nulmeting", "baseline"),
    ("nulalternatief", "counterfactual"),
    ("meeneemeffect", "deadweight"),
    ("zwaartesegment", "difficulty segment"),
    ("besparing", "saving"),
    ("brede welvaart", "broad prosperity"),
    ("MKBA", "social cost-benefit analysis"),
    ("looptijd", "term"),
    ("hoofdsom", "principal"),
    ("rendement(splafond)", "return (cap)"),
    ("uitbetalingsvolgorde / waterval", "priority of payments"),
    ("perverse prikkels", "perverse incentives"),
    ("afromen", "cream-skimming"),
    ("beëindiging", "termination"),
    ("geschillenregeling", "dispute resolution"),
)
"""Dutch and English terms of the field (``shared/domain.md``, with the Dutch terms chosen in
``docs/glossary.nl.md``: nulalternatief, aanbieder), as (Dutch, English) pairs: a bilingual
glossary is data, not a translation (its English column stays English in a Dutch term sheet)."""

GLOSSARY_LANGUAGES = ("nl", "en")
"""The languages of each ``GLOSSARY`` pair, in order."""

LANGUAGE_NAMES = {"nl": N_("Dutch"), "en": N_("English")}
"""The glossary's column headings."""

# -- words for the contract's closed vocabularies ------------------------------------------------------
STATUS = {
    "draft": N_("draft"),
    "indicative": N_("indicative (non-binding)"),
    "agreed": N_("agreed, not yet signed"),
    "signed": N_("signed"),
    "historical": N_("historical (a past deal, reconstructed)"),
}
BINDING = {
    "draft": N_("This is a draft for discussion; it binds no party."),
    "indicative": N_("These terms are indicative and not binding."),
    "agreed": N_("These terms are agreed but not yet signed."),
    "signed": N_("These terms summarise a signed contract; the contract itself prevails."),
    "historical": N_("This term sheet reconstructs a past deal for learning; it binds no party."),
}
PAYER_KIND = {
    "municipality": N_("municipality"),
    "regional_government": N_("regional government"),
    "national_government": N_("national government"),
    "health_insurer": N_("health insurer"),
    "philanthropy": N_("philanthropic fund"),
    "outcomes_fund": N_("outcomes fund"),
    "company": N_("company"),
    "other": N_("other organisation"),
}
EVALUATOR_ROLE = {
    "evaluator": N_("evaluator (measures the effect)"),
    "validator": N_("validator (verifies claimed outcomes)"),
    "evaluator_and_validator": N_("evaluator and validator"),
}
METRIC_KIND = {
    "event": N_("an event for one participant"),
    "change": N_("a change for one participant between a baseline (T0) and a follow-up (T1)"),
    "cohort_change": N_("the change of a whole cohort against a counterfactual"),
    "duration": N_("time spent in a state"),
    "milestone": N_("a step in a chain of milestones"),
}
EVIDENCE = {
    "hard": N_("hard: administrative or verifiable records"),
    "soft": N_("soft: self-reported or judged (questionnaires)"),
}
DESIGN = {
    "rct": N_("randomised control trial"),
    "matched_comparison": N_("matched comparison group"),
    "historical_baseline": N_("historical baseline"),
    "predicted_baseline": N_("predicted baseline from a model"),
    "pre_post": N_("pre-post comparison (T0 to T1), without a comparison group"),
    "simple_verification": N_("verification that the outcome happened, without a counterfactual"),
}
PROPOSED_BY = {
    "payer": N_("the payer"),
    "provider": N_("the provider"),
    "joint": N_("payer and provider jointly"),
    "evaluator": N_("the evaluator"),
    "intermediary": N_("the intermediary"),
}
FREQUENCY = {
    "monthly": N_("every month"),
    "quarterly": N_("every quarter"),
    "semiannual": N_("every six months"),
    "annual": N_("every year"),
    "end": N_("once, at the end of the term"),
}
MODE = {"sequential": N_("in the order listed"), "pro_rata": N_("pro rata")}
SEVERITY = {"info": N_("Information"), "warning": N_("Warning"), "error": N_("Error")}
INSTRUMENT = {
    Loan.__name__: N_("loan"),
    Equity.__name__: N_("equity or quasi-equity"),
    RecoverableGrant.__name__: N_("recoverable grant"),
    Grant.__name__: N_("grant"),
    DeferredFee.__name__: N_("deferred fee"),
}
CONFIGURATION = {
    "intermediated": N_(
        "Intermediated: an intermediary structures and manages the deal, and investors pre-finance the providers."
    ),
    "direct_investors": N_("Direct with investors: investors pre-finance the providers, without an intermediary."),
    "fund": N_(
        "Outcomes fund: a pooled fund pays the providers for verified results; there are no investors, so the "
        "providers pre-finance their own work."
    ),
    "direct": N_(
        "Direct: the outcome payers pay the providers for verified results; there are no investors, so the "
        "providers pre-finance their own work."
    ),
}
BREAK_EVEN = {
    "principal_back": N_("%(party)s gets its principal back"),
    "margin_zero": N_("%(party)s breaks even"),
}
OPEN_ITEMS = (
    N_("governance and reporting: the operating committee, management information and how often it is reported"),
    N_("termination: for convenience, default or non-appropriation, and compensation to providers and investors"),
    N_("conditions precedent: the council decision, board approvals, data-sharing agreements, the evaluator appointed"),
    N_("dispute resolution, in particular on what counts as a result"),
    N_("data protection (GDPR) for the data used to measure outcomes"),
    N_("amendments and variations, and changes in law or policy"),
)
