"""Implementations of the ports: databases, providers, exporters."""
