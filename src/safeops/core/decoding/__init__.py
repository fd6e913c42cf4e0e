"""Reading calldata: known functions, batches, events, revert reasons, the warnings."""
