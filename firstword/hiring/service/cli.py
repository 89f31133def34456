"""``firstword hiring create-org --name N --owner-email E`` and ``firstword hiring purge``.

The owner's password is read from ``FIRSTWORD_HIRING_PASSWORD`` if set, else from standard input
with ``--password-stdin`` (one line), else asked for at the terminal (hidden, twice). It is never
taken as an option: options end up in shell history and in ``ps``.
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Annotated

import typer

from firstword.config import load_settings
from firstword.hiring.service.errors import HiringError

hiring_app = typer.Typer(help="Hiring: organisations and their data.", no_args_is_help=True)

PASSWORD_ENV = "FIRSTWORD_HIRING_PASSWORD"


def _password(from_stdin: bool) -> str:
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Owner's password", hide_input=True, confirmation_prompt=True))


@hiring_app.command("create-org")
def create_org(
    name: Annotated[str, typer.Option("--name", help="the organisation's name")],
    owner_email: Annotated[str, typer.Option("--owner-email", help="its first owner's email (their sign-in)")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="read the password from standard input")] = False,
) -> None:
    """Create an organisation and its first owner (an existing account's password must match)."""
    password = _password(password_stdin)

    async def run() -> tuple[str, str]:
        from firstword.hiring.service.accounts import create_org_with_owner
        from firstword.hiring.service.runtime import Hiring

        hiring = await Hiring.open(load_settings(), purge=False)
        if hiring is None:
            raise HiringError(503, "hiring_off", "hiring is off (hiring.enabled = false, or the store is disabled)")
        try:
            async with hiring.engine.begin() as conn:
                return await create_org_with_owner(hiring, conn, name=name, email=owner_email, password=password, signup=False)
        finally:
            await hiring.aclose()

    try:
        org_id, user_id = asyncio.run(run())
    except HiringError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"organisation {org_id} created; owner {owner_email.strip().lower()} ({user_id}) signs in at /hiring/login")


@hiring_app.command("purge")
def purge() -> None:
    """Delete now what retention says is due (the server also does it hourly)."""

    async def run() -> str:
        from firstword.hiring.service.retention import purge_expired
        from firstword.hiring.service.runtime import Hiring

        hiring = await Hiring.open(load_settings(), purge=False)
        if hiring is None:
            return "hiring is off: nothing to purge"
        try:
            done = await purge_expired(hiring)
        finally:
            await hiring.aclose()
        return f"deleted {done.candidates} candidates' data, {done.sessions} expired sessions, {done.invites} expired invitations"

    typer.echo(asyncio.run(run()))
