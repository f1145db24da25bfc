"""Broad exception handlers: ``checking`` finds them, ``inference`` works out what a ``try``
body raises, ``fixing`` decides and writes each handler's rewrite."""
