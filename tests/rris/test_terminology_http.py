"""The terminology API: everyone signed in reads, coordinators edit with compare-and-set, only granted
reviewers review, and files go in and out as TBX and CSV whole or not at all."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from core.models import TermEntryRow, TerminologyReviewerRow, TermRow, TermVersionRow
from glossary.csv_io import export_csv
from glossary.tbx import export_tbx, import_tbx, validate_tbx_basic
from rris.http.terminology import MAX_IMPORT_BYTES
from tests.conftest import make_settings
from tests.glossary.terms_fixture import TERMS
from tests.rris.conftest import ApiUser, HttpFactory, count_rows
from tests.support.server import RunningServer, running_server
from tests.support.world import World, build_world

TABLES = (TermRow, TermEntryRow, TermVersionRow)
ASYLUM = {
    "id": "asylum",
    "subject_field": "law",
    "entries": [{"language": "en", "text": "asylum", "provenance": "RRIS", "part_of_speech": "noun"}],
}
CONTENT_TYPES = {"tbx": "application/xml", "csv": "text/csv"}


class User(ApiUser):
    async def send(self, method: str, path: str, body: object = None) -> tuple[int, Any]:
        return await self.request(method, path, body)

    async def upload(
        self, kind: str, data: bytes | io.BytesIO, content_type: str | None = None
    ) -> tuple[int, Any]:
        return await self.post_bytes(
            f"/api/terms/import?format={kind}", data, content_type or CONTENT_TYPES[kind]
        )


async def login(http: aiohttp.ClientSession, username: str) -> User:
    return await User.log_in(http, username)


@pytest.fixture
async def users(http: HttpFactory, world: World) -> dict[str, User]:
    """Logged-in users by name: the operator's and an authority's coordinators, a caseworker, interpreters."""
    return {name: await login(http(), name) for name in ("coord", "coord.a", "cw.a", "ps.female", "fa.iran")}


async def state(server: RunningServer) -> tuple[list[int], bytes]:
    """Row counts and the whole terminology as TBX: what "nothing changed" is checked against."""
    counts = [await count_rows(server, table) for table in TABLES]
    return counts, export_tbx(stored.term for stored in await server.services.terms.terms())


def _error(body: Any) -> tuple[str, str]:
    return body["error"]["code"], body["error"]["message"]


async def test_a_coordinator_adds_a_term_and_everyone_signed_in_reads_it_with_its_history(
    server: RunningServer, world: World, users: dict[str, User], http: HttpFactory
) -> None:
    status, created = await users["coord"].send("POST", "/api/terms", ASYLUM)
    assert status == 201, created
    assert created["version"] == 1
    assert created["entries"] == [
        {
            "language": "en",
            "text": "asylum",
            "part_of_speech": "noun",
            "definition": None,
            "provenance": "RRIS",
            "status": "draft",
        }
    ]
    for name in ("cw.a", "ps.female", "coord.a"):
        status, read = await users[name].get("/api/terms/asylum")
        assert status == 200
        [version] = read.pop("history")
        assert read == created
        assert (version["version"], version["author_id"], version["change"]) == (
            1,
            world.id("coord"),
            "created",
        )
        assert version["at"] == created["updated_at"]
    async with http().get("/api/terms/asylum") as resp:
        assert resp.status == 401


@pytest.mark.parametrize("username", ["cw.a", "ps.female"])
async def test_caseworkers_and_interpreters_may_not_edit_and_nothing_is_written(
    server: RunningServer, users: dict[str, User], username: str
) -> None:
    before = await state(server)
    status, body = await users[username].send("POST", "/api/terms", ASYLUM)
    assert (status, _error(body)[0]) == (403, "forbidden")
    assert await state(server) == before


async def test_an_edit_names_its_base_version_and_a_stale_one_is_refused_changing_nothing(
    server: RunningServer, world: World, users: dict[str, User]
) -> None:
    await users["coord"].send("POST", "/api/terms", ASYLUM)
    ps = {"language": "ps", "text": "پناه", "provenance": "RRIS draft"}
    edit = {"base_version": 1, "subject_field": "asylum law", "entries": [*ASYLUM["entries"], ps]}
    status, edited = await users["coord.a"].send("PUT", "/api/terms/asylum", edit)
    assert status == 200, edited
    assert (edited["version"], [e["language"] for e in edited["entries"]]) == (2, ["en", "ps"])
    before = await state(server)

    stale = {**edit, "note": "an edit made on version 1"}
    status, body = await users["coord"].send("PUT", "/api/terms/asylum", stale)

    assert status == 409
    code, message = _error(body)
    assert code == "term_changed"
    assert "version 2" in message
    assert await state(server) == before
    _, read = await users["coord"].get("/api/terms/asylum")
    assert [(v["version"], v["author_id"]) for v in read["history"]] == [
        (1, world.id("coord")),
        (2, world.id("coord.a")),
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"base_version": "1", "subject_field": "law", "entries": ASYLUM["entries"]},
        {"base_version": True, "subject_field": "law", "entries": ASYLUM["entries"]},
        {"base_version": 1, "subject_field": "law", "entries": []},
        {"base_version": 1, "subject_field": "law", "entries": ASYLUM["entries"], "status": "approved"},
        {"base_version": 1, "subject_field": "x" * 201, "entries": ASYLUM["entries"]},
        {
            "base_version": 1,
            "subject_field": "law",
            "entries": [{**ASYLUM["entries"][0], "status": "approved"}],
        },
        {"base_version": 1, "subject_field": "law", "entries": [{**ASYLUM["entries"][0], "language": "xx"}]},
        {"base_version": 1, "subject_field": "law", "entries": [ASYLUM["entries"][0], ASYLUM["entries"][0]]},
    ],
)
async def test_malformed_edits_are_refused_before_anything_is_written(
    server: RunningServer, users: dict[str, User], body: dict[str, object]
) -> None:
    await users["coord"].send("POST", "/api/terms", ASYLUM)
    before = await state(server)
    status, answer = await users["coord"].send("PUT", "/api/terms/asylum", body)
    assert status == 400, answer
    assert await state(server) == before


async def test_only_a_granted_reviewer_reviews_and_approves(
    server: RunningServer, world: World, users: dict[str, User]
) -> None:
    await users["coord"].send("POST", "/api/terms", ASYLUM)
    before = await state(server)
    review = "/api/terms/asylum/entries/en/review"
    for name in ("coord", "coord.a", "ps.female"):
        status, body = await users[name].send("POST", review, {"to": "reviewed"})
        assert (status, _error(body)[0]) == (403, "reviewer_required")
    assert await state(server) == before

    status, grant = await users["coord"].send("PUT", f"/api/terminology/reviewers/{world.id('ps.female')}")
    assert status == 200
    assert (grant["reviewer"], grant["granted_by"]) == (True, world.id("coord"))
    status, reviewed = await users["ps.female"].send("POST", review, {"to": "reviewed", "base_version": 1})
    assert (status, reviewed["entries"][0]["status"], reviewed["version"]) == (200, "reviewed", 2)
    status, approved = await users["ps.female"].send("POST", review, {"to": "approved"})
    assert (status, approved["entries"][0]["status"]) == (200, "approved")
    status, body = await users["ps.female"].send("POST", review, {"to": "reviewed"})
    assert (status, _error(body)[0]) == (409, "review_transition_refused")

    _, read = await users["cw.a"].get("/api/terms/asylum")
    assert [(v["author_id"], v["change"]) for v in read["history"][1:]] == [
        (world.id("ps.female"), "en draft to reviewed"),
        (world.id("ps.female"), "en reviewed to approved"),
    ]

    status, _ = await users["coord"].send("DELETE", f"/api/terminology/reviewers/{world.id('ps.female')}")
    assert status == 200
    status, body = await users["ps.female"].send("POST", review, {"to": "draft"})
    assert (status, _error(body)[0]) == (403, "reviewer_required")


async def test_who_grants_the_reviewer_permission(
    server: RunningServer, world: World, users: dict[str, User]
) -> None:
    path = "/api/terminology/reviewers/"
    status, body = await users["coord"].send("PUT", path + world.id("coord"))
    assert status == 403, body  # never to oneself
    status, body = await users["coord.a"].send("PUT", path + world.id("ps.female"))
    assert status == 403, body  # an authority's coordinator: only their own organisation's people
    status, body = await users["cw.a"].send("PUT", path + world.id("cw.a2"))
    assert status == 403, body
    status, body = await users["coord"].send("PUT", path + "f" * 32)
    assert status == 404, body
    assert await count_rows(server, TerminologyReviewerRow) == 0

    status, body = await users["coord.a"].send("PUT", path + world.id("cw.a"))
    assert (status, body["reviewer"]) == (200, True)
    assert await users["cw.a"].get(path + world.id("cw.a")) == (200, body)
    status, _ = await users["cw.a"].get(path + world.id("cw.a2"))
    assert status == 403
    status, listed = await users["coord"].get("/api/terminology/reviewers")
    assert (status, listed) == (200, {"reviewers": [body | {"display_name": "Test cw.a"}]})
    # An authority's coordinators see their own people's grants; another authority's see none of them.
    status, pool = await users["coord"].send("PUT", path + world.id("ps.female"))
    assert status == 200, pool
    status, listed = await users["coord.a"].get("/api/terminology/reviewers")
    assert [g["user_id"] for g in listed["reviewers"]] == [world.id("cw.a")]


async def test_search_by_language_and_text_ignores_case_and_diacritics(users: dict[str, User]) -> None:
    await users["coord"].send("POST", "/api/terms", ASYLUM)
    child = {
        "id": "child",
        "subject_field": "family",
        "entries": [{"language": "tr", "text": "Çocuk", "provenance": "RRIS"}],
    }
    await users["coord"].send("POST", "/api/terms", child)

    status, found = await users["cw.a"].get("/api/terms?q=COCUK")
    assert (status, [t["id"] for t in found["terms"]]) == (200, ["child"])
    status, found = await users["cw.a"].get("/api/terms?language=en")
    assert (status, [t["id"] for t in found["terms"]]) == (200, ["asylum"])
    for query in ("language=xx", "q=" + "a" * 201, "limit=0", "sort=id"):
        status, _ = await users["cw.a"].get("/api/terms?" + query)
        assert status == 400, query


async def import_fixture(server: RunningServer, world: World, users: dict[str, User]) -> None:
    """The fixture's terms, approved entries and all, imported as CSV by a coordinator who reviews."""
    await users["coord"].send("PUT", f"/api/terminology/reviewers/{world.id('coord.a')}")
    status, body = await users["coord.a"].upload("csv", export_csv(TERMS).encode())
    assert (status, body) == (200, {"imported": len(TERMS)})


