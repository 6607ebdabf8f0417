"""Benchmarks, run by hand (not collected by pytest): see import_bench.py."""
