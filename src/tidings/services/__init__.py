"""Use cases, one module per area. Each takes a unit-of-work factory and owns its commit."""
