"""``python -m sibkit.cli``: the ``sibkit`` command."""

from sibkit.cli.app import run

run()