@pytest.mark.parametrize("kind", ["tbx", "csv"])
async def test_an_export_imported_elsewhere_exports_the_same_again(
    server: RunningServer, world: World, users: dict[str, User], tmp_path: Path, kind: str
) -> None:
    await import_fixture(server, world, users)
    status, content_type, exported = await users["cw.a"].get_file(f"/api/terms/export?format={kind}")
    assert (status, content_type) == (200, CONTENT_TYPES[kind])
    if kind == "tbx":
        assert validate_tbx_basic(exported) == []
        assert import_tbx(exported) == TERMS

    async with running_server(make_settings(tmp_path / "other")) as other:
        other_world = await build_world(other.services.accounts, other.services.directory)
        async with (
            aiohttp.ClientSession(other.url, cookie_jar=aiohttp.CookieJar(unsafe=True)) as a,
            aiohttp.ClientSession(other.url, cookie_jar=aiohttp.CookieJar(unsafe=True)) as b,
        ):
            granter, importer = await login(a, "coord"), await login(b, "coord.a")
            await granter.send("PUT", f"/api/terminology/reviewers/{other_world.id('coord.a')}")
            status, body = await importer.upload(kind, exported)
            assert (status, body) == (200, {"imported": len(TERMS)})
            _, _, again = await importer.get_file(f"/api/terms/export?format={kind}")
            assert [s.term for s in await other.services.terms.terms()] == TERMS

    assert again == exported


