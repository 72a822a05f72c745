"""Benchmarks with targets, run by ``make bench`` against a generated demo on PostgreSQL.

Not part of ``make test`` (pytest ignores this folder): they measure, they do not unit-test.
"""
