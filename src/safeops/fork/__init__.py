"""Private anvil forks: rehearse the exact Safe transaction and see everything it changes."""