MALFORMED = [
    pytest.param(
        "csv", "concept_id,term\r\nasylum,asylum\r\n", "line 1: the header must be", id="csv-header"
    ),
    pytest.param(
        "csv",
        export_csv(TERMS).replace("\r\ninterpreter,procedure,,ti,", "\r\ninterpreter,procedure,,xx,"),
        "line 8: unknown language tag 'xx'",  # asylum's definition holds a line break: its row takes two
        id="csv-language",
    ),
    pytest.param("csv", "\ufeffconcept_id", "line 1:", id="csv-truncated"),
    pytest.param(
        "tbx",
        '<?xml version="1.0"?>\n<tbx type="TBX-Basic" style="dca">\n  <text>\n</tbx>\n',
        "line 4: not well-formed XML",
        id="tbx-not-xml",
    ),
    pytest.param(
        "tbx",
        '<!DOCTYPE tbx [<!ENTITY x "y">]>\n<tbx/>',
        "line 1: refused XML feature",
        id="tbx-dtd",
    ),
]


@pytest.mark.parametrize(("kind", "text", "reason"), MALFORMED)
async def test_a_malformed_file_is_refused_with_its_line_and_reason_and_nothing_changes(
    server: RunningServer, world: World, users: dict[str, User], kind: str, text: str, reason: str
) -> None:
    await import_fixture(server, world, users)
    before = await state(server)
    status, body = await users["coord"].upload(kind, text.encode())
    assert status == 400, body
    code, message = _error(body)
    assert code == "import_refused"
    assert message.startswith(reason), message
    assert await state(server) == before


