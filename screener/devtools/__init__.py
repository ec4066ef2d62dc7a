"""Tools for tests and benchmarks (local mock servers). Never used by a normal run."""
