"""``scaffold-exceptions``: write a project's exception hierarchy and its HTTP handlers."""
