"""The ledger's Wagtail admin screens (账簿): the trial balance, an account's general ledger and the chart of
accounts with its sub-accounts. Registered by ``ledger/wagtail_hooks.py``; read-only but for adding a sub-account.
The CSV/XLSX downloads are served by ``bulk`` (``bulk.book_exports``), which may import the ledger."""
