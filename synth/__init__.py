"""Synthetic filled workbooks for tests, samples/ and benchmarks; not part of the installed package."""
