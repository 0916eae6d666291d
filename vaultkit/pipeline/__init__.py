"""Use cases: each function takes settings or a vault path, does one job, returns a report."""
