"""The commands: each module named for a command takes settings or a vault path, does its job, returns a report.

Commands: ``refresh``, ``associate``, ``plot``, ``fetch``, ``ingest``,
``consensus`` (``consensus add``), ``links``, ``lint``, ``init``.

Their shared parts: ``analysis`` (the cohort, its associations and the
selection, for refresh and plot), ``notewriter`` (the one careful pass of
note writes every command that edits notes makes), and the parts of one
command kept apart to stay small: ``lastrun``, ``canvas`` and ``genebase``
(refresh), ``lint_ids`` and ``lint_sections`` (lint).
"""
