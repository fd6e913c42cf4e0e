"""Signer key sources (Vault KV v2, OS keyring, keystore files) behind a just-in-time Signer."""
