"""Pure logic: hashing, decoding, checks. No I/O, no providers, no UI."""
