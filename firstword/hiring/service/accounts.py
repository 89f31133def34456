"""Organisations, their members (owner, recruiter, viewer) and members' invitations.

A user is one email and one password; the same user may belong to several organisations with a
role in each. The first owner of an organisation comes from sign-up or ``firstword hiring
create-org``; owners invite everyone else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from firstword.hiring.service import audit as audit_log
from firstword.hiring.service.errors import HiringError, conflict, invalid, not_found
from firstword.hiring.service.passwords import check_new_password
from firstword.hiring.service.runtime import Hiring
from firstword.hiring.service.tokens import new_id, new_token, token_hash
from firstword.hiring.store.tables import EMAIL, NAME, member_invites, members, orgs, users

Role = Literal["owner", "recruiter", "viewer"]
ROLE_RANK: dict[str, int] = {"viewer": 0, "recruiter": 1, "owner": 2}
# Deliberately loose: one @, something either side, a dot in the domain. Whether the address
# reaches anyone is the inviter's business; this only keeps typos like "ann.example.com" out.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Control characters (tab and newlines aside) are never text a person typed; NUL is refused by
# PostgreSQL outright, so it is refused here, the same on every database.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_text(value: str, what: str) -> str:
    if _CONTROL.search(value):
        raise invalid(f"the {what} holds control characters")
    return value


@dataclass(frozen=True)
class Membership:
    org_id: str
    org_name: str
    role: Role


def normal_email(email: str) -> str:
    value = email.strip().lower()
    if len(value) > EMAIL or not _EMAIL.match(value) or _CONTROL.search(value):
        raise invalid(f"not an email address: {email[:80]!r}")
    return value


def clean_name(name: str, what: str) -> str:
    value = " ".join(check_text(name, what).split())
    if not value:
        raise invalid(f"the {what} must not be empty")
    if len(value) > NAME:
        raise invalid(f"the {what} must have at most {NAME} characters")
    return value


async def user_by_email(conn: AsyncConnection, email: str) -> sa.Row | None:
    return (await conn.execute(sa.select(users).where(users.c.email == email))).first()


async def any_organisation(conn: AsyncConnection) -> bool:
    return (await conn.execute(sa.select(orgs.c.id).limit(1))).first() is not None


async def _user_for(hiring: Hiring, conn: AsyncConnection, email: str, password: str) -> str:
    """The id of ``email``'s account, checking ``password`` against it, or of a new account."""
    existing = await user_by_email(conn, email)
    if existing is not None:
        if not await hiring.passwords.verify(existing.password_hash, password):
            raise HiringError(403, "wrong_password", "an account with this email exists and the password does not match it")
        return str(existing.id)
    check_new_password(password)
    user_id = new_id()
    await conn.execute(
        users.insert().values(
            id=user_id, email=email, password_hash=await hiring.passwords.hash(password), created_at=hiring.now()
        )
    )
    return user_id


async def create_org_with_owner(
    hiring: Hiring, conn: AsyncConnection, *, name: str, email: str, password: str, signup: bool
) -> tuple[str, str]:
    """(org id, owner's user id). ``signup``: refused unless sign-up is open or this is the
    server's first organisation."""
    org_name = clean_name(name, "organisation's name")
    email = normal_email(email)
    if signup and not hiring.config.open_signup and await any_organisation(conn):
        raise HiringError(
            403, "signup_closed",
            "sign-up is closed on this server: an owner can invite you, or an administrator can run "
            "`firstword hiring create-org` (or set hiring.open_signup)",
        )
    user_id = await _user_for(hiring, conn, email, password)
    org_id, now = new_id(), hiring.now()
    await conn.execute(orgs.insert().values(id=org_id, name=org_name, retention_days=hiring.config.retention_days, created_at=now))
    await conn.execute(members.insert().values(org_id=org_id, user_id=user_id, role="owner", created_at=now))
    actor = audit_log.Actor("member", email, user_id)
    await audit_log.record(conn, org_id, actor, "organisation.created", "organisation", org_id, now)
    return org_id, user_id


async def authenticate(hiring: Hiring, conn: AsyncConnection, email: str, password: str) -> sa.Row | None:
    """The user row when the password is right; None otherwise (as slow either way)."""
    user = await user_by_email(conn, email)
    ok = await hiring.passwords.verify(user.password_hash if user is not None else None, password)
    if not ok or user is None:
        return None
    if hiring.passwords.needs_rehash(user.password_hash):
        # Costs were raised since this hash was made: upgrade it while the password is at hand.
        await conn.execute(
            users.update().where(users.c.id == user.id).values(password_hash=await hiring.passwords.hash(password))
        )
    return user


async def memberships(conn: AsyncConnection, user_id: str) -> list[Membership]:
    rows = await conn.execute(
        sa.select(orgs.c.id, orgs.c.name, members.c.role)
        .join(members, members.c.org_id == orgs.c.id)
        .where(members.c.user_id == user_id)
        .order_by(orgs.c.name, orgs.c.id)
    )
    return [Membership(row.id, row.name, row.role) for row in rows]


