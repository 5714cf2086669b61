"""Organisations, users with roles, and login sessions."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from core.clock import Clock
from core.db import Database
from core.errors import Conflict, InvalidCredentials, InvalidInput, NotAuthenticated, TooManyAttempts
from core.ids import OrganisationId, UserId, new_id
from core.models import LoginSessionRow, OrganisationRow, UserRow
from core.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, PasswordHasher
from core.rate_limit import FailureLimiter

SESSION_COOKIE = "rris_session"
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,119}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


class Role(StrEnum):
    CASEWORKER = "caseworker"
    INTERPRETER = "interpreter"
    COORDINATOR = "coordinator"
    ADMIN = "admin"
    # Reports an authority's migration statistics (migration_data): its own authority's, nothing else.
    DATA_OFFICER = "data_officer"


class OrganisationKind(StrEnum):
    AUTHORITY = "authority"  # an asylum or migration authority: one tenant
    OPERATOR = "operator"  # the body running the service and its interpreter pool


@dataclass(frozen=True)
class Organisation:
    id: OrganisationId
    name: str
    kind: OrganisationKind
    country_code: str | None


@dataclass(frozen=True)
class Principal:
    """Who is acting: enough to decide every permission without another query."""

    user_id: UserId
    organisation_id: OrganisationId
    organisation_kind: OrganisationKind
    role: Role
    display_name: str
    organisation_name: str

    @property
    def sees_all_organisations(self) -> bool:
        """Operator-side coordinators and admins oversee every authority; everyone else sees their own."""
        return self.organisation_kind is OrganisationKind.OPERATOR and self.role in (
            Role.COORDINATOR,
            Role.ADMIN,
        )


@dataclass(frozen=True)
class LoginSession:
    token: str  # only ever in the cookie; the database keeps its hash
    csrf_token: str
    principal: Principal
    expires_at: datetime


@dataclass(frozen=True)
class SessionView:
    principal: Principal
    csrf_token: str


@dataclass(frozen=True)
class LoginLimits:
    """Failed logins are counted per username (guessing one account) and, more loosely, per client
    address (one client spraying many accounts), so one office behind NAT is not locked out by a
    colleague's typos."""

    per_user: FailureLimiter
    per_client: FailureLimiter


