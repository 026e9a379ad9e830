"""Files people download: CSV and PDF."""
