"""The Genesys Cloud-compatible REST API."""
