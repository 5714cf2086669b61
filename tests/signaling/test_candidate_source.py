"""On-demand routing asks a CandidateSource who may be rung: only those named are rung, ranked by presence."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from core.ids import OrganisationId, UserId
from core.interpreters import Gender
from core.languages import LanguageTag
from signaling.calls import CallService, CallTimings
from signaling.candidates import DirectoryCandidates
from tests.support.domain import Domain

RING_TIMEOUT = 2.0


@dataclass
class ScriptedCandidates:
    """A CandidateSource that answers what the test says, and remembers every question."""

    answer: list[UserId] = field(default_factory=list)
    asked: list[tuple[OrganisationId, LanguageTag, Gender | None]] = field(default_factory=list)

    async def on_demand(
        self, organisation_id: OrganisationId, language: LanguageTag, gender: Gender | None, /
    ) -> list[UserId]:
        self.asked.append((organisation_id, language, gender))
        return list(self.answer)


def calls_with(d: Domain, source: ScriptedCandidates) -> CallService:
    s = d.services
    return CallService(
        s.store, s.presence, source, s.records, d.notes, d.clock, s.tasks, CallTimings(RING_TIMEOUT, 2.0)
    )


async def standby(d: Domain, *usernames: str) -> None:
    for name in usernames:
        d.clock.advance(1)  # distinct standby times: the first to go on standby is rung first
        await d.services.presence.set_standby(d.world.id(name), f"sid-{name}", on=True)


async def request(d: Domain, calls: CallService, language: str = "ps", gender: str | None = None) -> str:
    view = await calls.request(await d.who("cw.a"), "sid-cw.a", language, gender)
    return str(view["call_id"])


async def test_only_the_interpreters_the_source_names_are_rung(domain: Domain) -> None:
    await standby(domain, "ps.male", "ps.female")  # both on standby, both fit by profile
    source = ScriptedCandidates([domain.world.id("ps.female")])
    call_id = await request(domain, calls_with(domain, source))
    assert domain.notes.to("sid-ps.male") == []
    assert [r["call_id"] for r in domain.notes.to("sid-ps.female", "call:ring")] == [call_id]


async def test_the_source_is_asked_with_the_request_and_again_before_every_ring(domain: Domain) -> None:
    await standby(domain, "ps.male", "ps.female")
    source = ScriptedCandidates([domain.world.id("ps.male"), domain.world.id("ps.female")])
    calls = calls_with(domain, source)
    await request(domain, calls, language="prs", gender="female")
    assert source.asked == [(domain.world.office_a, LanguageTag.parse("fa-AF"), Gender.FEMALE)]
    source.answer = [domain.world.id("ps.male")]  # ps.female became ineligible meanwhile
    await domain.advance(RING_TIMEOUT + 0.1)
    assert len(source.asked) == 2
    assert domain.notes.to("sid-ps.female", "call:ring") == []
    assert domain.notes.to("sid-cw.a", "call:ended")[-1]["outcome"] == "no_interpreter"


async def test_an_empty_answer_ends_the_request_though_interpreters_are_on_standby(domain: Domain) -> None:
    await standby(domain, "ps.male", "ps.female")
    call_id = await request(domain, calls_with(domain, ScriptedCandidates()))
    assert domain.notes.to("sid-cw.a", "call:ended") == [
        {"call_id": call_id, "reason": "no_interpreter", "outcome": "no_interpreter"}
    ]
    assert domain.notes.to("sid-ps.male") == domain.notes.to("sid-ps.female") == []


async def test_of_those_named_only_the_free_are_rung_least_recently_busy_first(domain: Domain) -> None:
    await standby(domain, "ps.female", "ps.male")  # ps.female has waited longest
    await domain.services.presence.set_standby(domain.world.id("ps.female"), "sid-ps.female", on=False)
    named = [domain.world.id(n) for n in ("ps.only.b", "ps.female", "ps.male")]  # any order
    call_id = await request(domain, calls_with(domain, ScriptedCandidates(named)))
    assert domain.notes.to("sid-ps.female") == []  # away
    assert [r["call_id"] for r in domain.notes.to("sid-ps.male", "call:ring")] == [call_id]


@pytest.mark.parametrize(
    ("language", "gender", "expected"),
    [
        pytest.param("ps", None, {"ps.female", "ps.male"}, id="pashto"),
        pytest.param("ps", "male", {"ps.male"}, id="pashto-male"),
        pytest.param("prs", None, set(), id="dari-never-iranian-farsi"),
        pytest.param("ar", None, {"ar.male"}, id="arabic"),
    ],
)
async def test_the_directory_adapter_names_who_the_profiles_allow(
    domain: Domain, language: str, gender: str | None, expected: set[str]
) -> None:
    source = DirectoryCandidates(domain.services.directory)
    found = await source.on_demand(
        domain.world.office_a, LanguageTag.parse(language), Gender(gender) if gender else None
    )
    assert set(found) == {domain.world.id(name) for name in expected}
