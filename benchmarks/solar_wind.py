"""The solar/wind accuracy benchmark: ``python benchmarks/solar_wind.py`` = ``narxcast bench``.

Writes ``benchmarks/results/solar_wind.md`` (tables, the settings search, the machine),
``solar_wind.csv`` (tidy scores) and PNG figures. The code is :mod:`narxcast.benchmark`, so
an installed package runs the same benchmark.
"""

import sys

from narxcast.benchmark import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
