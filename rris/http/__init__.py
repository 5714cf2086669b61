"""The HTTP edge: parse and validate, call a service, serialise; domain errors mapped once."""
