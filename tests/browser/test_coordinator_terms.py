"""The console's Terminology section in Chromium: a coordinator adds a term in two languages and edits it
(each save a version in its history), an edit overtaken by someone else's is refused with the input kept;
the operator's coordinator grants an authority's coordinator the reviewer permission, who then approves an
entry while others see no review buttons; a malformed CSV import is refused with its line and reason and
changes nothing; a phrase recording is uploaded, listed with a player, and deleted."""

from __future__ import annotations

from playwright.async_api import Browser, Locator, Page, expect

from glossary.review import ReviewStatus
from glossary.terminology import EntryText, new_term
from tests.glossary.test_phrase_audio import sine
from tests.support.browser import logged_in, screenshot
from tests.support.server import RunningServer
from tests.support.world import PASSWORD, World

HELLO = "greeting.hello"
BAD_CSV = (
    "concept_id,subject_field,concept_note,language,term,part_of_speech,definition,provenance,status\r\n"
    "hearing,asylum procedure,,en,hearing,noun,,Test source,draft\r\n"
    "hearing,asylum procedure,,xx,audience,noun,,Test source,draft\r\n"
)


async def open_terminology(browser: Browser, server: RunningServer, username: str) -> Page:
    _, page = await logged_in(browser, server.url, username, PASSWORD)
    await page.get_by_role("link", name="Terminology").click()
    return page


def entry_row(form: Locator, index: int) -> Locator:
    return form.locator("fieldset.term-row").nth(index)


async def fill_entry(row: Locator, language: str, text: str, provenance: str) -> None:
    await row.get_by_label("Language").select_option(language)
    await row.get_by_label("Term", exact=True).fill(text)
    await row.get_by_label("Provenance").fill(provenance)


async def seed_term(server: RunningServer, world: World) -> None:
    entries = [
        EntryText("en", "interview room", "Test glossary"),
        EntryText("fa", "اتاق مصاحبه", "Test glossary"),
    ]
    term = new_term("interview_room", "asylum procedure", None, entries)
    await server.services.terms.create(world.id("coord"), term)


async def test_a_coordinator_adds_and_edits_a_term_and_an_overtaken_edit_keeps_the_input(
    server: RunningServer, world: World, browser: Browser
) -> None:
    terms = server.services.terms
    page = await open_terminology(browser, server, "coord")
    await page.get_by_role("button", name="Add a term").click()
    form = page.locator("#term-form")
    await expect(form.get_by_label("Concept id")).to_be_focused()
    await form.get_by_label("Concept id").fill("interview_room")
    await form.get_by_label("Subject field").fill("asylum procedure")
    await fill_entry(entry_row(form, 0), "en", "interview room", "Test glossary")
    await form.get_by_role("button", name="Add a language").click()
    await fill_entry(entry_row(form, 1), "fa", "اتاق مصاحبه", "Test glossary")
    await entry_row(form, 1).get_by_label("Part of speech").select_option("noun")
    await form.get_by_role("button", name="Save the term").click()

    result = page.locator("#term-form-result")
    await expect(result).to_have_text("Saved interview_room (version 1).")
    stored = await terms.term("interview_room")
    assert [(e.language, e.text, e.status) for e in stored.term.entries] == [
        ("en", "interview room", ReviewStatus.DRAFT),
        ("fa", "اتاق مصاحبه", ReviewStatus.DRAFT),
    ]
    assert stored.term.entries[1].part_of_speech == "noun"
    listed = page.locator('#terms tr[data-term-id="interview_room"]')
    await expect(listed).to_contain_text("اتاق مصاحبه")
    await expect(listed.locator('li[data-language="fa"] .term-badge')).to_have_text("Draft")
    detail = page.locator("#term-detail")
    await expect(detail).to_be_focused()
    await expect(detail.locator("#term-history tbody tr")).to_have_count(1)

    # An edit: one more version, shown in the history with who made it.
    await detail.get_by_role("button", name="Edit this term").click()
    await expect(form.get_by_label("Concept id")).to_have_attribute("readonly", "")
    await entry_row(form, 0).get_by_label("Term", exact=True).fill("interview room (hearing)")
    await form.get_by_role("button", name="Save the term").click()
    await expect(result).to_have_text("Saved interview_room (version 2).")
    assert len(await terms.history("interview_room")) == 2
    history = detail.locator("#term-history tbody tr")
    await expect(history).to_have_count(2)
    await expect(history.first).to_contain_text(f"{world.id('coord')} (you)")
    await expect(detail.locator('#term-entries tr[data-language="en"]')).to_contain_text(
        "interview room (hearing)"
    )

    # Someone else saves while this coordinator edits: theirs stands, ours is refused but kept on screen.
    await detail.get_by_role("button", name="Edit this term").click()
    await form.get_by_label("Subject field").fill("asylum interview")
    await entry_row(form, 1).get_by_label("Definition").fill("the room where the interview is held")
    current = await terms.term("interview_room")
    theirs = [
        EntryText(e.language, e.text, e.provenance, e.part_of_speech, e.definition)
        for e in current.term.entries
    ]
    await terms.update(world.id("coord.a"), "interview_room", current.version, "reception", None, theirs)
    await form.get_by_role("button", name="Save the term").click()
    await expect(result).to_contain_text("Someone else changed this term while you were editing it.")
    await expect(result).to_have_attribute("data-outcome", "refused")
    await expect(form).to_be_visible()
    await expect(form.get_by_label("Subject field")).to_have_value("asylum interview")
    await expect(entry_row(form, 1).get_by_label("Definition")).to_have_value(
        "the room where the interview is held"
    )
    await expect(page.get_by_role("button", name="Load the current version")).to_be_visible()
    after = await terms.term("interview_room")
    assert (after.version, after.term.subject_field) == (3, "reception")
    await screenshot(page, "coordinator-terms-conflict")


