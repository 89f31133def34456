"""Benchmarks, runnable as ``firstword bench …``: each prints a human summary and writes JSON."""
