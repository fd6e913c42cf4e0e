"""safeops: emergency operations for protocols governed by Safe multisigs."""

__version__ = "0.1.0"
