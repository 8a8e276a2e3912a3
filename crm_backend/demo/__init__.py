"""Demo data: documented scenario records (scenarios.py, standard library only so the
action server's Python 3.10 tests can import it too) and a deterministic bulk generator."""
