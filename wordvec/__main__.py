"""``python -m wordvec``: the ``wordvec`` command."""

from .cli import run

if __name__ == "__main__":
    run()
