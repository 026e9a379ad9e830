"""The engine that turns running campaigns into sends. It discovers work in the database."""
