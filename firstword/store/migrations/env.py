"""Alembic environment for the store.

The server runs migrations itself (``firstword.store.database.migrate``), handing Alembic an open
connection in ``config.attributes["connection"]``; no alembic.ini is needed. To write a new
revision: an alembic.ini holding ``[alembic]`` ``script_location = firstword/store/migrations``,
then ``alembic -x url=sqlite:///scratch.db upgrade head`` and ``alembic -x url=sqlite:///scratch.db
revision --autogenerate -m "..."`` (a plain synchronous URL); review what it writes, and keep
``schema.py`` in step (a test compares the two).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from firstword.store.schema import metadata

# Hiring's tables live on the same metadata (firstword/hiring/store/tables.py); importing them
# here puts them in what autogenerate and the schema test compare with the migrations.
import firstword.hiring.store.tables  # noqa: F401,E402
import firstword.hiring.store.interview_tables  # noqa: F401,E402

config = context.config


def _configure(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database: pass -x url=... or set sqlalchemy.url")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def run_migrations_offline() -> None:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    context.configure(url=url, target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
