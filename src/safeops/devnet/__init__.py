"""The local devnet: anvil, the Safe 1.4.1 contracts, two Safes and a demo protocol."""
