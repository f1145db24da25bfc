"""Broad exception handlers: ``checking`` finds them, ``inference`` works out what a ``try``
body raises, ``evidence`` records what each handler catches while the project's tests run,
``fixing`` decides and writes each handler's rewrite.

Each imports only those before it in that order (``tests/test_layers.py``)."""
