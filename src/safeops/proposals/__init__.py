"""Proposal stores: where proposed Safe transactions and their signatures wait for execution."""