def session_key(token: str) -> str:
    """The stored form of a session token (SHA-256): what the database keeps, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _principal(user: UserRow, org: OrganisationRow) -> Principal:
    return Principal(
        user_id=UserId(user.id),
        organisation_id=OrganisationId(org.id),
        organisation_kind=OrganisationKind(org.kind),
        role=Role(user.role),
        display_name=user.display_name,
        organisation_name=org.name,
    )


class AccountService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        hasher: PasswordHasher,
        limits: LoginLimits,
        session_ttl_s: int,
    ) -> None:
        self._db = db
        self._clock = clock
        self._hasher = hasher
        self._limits = limits
        self._ttl = timedelta(seconds=session_ttl_s)

    async def create_organisation(
        self, name: str, kind: OrganisationKind, country_code: str | None = None
    ) -> Organisation:
        name = name.strip()
        if not 1 <= len(name) <= 200:
            raise InvalidInput("organisation name must be 1 to 200 characters")
        if country_code is not None and not _COUNTRY.match(country_code):
            raise InvalidInput("country_code must be ISO 3166-1 alpha-2, upper case")
        row = OrganisationRow(
            id=new_id(), name=name, kind=kind.value, country_code=country_code, created_at=self._clock.now()
        )
        try:
            async with self._db.transaction() as session:
                session.add(row)
        except IntegrityError as exc:
            raise Conflict("an organisation with that name exists") from exc
        return Organisation(OrganisationId(row.id), row.name, kind, country_code)

    async def create_user(
        self, organisation_id: OrganisationId, username: str, display_name: str, password: str, role: Role
    ) -> UserId:
        if not _USERNAME.match(username):
            raise InvalidInput("username: 3-120 of a-z 0-9 . _ -, starting with a letter or digit")
        if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
            raise InvalidInput(f"password must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters")
        if not 1 <= len(display_name.strip()) <= 200:
            raise InvalidInput("display name must be 1 to 200 characters")
        row = UserRow(
            id=new_id(),
            organisation_id=organisation_id,
            username=username,
            display_name=display_name.strip(),
            password_hash=await self._hasher.hash_async(password),
            role=role.value,
            active=True,
            created_at=self._clock.now(),
        )
        try:
            async with self._db.transaction() as session:
                if await session.get(OrganisationRow, organisation_id) is None:
                    raise InvalidInput("no such organisation")
                session.add(row)
        except IntegrityError as exc:
            raise Conflict("that username is taken") from exc
        return UserId(row.id)

    async def login(self, username: str, password: str, client_key: str) -> LoginSession:
        """Check the password and open a session; failures are throttled per username and per client."""
        user_key = username.lower()
        if self._limits.per_user.blocked(user_key) or self._limits.per_client.blocked(client_key):
            raise TooManyAttempts()
        user, org = await self._user_with_organisation(UserRow.username == username)
        ok = await self._hasher.verify(user.password_hash if user else None, password)
        if not ok or user is None or org is None or not user.active:
            self._limits.per_user.record_failure(user_key)
            self._limits.per_client.record_failure(client_key)
            raise InvalidCredentials()
        self._limits.per_user.reset(user_key)
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = self._clock.now()
        async with self._db.transaction() as session:
            session.add(
                LoginSessionRow(
                    token_hash=session_key(token),
                    user_id=user.id,
                    csrf_token=csrf,
                    created_at=now,
                    expires_at=now + self._ttl,
                )
            )
        return LoginSession(token, csrf, _principal(user, org), now + self._ttl)

    async def resolve(self, token: str | None) -> SessionView:
        """The principal behind a session cookie, or :class:`NotAuthenticated`."""
        if not token or len(token) > 200:
            raise NotAuthenticated()
        async with self._db.sessions() as session:
            found = (
                await session.execute(
                    select(LoginSessionRow, UserRow, OrganisationRow)
                    .join(UserRow, UserRow.id == LoginSessionRow.user_id)
                    .join(OrganisationRow, OrganisationRow.id == UserRow.organisation_id)
                    .where(LoginSessionRow.token_hash == session_key(token))
                )
            ).first()
        if found is None:
            raise NotAuthenticated()
        login_row, user, org = found
        if login_row.expires_at <= self._clock.now() or not user.active:
            raise NotAuthenticated("session expired")
        return SessionView(_principal(user, org), login_row.csrf_token)

    async def logout(self, token: str) -> None:
        async with self._db.transaction() as session:
            await session.execute(
                delete(LoginSessionRow).where(LoginSessionRow.token_hash == session_key(token))
            )

    async def find_user(self, username: str) -> UserId | None:
        async with self._db.sessions() as session:
            found = await session.scalar(select(UserRow.id).where(UserRow.username == username))
        return UserId(found) if found else None

    async def find_organisation(self, name: str) -> Organisation | None:
        async with self._db.sessions() as session:
            row = await session.scalar(select(OrganisationRow).where(OrganisationRow.name == name))
        if row is None:
            return None
        return Organisation(OrganisationId(row.id), row.name, OrganisationKind(row.kind), row.country_code)

    async def set_password(self, user_id: UserId, password: str) -> None:
        if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
            raise InvalidInput(f"password must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters")
        new_hash = await self._hasher.hash_async(password)
        async with self._db.transaction() as session:
            user = await session.get(UserRow, user_id)
            if user is None:
                raise InvalidInput("no such user")
            user.password_hash = new_hash
            await session.execute(delete(LoginSessionRow).where(LoginSessionRow.user_id == user_id))

    async def principal(self, user_id: UserId) -> Principal | None:
        user, org = await self._user_with_organisation(UserRow.id == user_id)
        return _principal(user, org) if user and org else None

    async def _user_with_organisation(
        self, condition: ColumnElement[bool]
    ) -> tuple[UserRow, OrganisationRow] | tuple[None, None]:
        async with self._db.sessions() as session:
            found = (
                await session.execute(
                    select(UserRow, OrganisationRow)
                    .join(OrganisationRow, OrganisationRow.id == UserRow.organisation_id)
                    .where(condition)
                )
            ).first()
        return (found[0], found[1]) if found else (None, None)
