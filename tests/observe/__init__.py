"""Tests of pipelinekit.observe (a package: tests/cli has a test_health.py too)."""
