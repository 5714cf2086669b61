"""The booking world's fixtures (SQLite and the real PostgreSQL) for every scheduler test that asks."""

from tests.support.booking_rows import bookings, clock, database_url, db

__all__ = ["bookings", "clock", "database_url", "db"]
