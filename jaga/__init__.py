"""Jaga: the network-maintenance SOPs of Indonesian local governments, made executable."""

__version__ = "0.1.0"
