"""Interpreter profiles and authorities' exclusion lists over HTTP: parse, check, call the core, serialise.

A profile's declared conflicts are personal, so only the interpreter and coordinators read a profile, and
only the pool's (or the operator's) coordinators replace one. An exclusion list is its authority's own
business and the operator's. The routes are described in ``docs/openapi-interpreters.yaml``.
"""

from __future__ import annotations

from typing import Annotated

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from core.errors import InvalidInput, NotFound
from core.exclusions import MAX_EXCLUSIONS, require_may_manage_exclusions
from core.ids import OrganisationId, UserId
from core.interpreters import (
    MAX_ATTRIBUTE_LENGTH,
    MAX_CONFLICTS,
    MAX_DIALECT_LENGTH,
    MAX_LANGUAGES,
    MAX_ORGANISATIONS,
    Accreditation,
    Attribute,
    Gender,
    InterpreterProfile,
    Specialisation,
    WorkingLanguage,
    require_may_edit_profile,
    require_may_read_profile,
)
from core.languages import MAX_TAG_LENGTH, LanguageTag
from rris.http.auth import read_json, require_session
from rris.http.keys import services

Id = Annotated[str, StringConstraints(min_length=1, max_length=32)]
Dialect = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_DIALECT_LENGTH)
]
AttributeText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_ATTRIBUTE_LENGTH)]


class LanguageBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tag: Annotated[str, StringConstraints(min_length=1, max_length=MAX_TAG_LENGTH)]
    dialect: Dialect | None = None
    accreditation: Accreditation = Accreditation.NONE

    @field_validator("accreditation", mode="before")
    @classmethod
    def _by_label(cls, value: object) -> Accreditation:
        # On the wire the rung is named ("certified"), never numbered: a number says nothing to a reader.
        if not isinstance(value, str):
            raise ValueError("accreditation must be one of " + ", ".join(a.label for a in Accreditation))
        try:
            return Accreditation.from_label(value)
        except InvalidInput as exc:
            raise ValueError(exc.message) from exc


class ConflictBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: AttributeText
    value: AttributeText


class ProfileBody(BaseModel):
    """The whole profile: a PUT replaces every part, so every part must be sent (lists may be empty)."""

    model_config = ConfigDict(extra="forbid")
    gender: Gender
    languages: Annotated[list[LanguageBody], Field(max_length=MAX_LANGUAGES)]
    organisations: Annotated[list[Id], Field(max_length=MAX_ORGANISATIONS)]
    specialisations: Annotated[list[Specialisation], Field(max_length=len(Specialisation))]
    conflicts: Annotated[list[ConflictBody], Field(max_length=MAX_CONFLICTS)]


class ExclusionsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    interpreters: Annotated[list[Id], Field(max_length=MAX_EXCLUSIONS)]


def profile_json(profile: InterpreterProfile) -> dict[str, object]:
    """The profile in the shape a PUT takes, so a client can read, change and send it back."""
    return {
        "gender": profile.gender.value,
        "languages": [
            {"tag": lang.tag.tag, "dialect": lang.dialect, "accreditation": lang.accreditation.label}
            for lang in profile.languages
        ],
        "organisations": sorted(profile.organisations),
        "specialisations": sorted(s.value for s in profile.specialisations),
        "conflicts": [
            {"key": c.key, "value": c.value}
            for c in sorted(profile.conflicts, key=lambda c: (c.key, c.value))
        ],
    }


def exclusions_json(interpreter_ids: frozenset[UserId]) -> dict[str, object]:
    return {"interpreters": sorted(interpreter_ids)}


async def get_profile(request: web.Request) -> web.Response:
    who = require_session(request).principal
    interpreter_id = UserId(request.match_info["interpreter_id"])
    require_may_read_profile(who, interpreter_id)
    profile = await services(request).directory.profile(interpreter_id)
    if profile is None:
        raise NotFound("no such interpreter profile")
    return web.json_response(profile_json(profile))


async def put_profile(request: web.Request) -> web.Response:
    who = require_session(request).principal
    svc = services(request)
    interpreter = require_may_edit_profile(
        who, await svc.accounts.principal(UserId(request.match_info["interpreter_id"]))
    )
    body = ProfileBody.model_validate(await read_json(request))
    # Every value is built (and so checked) before anything is written.
    languages = [
        WorkingLanguage(LanguageTag.parse(lang.tag), lang.dialect, lang.accreditation)
        for lang in body.languages
    ]
    conflicts = [Attribute(c.key, c.value) for c in body.conflicts]
    profile = await svc.directory.set_profile(
        interpreter.user_id,
        body.gender,
        languages,
        [OrganisationId(o) for o in body.organisations],
        specialisations=body.specialisations,
        conflicts=conflicts,
    )
    return web.json_response(profile_json(profile))


async def get_exclusions(request: web.Request) -> web.Response:
    who = require_session(request).principal
    organisation_id = OrganisationId(request.match_info["organisation_id"])
    require_may_manage_exclusions(who, organisation_id)
    return web.json_response(exclusions_json(await services(request).exclusions.excluded(organisation_id)))


async def put_exclusions(request: web.Request) -> web.Response:
    who = require_session(request).principal
    organisation_id = OrganisationId(request.match_info["organisation_id"])
    require_may_manage_exclusions(who, organisation_id)
    body = ExclusionsBody.model_validate(await read_json(request))
    replaced = await services(request).exclusions.replace(
        organisation_id, [UserId(i) for i in body.interpreters]
    )
    return web.json_response(exclusions_json(replaced))


def routes() -> list[web.RouteDef]:
    return [
        web.get("/api/interpreters/{interpreter_id}/profile", get_profile),
        web.put("/api/interpreters/{interpreter_id}/profile", put_profile),
        web.get("/api/organisations/{organisation_id}/exclusions", get_exclusions),
        web.put("/api/organisations/{organisation_id}/exclusions", put_exclusions),
    ]
