"""What a ``try`` body can raise: the knowledge base, the project index, local typing and
the inferrer."""
