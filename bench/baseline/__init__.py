"""Bare-framework baselines for the benchmarks, installed only when ``BENCH_BASELINES=true``:
the least a Django view can do to store one posted row, and a plain DRF list of occupations."""
