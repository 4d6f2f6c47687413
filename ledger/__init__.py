"""The transparency ledger: append-only double-entry books and the public Merkle log.

Rule: this package imports no other app of ours. Other apps post to it and read from it.
"""
