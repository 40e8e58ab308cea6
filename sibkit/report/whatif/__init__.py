"""The what-if page (``sibkit whatif``): sliders over a grid of engine results, in one offline HTML file.

``levers`` says what a slider changes and makes the contract and scenario variants; ``grid`` runs the
engine at every lever position (batches of scenarios, one per contract variant) and the checks there;
``page`` writes the HTML, with the grid compressed inside it and a small script that looks figures and
findings up and interpolates.
"""

from sibkit.report.whatif.grid import Grid, build_grid, point_results, series_of
from sibkit.report.whatif.levers import (
    FREQUENCIES,
    Lever,
    LeverError,
    contract_variant,
    default_levers,
    lever_names,
    parse_lever,
    scenario_variant,
)
from sibkit.report.whatif.page import SUBSTEPS, embed_json, number_formats, render_whatif, size_ok

__all__ = [
    "FREQUENCIES",
    "SUBSTEPS",
    "Grid",
    "Lever",
    "LeverError",
    "build_grid",
    "contract_variant",
    "default_levers",
    "embed_json",
    "lever_names",
    "number_formats",
    "parse_lever",
    "point_results",
    "render_whatif",
    "scenario_variant",
    "series_of",
    "size_ok",
]
