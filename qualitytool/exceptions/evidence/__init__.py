"""Evidence mode: what each broad handler really catches while the project's own tests run.

``run`` starts a test command with ``recorder`` in every Python process; ``sites`` names the
watched ``try`` statements and fingerprints them; ``store`` reads, merges and writes
``.qualitytool/evidence.json``; ``fix-exceptions --evidence`` reads it through ``store``.
"""
