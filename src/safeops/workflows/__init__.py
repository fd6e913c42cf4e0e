"""Use cases: plain values in, result objects out, no printing."""
