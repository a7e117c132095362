"""Benchmarks: scripts that print figures (make bench); importable for their shared helpers."""
