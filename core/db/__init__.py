"""Database helpers that work through Django's public query API."""
