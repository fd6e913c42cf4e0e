"""Adapters to Ethereum nodes: the anvil process and JSON-RPC access."""
