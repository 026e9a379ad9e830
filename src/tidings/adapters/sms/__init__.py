"""SMS channel adapters: SMPP (smpp.py)."""
