"""Alembic migrations for the RRIS schema; run them with ``rris db upgrade``."""
