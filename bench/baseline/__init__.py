"""Bare-framework baselines for the benchmarks, installed only by ``config.bench_settings``:
the least a Django view can do to store one posted row, and a plain DRF list of occupations."""
