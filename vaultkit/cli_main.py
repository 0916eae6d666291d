"""``python -m vaultkit.cli_main``: the CLI without the console script (tests, subprocesses)."""

from vaultkit.cli import main

if __name__ == "__main__":
    main()
