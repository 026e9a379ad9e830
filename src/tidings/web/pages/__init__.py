"""The console's pages, one module a section."""
