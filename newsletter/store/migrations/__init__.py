"""Alembic migrations of the store (env.py, versions/): shipped inside the package."""
