"""python -m amijson: the same as the amijson command."""

from amijson.cli import run

run()
