"""Tidings: personalised SMS and email notifications with a Genesys Cloud-compatible API."""

__version__ = "0.1.0"
