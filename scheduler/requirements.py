"""What a booking demands beyond language and time, stored with it so every re-offer obeys the same rules.

Hard: interpreter gender, specialisations, minimum accreditation, interpreters excluded for this case, and the
applicant attributes on which the case needs neutrality (see :class:`scheduler.constraints.MatchRequest`).
Soft: the preferred interpreter. The counterpart language is the authority side's language; with it, an
interpreter must work both languages, and relay through a pivot language becomes possible.

The applicant attributes say something about the applicant (``nationality=af``): they are kept with the
booking, shown only to those who see the booking, and never logged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from core.errors import InvalidInput
from core.ids import OrganisationId, UserId
from core.interpreters import Gender
from core.languages import LanguageTag
from scheduler.constraints import Accreditation, Attribute, MatchRequest, Specialisation

MAX_EXCLUDED = 50
MAX_ATTRIBUTES = 10


@dataclass(frozen=True)
class BookingRequirements:
    gender: Gender | None = None
    specialisations: frozenset[Specialisation] = frozenset()
    min_accreditation: Accreditation = Accreditation.NONE
    excluded: frozenset[UserId] = frozenset()
    applicant_attributes: frozenset[Attribute] = frozenset()
    preferred_interpreter: UserId | None = None
    counterpart_language: LanguageTag | None = None

    def __post_init__(self) -> None:
        if self.gender is Gender.UNDISCLOSED:
            raise InvalidInput("a booking may ask for a gender, not for an undisclosed one")
        if len(self.excluded) > MAX_EXCLUDED:
            raise InvalidInput(f"at most {MAX_EXCLUDED} excluded interpreters")
        if len(self.applicant_attributes) > MAX_ATTRIBUTES:
            raise InvalidInput(f"at most {MAX_ATTRIBUTES} applicant attributes")
        if self.preferred_interpreter is not None and self.preferred_interpreter in self.excluded:
            raise InvalidInput("the preferred interpreter is also excluded")

    def match_request(
        self,
        organisation: OrganisationId,
        language: LanguageTag,
        dialect: str | None,
        organisation_excluded: frozenset[UserId] = frozenset(),
    ) -> MatchRequest:
        return MatchRequest(
            organisation=organisation,
            language=language,
            dialect=dialect,
            gender=self.gender,
            specialisations=self.specialisations,
            min_accreditation=self.min_accreditation,
            excluded=self.excluded,
            organisation_excluded=organisation_excluded,
            applicant_attributes=self.applicant_attributes,
            # The organisation's exclusion is hard: a preference for someone on it cannot be honoured.
            preferred_interpreter=None
            if self.preferred_interpreter in organisation_excluded
            else self.preferred_interpreter,
            counterpart=self.counterpart_language,
        )

    def to_json(self) -> str:
        return json.dumps(
            {
                "gender": self.gender.value if self.gender else None,
                "specialisations": sorted(self.specialisations),
                "min_accreditation": self.min_accreditation.name.lower(),
                "excluded": sorted(self.excluded),
                "applicant_attributes": sorted(
                    ({"key": a.key, "value": a.value} for a in self.applicant_attributes),
                    key=lambda a: (a["key"], a["value"]),
                ),
                "preferred_interpreter": self.preferred_interpreter,
                "counterpart_language": self.counterpart_language.tag if self.counterpart_language else None,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> BookingRequirements:
        raw = json.loads(text or "{}")
        return cls.parse(raw)

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> BookingRequirements:
        """From plain values (a stored row or a validated request body); raises :class:`InvalidInput`."""
        try:
            accreditation = Accreditation[str(raw.get("min_accreditation") or "none").upper()]
        except KeyError:
            raise InvalidInput(
                f"min_accreditation must be one of {', '.join(a.name.lower() for a in Accreditation)}"
            ) from None
        try:
            specialisations = frozenset(Specialisation(s) for s in raw.get("specialisations") or ())
        except ValueError:
            raise InvalidInput(f"specialisations are among {', '.join(Specialisation)}") from None
        try:
            gender = Gender(raw["gender"]) if raw.get("gender") else None
        except ValueError:
            raise InvalidInput(f"gender must be one of {', '.join(Gender)}") from None
        counterpart = raw.get("counterpart_language")
        preferred = raw.get("preferred_interpreter")
        return cls(
            gender=gender,
            specialisations=specialisations,
            min_accreditation=accreditation,
            excluded=frozenset(UserId(u) for u in raw.get("excluded") or ()),
            applicant_attributes=frozenset(
                Attribute(a["key"], a["value"]) for a in raw.get("applicant_attributes") or ()
            ),
            preferred_interpreter=UserId(preferred) if preferred else None,
            counterpart_language=LanguageTag.parse(counterpart) if counterpart else None,
        )
