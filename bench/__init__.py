"""Benchmarks: comment intake, the published-list API, the comment export, the admin comment
changelist and seed loading, each next to a bare-framework baseline where one applies.

Run ``python -m bench`` (or ``make bench``); bench/README.md has the options and results.
"""
