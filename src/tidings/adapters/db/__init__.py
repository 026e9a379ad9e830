"""SQLAlchemy 2 (Core, async) on SQLite or PostgreSQL."""
