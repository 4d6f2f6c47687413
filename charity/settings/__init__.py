"""Settings packages: ``dev`` (default for ``manage.py``), ``test`` and ``production``.

Everything that differs between machines comes from the environment (or a ``.env`` file
beside ``manage.py``); see ``docs/configuration.md``.
"""
