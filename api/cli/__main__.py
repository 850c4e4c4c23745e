"""``python -m api.cli``: the same as the ``hrhx`` console script."""

from api.cli import main

main()
