"""``python -m sibkit``: the same as the ``sibkit`` command (useful where scripts are not on the PATH)."""

from sibkit.cli import run

if __name__ == "__main__":
    run()