async def test_a_broken_tbx_entry_deep_in_a_file_names_its_line(
    server: RunningServer, world: World, users: dict[str, User]
) -> None:
    await import_fixture(server, world, users)
    _, _, exported = await users["coord"].get_file("/api/terms/export?format=tbx")
    renamed = exported.replace(b'id="asylum"', b'id="asylum2"').replace(b'id="interpreter"', b'id="other"')
    broken = renamed.replace(b"review-status: draft</note>", b"review-status: final</note>", 1)
    line = renamed.split(b"review-status: draft</note>")[0].count(b"\n") + 1
    before = await state(server)

    status, body = await users["coord"].upload("tbx", broken)

    assert (status, _error(body)) == (
        400,
        ("import_refused", f"line {line}: ps: unknown review status 'final'"),
    )
    assert await state(server) == before


async def test_an_import_of_known_concepts_is_refused_whole(
    server: RunningServer, world: World, users: dict[str, User]
) -> None:
    await import_fixture(server, world, users)
    before = await state(server)
    status, body = await users["coord"].upload("csv", export_csv(TERMS).encode())
    assert (status, _error(body)[0]) == (409, "duplicate_term")
    assert await state(server) == before


async def test_imports_are_for_coordinators_in_the_right_type_and_size(
    server: RunningServer, users: dict[str, User]
) -> None:
    data = export_csv(TERMS).encode()
    status, _ = await users["cw.a"].upload("csv", data)
    assert status == 403
    status, body = await users["coord"].upload("csv", data, "application/json")
    assert status == 400, body
    status, body = await users["coord"].upload("pdf", data, "application/pdf")
    assert status == 400, body
    status, body = await users["coord"].upload("csv", io.BytesIO(b"x" * (MAX_IMPORT_BYTES + 1)))
    assert (status, _error(body)[0]) == (400, "invalid_input")
    assert (await state(server))[0] == [0, 0, 0]


async def test_a_file_larger_than_a_json_body_imports_whole(
    server: RunningServer, users: dict[str, User]
) -> None:
    rows = [
        ",".join(
            (
                "concept_id",
                "subject_field",
                "concept_note",
                "language",
                "term",
                "part_of_speech",
                "definition",
                "provenance",
                "status",
            )
        )
    ]
    rows += [f"term_{n},procedure,,en,term number {n},noun,,RRIS seed,draft" for n in range(3000)]
    data = ("\r\n".join(rows) + "\r\n").encode()
    assert len(data) > 64 * 1024  # the application's limit for JSON bodies

    status, body = await users["coord"].upload("csv", data)

    assert (status, body) == (200, {"imported": 3000})
    assert (await state(server))[0] == [3000, 3000, 3000]
