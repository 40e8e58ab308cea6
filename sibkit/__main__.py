"""``python -m sibkit``: the ``sibkit`` command."""

from sibkit.cli import run

run()
