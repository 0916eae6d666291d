"""Web sources: one module per API, each with ``fetch_*`` (through net) and pure ``parse_*``.

Sources know nothing of the vault.
"""
