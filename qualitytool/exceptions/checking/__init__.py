"""Finding broad handlers: detection, exemptions, check-exceptions and its cache."""
