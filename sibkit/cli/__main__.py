"""``python -m sibkit.cli``: the ``sibkit`` command."""

from sibkit.cli.app import run

if __name__ == "__main__":  # importing the module (a package walk, a test) runs nothing
    run()
