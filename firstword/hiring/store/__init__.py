"""Hiring's tables, kept in the store's database and migrated by the store's Alembic chain."""
