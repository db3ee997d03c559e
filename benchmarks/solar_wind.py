"""The solar/wind accuracy benchmark: ``python benchmarks/solar_wind.py`` = ``narxcast bench``.

Writes ``benchmarks/results/solar_wind.md`` (tables, the settings search, the machine),
``solar_wind.csv`` (tidy scores) and PNG figures: this script refreshes the committed results
(``narxcast bench`` writes to a new directory unless given ``--out``). The code is
:mod:`narxcast.benchmark`, so an installed package runs the same benchmark.
"""

import sys
from pathlib import Path

from narxcast.benchmark import main

if __name__ == "__main__":
    arguments = sys.argv[1:]
    if "--out" not in arguments:
        arguments += ["--out", str(Path(__file__).parent / "results")]
    sys.exit(main(arguments))