async def test_a_granted_reviewer_approves_an_entry_and_nobody_else_gets_review_buttons(
    server: RunningServer, world: World, browser: Browser
) -> None:
    await seed_term(server, world)
    reviewers = server.services.reviewers
    operator = await open_terminology(browser, server, "coord")
    await expect(operator.locator("#term-reviewer-note")).to_contain_text(
        "You do not hold the reviewer permission"
    )
    await operator.get_by_role("button", name="Open: interview_room").click()
    await expect(operator.locator('#term-entries tr[data-language="en"]')).to_be_visible()
    await expect(operator.locator("#term-entries button")).to_have_count(0)

    await operator.get_by_label("User id").fill(world.id("coord.a"))
    await operator.get_by_role("button", name="Grant the reviewer permission").click()
    granted = operator.locator("#reviewers-result")
    await expect(granted).to_have_text(f"{world.id('coord.a')} now holds the reviewer permission.")
    await expect(operator.locator(f'#reviewers tr[data-user-id="{world.id("coord.a")}"]')).to_contain_text(
        world.id("coord")
    )
    grant = await reviewers.grant_of(world.id("coord.a"))
    assert grant is not None
    assert grant.granted_by == world.id("coord")

    reviewer = await open_terminology(browser, server, "coord.a")
    await expect(reviewer.locator("#term-reviewer-note")).to_contain_text("You hold the reviewer permission")
    # An authority's coordinator grants only its own people: the server's refusal is shown as it is.
    await reviewer.get_by_label("User id").fill(world.id("ps.male"))
    await reviewer.get_by_role("button", name="Grant the reviewer permission").click()
    await expect(reviewer.locator("#reviewers-result")).to_contain_text("You may not do this")
    assert await reviewers.grant_of(world.id("ps.male")) is None

    await reviewer.get_by_role("button", name="Open: interview_room").click()
    english = reviewer.locator('#term-entries tr[data-language="en"]')
    await expect(english.get_by_role("button")).to_have_count(1)  # from draft: only forward
    await english.get_by_role("button", name="Mark reviewed: English").click()
    await expect(english).to_have_attribute("data-status", "reviewed")
    await english.get_by_role("button", name="Approve: English").click()
    await expect(english).to_have_attribute("data-status", "approved")
    await expect(english.locator(".term-badge")).to_have_text("Approved")
    await expect(reviewer.locator("#term-detail-result")).to_have_text("The English term is now approved.")
    await expect(english.get_by_role("button", name="Back to draft: English")).to_be_visible()
    await expect(
        reviewer.locator('#terms tr[data-term-id="interview_room"] li[data-language="en"]')
    ).to_contain_text("Approved")
    stored = await server.services.terms.term("interview_room")
    assert [e.status for e in stored.term.entries] == [ReviewStatus.APPROVED, ReviewStatus.DRAFT]
    await expect(reviewer.locator("#term-history tbody tr")).to_have_count(3)
    await screenshot(reviewer, "coordinator-terms-review")


