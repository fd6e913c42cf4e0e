"""The audit log: a hash chain of entries (pure) and the file that holds it."""