async def role_in(conn: AsyncConnection, org_id: str, user_id: str) -> Role | None:
    row = (
        await conn.execute(sa.select(members.c.role).where(members.c.org_id == org_id, members.c.user_id == user_id))
    ).first()
    return None if row is None else row.role


async def organisation(conn: AsyncConnection, org_id: str) -> sa.Row:
    row = (await conn.execute(sa.select(orgs).where(orgs.c.id == org_id))).first()
    if row is None:
        raise not_found("organisation")
    return row


async def list_members(conn: AsyncConnection, org_id: str) -> list[dict[str, object]]:
    rows = await conn.execute(
        sa.select(users.c.id, users.c.email, members.c.role, members.c.created_at)
        .join(members, members.c.user_id == users.c.id)
        .where(members.c.org_id == org_id)
        .order_by(users.c.email)
    )
    return [{"user_id": r.id, "email": r.email, "role": r.role, "since": r.created_at} for r in rows]


async def count_members(conn: AsyncConnection, org_id: str) -> int:
    return int((await conn.execute(sa.select(sa.func.count()).where(members.c.org_id == org_id))).scalar_one())


async def invite_member(
    hiring: Hiring, conn: AsyncConnection, org_id: str, *, email: str, role: Role, actor: audit_log.Actor
) -> tuple[str, float]:
    """(token, expires_at): the token goes into the invitation link and is stored hashed."""
    email = normal_email(email)
    if role not in ROLE_RANK:
        raise invalid(f"unknown role {role!r}")
    existing = await user_by_email(conn, email)
    if existing is not None and await role_in(conn, org_id, existing.id) is not None:
        raise conflict("already_member", f"{email} is already a member")
    token, now = new_token(), hiring.now()
    expires = now + hiring.config.member_invite_days * 86_400
    invite_id = new_id()
    await conn.execute(
        member_invites.insert().values(
            id=invite_id, org_id=org_id, email=email, role=role, token_hash=token_hash(token),
            invited_by=actor.user_id, created_at=now, expires_at=expires,
        )
    )
    await audit_log.record(conn, org_id, actor, "member.invited", "invite", invite_id, now, {"role": role})
    return token, expires


async def list_invites(conn: AsyncConnection, org_id: str, now: float) -> list[dict[str, object]]:
    rows = await conn.execute(
        sa.select(member_invites)
        .where(member_invites.c.org_id == org_id, member_invites.c.accepted_at.is_(None), member_invites.c.expires_at > now)
        .order_by(member_invites.c.created_at.desc())
    )
    return [{"invite_id": r.id, "email": r.email, "role": r.role, "expires_at": r.expires_at} for r in rows]


async def accept_member_invite(hiring: Hiring, conn: AsyncConnection, token: str, password: str) -> tuple[str, str]:
    """(org id, user id): the invited email's account (made with ``password`` if new, else
    checked against it) joins the organisation with the invited role. Single use."""
    now = hiring.now()
    invite = (
        await conn.execute(sa.select(member_invites).where(member_invites.c.token_hash == token_hash(token)))
    ).first()
    if invite is None:
        raise not_found("invitation")
    if invite.accepted_at is not None:
        raise HiringError(410, "invite_used", "this invitation has been used; sign in instead")
    if invite.expires_at <= now:
        raise HiringError(410, "invite_expired", "this invitation has expired; ask an owner for a new one")
    user_id = await _user_for(hiring, conn, invite.email, password)
    if await role_in(conn, invite.org_id, user_id) is not None:
        raise conflict("already_member", "you are already a member of this organisation")
    claimed = await conn.execute(
        member_invites.update()
        .where(member_invites.c.id == invite.id, member_invites.c.accepted_at.is_(None))
        .values(accepted_at=now)
    )
    if claimed.rowcount != 1:
        raise HiringError(410, "invite_used", "this invitation has been used; sign in instead")
    await conn.execute(members.insert().values(org_id=invite.org_id, user_id=user_id, role=invite.role, created_at=now))
    actor = audit_log.Actor("member", invite.email, user_id)
    await audit_log.record(conn, invite.org_id, actor, "member.joined", "member", user_id, now, {"role": invite.role})
    return invite.org_id, user_id


async def remove_member(hiring: Hiring, conn: AsyncConnection, org_id: str, user_id: str, actor: audit_log.Actor) -> None:
    role = await role_in(conn, org_id, user_id)
    if role is None:
        raise not_found("member")
    if role == "owner":
        owners = (
            await conn.execute(sa.select(sa.func.count()).where(members.c.org_id == org_id, members.c.role == "owner"))
        ).scalar_one()
        if owners <= 1:
            raise conflict("last_owner", "an organisation keeps at least one owner")
    await conn.execute(members.delete().where(members.c.org_id == org_id, members.c.user_id == user_id))
    await audit_log.record(conn, org_id, actor, "member.removed", "member", user_id, hiring.now(), {"role": role})


async def set_retention(hiring: Hiring, conn: AsyncConnection, org_id: str, days: int, actor: audit_log.Actor) -> None:
    await conn.execute(orgs.update().where(orgs.c.id == org_id).values(retention_days=days))
    await audit_log.record(conn, org_id, actor, "organisation.retention_changed", "organisation", org_id, hiring.now(),
                           {"retention_days": days})
