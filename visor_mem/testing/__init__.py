"""``visor test``: YAML test suites for workflows, with fixtures, mocks and JUnit output.

One module per responsibility: ``models`` (the suite format, part of the
config schema), ``suite`` (finding and loading suites), ``fixtures`` (a fresh
store, session and scratch folder per case), ``mocks`` (step results by
call), ``expect`` (expectations against a run), ``runner`` (cases, in
parallel processes) and the reporters ``report`` (text, JSON, GitHub) and
``junit``.  Only ``models`` is imported by the config loader, and it imports
nothing heavy.
"""