async def test_a_malformed_import_names_the_line_and_reason_and_changes_nothing(
    server: RunningServer, world: World, browser: Browser
) -> None:
    await seed_term(server, world)
    before = await server.services.terms.terms()
    page = await open_terminology(browser, server, "coord")
    await expect(page.locator("#terms-export-csv")).to_have_attribute("href", "/api/terms/export?format=csv")
    exported = await page.request.get("/api/terms/export?format=tbx")
    assert exported.status == 200
    assert b"interview_room" in await exported.body()

    await page.get_by_label("TBX or CSV file to import").set_input_files(
        {"name": "terms.csv", "mimeType": "text/csv", "buffer": BAD_CSV.encode()}
    )
    await (
        page.get_by_role("form", name="Import and export")
        .get_by_role("button", name="Import", exact=True)
        .click()
    )
    result = page.locator("#terms-import-result")
    await expect(result).to_have_text(
        "The file was refused (line 3: unknown language tag 'xx'). Nothing was changed."
    )
    await expect(result).to_have_attribute("data-outcome", "refused")
    assert await server.services.terms.terms() == before
    await screenshot(page, "coordinator-terms-import-refused")


async def test_a_phrase_recording_is_uploaded_listed_with_a_player_and_deleted(
    server: RunningServer, world: World, browser: Browser
) -> None:
    page = await open_terminology(browser, server, "coord")
    await expect(page.locator("#phrase-audio-empty")).to_be_visible()
    form = page.locator("#phrase-audio-form")
    await form.get_by_label("Phrase").select_option(HELLO)
    await form.get_by_label("Language").select_option("ps")
    await form.get_by_label("Who spoke it (provenance)").fill("Test speaker, Kabul")
    await form.get_by_label("Recording").set_input_files(
        {"name": "hello.ogg", "mimeType": "audio/ogg", "buffer": sine("audio/ogg", 1.0)}
    )
    await form.get_by_role("button", name="Upload the recording").click()
    result = page.locator("#phrase-audio-result")
    await expect(result).to_contain_text("Uploaded:")
    await expect(result).to_contain_text("Pashto")
    listed = page.locator(f'#phrase-audio tr[data-phrase-id="{HELLO}"][data-language="ps"]')
    await expect(listed).to_contain_text("Pashto")
    player = listed.locator("audio")
    src = await player.get_attribute("src")
    assert src is not None
    answer = await page.request.get(src)
    assert answer.status == 200
    assert answer.headers["content-type"] == "audio/ogg"
    [stored] = await server.services.phrase_audio.listing()
    assert (stored.phrase_id, stored.language) == (HELLO, "ps")
    await screenshot(page, "coordinator-phrase-audio")

    # Not audio of the type it claims: refused, with the server's reason, and nothing replaced.
    await form.get_by_label("Recording").set_input_files(
        {"name": "hello.ogg", "mimeType": "audio/ogg", "buffer": b"not audio at all"}
    )
    await form.get_by_role("button", name="Upload the recording").click()
    await expect(result).to_contain_text("Not uploaded.")
    await expect(result).to_have_attribute("data-outcome", "refused")
    assert await server.services.phrase_audio.listing() == [stored]

    await listed.get_by_role("button", name="Delete the recording:").click()
    await expect(listed).to_have_count(0)
    await expect(page.locator("#phrase-audio-empty")).to_be_visible()
    assert await server.services.phrase_audio.listing() == []
