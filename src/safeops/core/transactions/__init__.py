"""A Safe transaction: its hashes, typed data, signatures, batches and file forms."""
