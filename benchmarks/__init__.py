"""Every benchmark of Composer Studio, run by ``python -m benchmarks`` into one table.

Each ``bench_*.py`` here is also a script with its own command line; it offers
``make_parser()`` and ``measure(args) -> list[Measurement]`` (see ``measurement.py``)
so the suite can run it in a fresh process and collect its numbers.
"""
