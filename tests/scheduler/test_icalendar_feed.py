"""The interpreter's iCalendar feed: read by a standard parser, right across DST, escaped and folded."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest

from core.errors import InvalidInput
from core.languages import LanguageTag
from scheduler.icalendar_feed import FeedBooking, FeedStatus, Modality, escape_text, fold, render_feed

SKOPJE = ZoneInfo("Europe/Skopje")
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PASHTO = LanguageTag.parse("ps-AF")
LONG_PASHTO = "د کډوالۍ او پناه غوښتنې د چارو ریاست، سیمه‌ییز دفتر؛ کابل\\ننګرهار, " * 2  # "\\" is literal
LONG_ARABIC = "المكتب الإقليمي لشؤون اللجوء والهجرة، قسم المقابلات؛ الطابق الثاني\nالغرفة ٣"  # noqa: RUF001 -- Arabic script on purpose


def booking(booking_id: str = "b1", start: datetime | None = None, **changes: Any) -> FeedBooking:
    start = start or datetime(2026, 3, 27, 9, tzinfo=SKOPJE)
    fields: dict[str, Any] = {
        "booking_id": booking_id,
        "start_utc": start,
        "end_utc": start + timedelta(hours=1),
        "language": PASHTO,
        "language_name": "Pashto",
        "dialect": None,
        "organisation_name": "Demo Office",
        "modality": Modality.VIDEO,
        "status": FeedStatus.CONFIRMED,
        "last_modified_utc": datetime(2026, 2, 20, 10, 30, tzinfo=UTC),
        "sequence": 0,
    }
    fields.update(changes)
    return FeedBooking(**fields)


def parse(text: str) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(text)


def calendar_name(calendar: icalendar.Calendar) -> str:
    # The parser keeps an X- property's raw text; it is TEXT by convention, so unescape it as RFC 5545 says.
    return re.sub(r"\\([\\;,nN])", _unescaped, str(calendar["X-WR-CALNAME"]))


def _unescaped(match: re.Match[str]) -> str:
    return "\n" if match[1] in "nN" else match[1]


def events(text: str) -> dict[str, icalendar.Component]:
    return {str(event["UID"]): event for event in parse(text).walk("VEVENT")}


def instant(event: icalendar.Component, name: str) -> datetime:
    value = event.decoded(name)
    assert isinstance(value, datetime)
    assert value.tzinfo is not None
    # In UTC: Python never finds a time in a repeated hour equal to one in another zone (PEP 495).
    return value.astimezone(UTC)


def test_the_feed_parses_with_uids_times_statuses_sequence_and_stamps() -> None:
    text = render_feed(
        "Interpreter 17",
        [
            booking("b2", datetime(2026, 4, 2, 13, tzinfo=UTC), status=FeedStatus.CANCELLED, sequence=3),
            booking("b1", datetime(2026, 4, 1, 8, tzinfo=UTC)),
        ],
        NOW,
    )
    calendar = parse(text)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//RRIS//Interpreter bookings feed//EN"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert calendar_name(calendar) == "Interpreter 17"
    assert [str(e["UID"]) for e in calendar.walk("VEVENT")] == ["b1@rris", "b2@rris"]  # ordered by start
    found = events(text)
    assert instant(found["b1@rris"], "DTSTART") == datetime(2026, 4, 1, 8, tzinfo=UTC)
    assert instant(found["b1@rris"], "DTEND") == datetime(2026, 4, 1, 9, tzinfo=UTC)
    assert str(found["b1@rris"]["STATUS"]) == "CONFIRMED"
    assert str(found["b2@rris"]["STATUS"]) == "CANCELLED"
    assert found["b2@rris"].decoded("SEQUENCE") == 3
    assert instant(found["b1@rris"], "DTSTAMP") == NOW
    assert instant(found["b1@rris"], "LAST-MODIFIED") == datetime(2026, 2, 20, 10, 30, tzinfo=UTC)
    assert "DTSTART:20260401T080000Z\r\n" in text


def test_the_summary_names_language_dialect_organisation_and_modality_only() -> None:
    plain = events(render_feed("I", [booking()], NOW))["b1@rris"]
    assert str(plain["SUMMARY"]) == "Interpretation: Pashto (ps-AF), Demo Office — video"
    dialect = events(render_feed("I", [booking(dialect="Kandahari", modality=Modality.AUDIO)], NOW))
    assert (
        str(dialect["b1@rris"]["SUMMARY"]) == "Interpretation: Pashto (ps-AF, Kandahari), Demo Office — audio"
    )


def test_a_feed_booking_has_no_field_for_a_caseworker_or_an_applicant() -> None:
    names = {field.name for field in dataclasses.fields(FeedBooking)}
    assert not {
        name for name in names if any(w in name for w in ("caseworker", "applicant", "person", "user"))
    }
    text = render_feed("I", [booking()], NOW)
    assert {line.split(":")[0].split(";")[0] for line in text.split("\r\n") if line and line[0] != " "} <= {
        "BEGIN", "END", "PRODID", "VERSION", "CALSCALE", "METHOD", "X-WR-CALNAME", "UID", "DTSTAMP",
        "DTSTART", "DTEND", "SUMMARY", "STATUS", "SEQUENCE", "LAST-MODIFIED",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("local_day", "expected_utc_hour"),
    [
        (datetime(2026, 3, 27, 9), 8),  # CET, before the change on 29 March
        (datetime(2026, 3, 30, 9), 7),  # CEST, after it
        (datetime(2026, 10, 23, 9), 7),  # CEST, before the change on 25 October
        (datetime(2026, 10, 26, 9), 8),  # CET, after it
    ],
)
@pytest.mark.parametrize("zone", [None, "Europe/Skopje", "America/New_York"])
def test_times_are_right_across_the_2026_european_changes(
    local_day: datetime, expected_utc_hour: int, zone: str | None
) -> None:
    start = local_day.replace(tzinfo=SKOPJE)
    event = events(render_feed("I", [booking(start=start)], NOW, zone))["b1@rris"]
    expected = local_day.replace(hour=expected_utc_hour, tzinfo=UTC)
    assert instant(event, "DTSTART") == expected
    assert instant(event, "DTEND") == expected + timedelta(hours=1)
    if zone is None:
        assert f"DTSTART:{expected:%Y%m%dT%H%M%S}Z\r\n" in render_feed("I", [booking(start=start)], NOW)


def test_with_a_zone_times_are_local_with_a_vtimezone_of_the_real_transitions() -> None:
    text = render_feed("I", [booking(start=datetime(2026, 3, 27, 9, tzinfo=SKOPJE))], NOW, "Europe/Skopje")
    assert "DTSTART;TZID=Europe/Skopje:20260327T090000\r\n" in text
    zones = parse(text).walk("VTIMEZONE")
    assert [str(z["TZID"]) for z in zones] == ["Europe/Skopje"]
    changes = {
        (str(sub["TZNAME"]), sub.decoded("DTSTART"))
        for sub in zones[0].subcomponents
        if sub.decoded("TZOFFSETFROM") != sub.decoded("TZOFFSETTO")
    }
    assert changes == {("CEST", datetime(2026, 3, 29, 2)), ("CET", datetime(2026, 10, 25, 3))}


@pytest.mark.parametrize(
    "zone", ["Europe/Skopje", "Europe/Dublin", "America/New_York", "Australia/Lord_Howe", "Africa/Casablanca"]
)
def test_the_vtimezone_states_the_offset_in_force_at_every_hour_of_the_bookings_years(zone: str) -> None:
    # Dublin's database marks winter as negative daylight saving; Lord Howe moves by 30 minutes; Casablanca
    # goes back for Ramadan. Each onset is written in the offset being left (RFC 5545 §3.6.5).
    bookings = [
        booking("a", datetime(2025, 1, 2, tzinfo=UTC)),
        booking("b", datetime(2026, 12, 30, tzinfo=UTC)),
    ]
    (vtimezone,) = parse(render_feed("I", bookings, NOW, zone)).walk("VTIMEZONE")
    onsets = sorted(
        (
            sub.decoded("DTSTART").replace(tzinfo=UTC) - sub.decoded("TZOFFSETFROM"),
            sub.decoded("TZOFFSETTO"),
            sub,
        )
        for sub in vtimezone.subcomponents
    )
    real = ZoneInfo(zone)
    for onset, offset_to, sub in onsets[1:]:
        assert (onset - timedelta(seconds=1)).astimezone(real).utcoffset() == sub.decoded("TZOFFSETFROM")
        assert onset.astimezone(real).utcoffset() == offset_to
        assert sub.name == ("DAYLIGHT" if offset_to > sub.decoded("TZOFFSETFROM") else "STANDARD")
    hour = datetime(2025, 1, 1, tzinfo=UTC)
    while hour < datetime(2027, 1, 1, tzinfo=UTC):
        in_force = [offset for onset, offset, _ in onsets if onset <= hour][-1]
        assert in_force == hour.astimezone(real).utcoffset(), hour
        hour += timedelta(hours=1)


def test_the_repeated_hour_at_fall_back_keeps_its_instant_in_zone_mode() -> None:
    # 01:30 UTC is 02:30 CET, the second 02:30 of 25 October; a TZID time would mean the first one, 00:30 UTC.
    first, second = datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    text = render_feed("I", [booking("a", first), booking("b", second)], NOW, "Europe/Skopje")
    found = events(text)
    assert instant(found["a@rris"], "DTSTART") == first
    assert instant(found["b@rris"], "DTSTART") == second
    assert "DTSTART:20261025T013000Z\r\n" in text


def test_a_zone_without_daylight_saving_still_gets_a_valid_vtimezone() -> None:
    start = datetime(2026, 6, 1, 3, tzinfo=UTC)
    text = render_feed("I", [booking(start=start)], NOW, "Asia/Kabul")
    assert "DTSTART;TZID=Asia/Kabul:20260601T073000\r\n" in text
    assert instant(events(text)["b1@rris"], "DTSTART") == start


@pytest.mark.parametrize("name", [LONG_PASHTO, LONG_ARABIC, 'a,b;c\\d\ne:f "g"', "x" * 200])
def test_escaping_and_folding_round_trip_exactly(name: str) -> None:
    text = render_feed(name[:200], [booking(organisation_name=name[:200])], NOW)
    calendar = parse(text)
    assert calendar_name(calendar) == name[:200]
    summary = str(events(text)["b1@rris"]["SUMMARY"])
    assert summary == f"Interpretation: Pashto (ps-AF), {name[:200]} — video"


@pytest.mark.parametrize("zone", [None, "Europe/Skopje"])
def test_every_line_is_at_most_75_octets_and_ends_with_crlf(zone: str | None) -> None:
    text = render_feed(
        LONG_ARABIC, [booking(organisation_name=LONG_PASHTO[:200], dialect="ځ" * 80)], NOW, zone
    )
    assert text.endswith("\r\n")
    lines = text.split("\r\n")[:-1]
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    assert not any("\r" in line or "\n" in line for line in lines)
    assert any(line.startswith(" ") for line in lines)  # the long names were folded


def test_folding_never_splits_a_multibyte_character() -> None:
    line = "SUMMARY:" + "پښتو" * 40 + "😀" * 30
    folded = fold(line)
    pieces = folded.split("\r\n")
    for piece in pieces:
        assert len(piece.encode("utf-8")) <= 75
        piece.encode("utf-8").decode("utf-8")  # each piece is whole characters
    assert "".join(p[1:] if i else p for i, p in enumerate(pieces)) == line
    assert fold("X:" + "a" * 73) == "X:" + "a" * 73  # exactly 75 octets: not folded


def test_text_escaping_follows_rfc_5545() -> None:
    assert escape_text("a\\b;c,d\ne:f") == "a\\\\b\\;c\\,d\\ne:f"


def test_an_empty_feed_is_a_valid_calendar() -> None:
    for zone in (None, "Europe/Skopje"):
        text = render_feed("Interpreter 17", [], NOW, zone)
        calendar = parse(text)
        assert str(calendar["VERSION"]) == "2.0"
        assert calendar.walk("VEVENT") == []
        assert text.startswith("BEGIN:VCALENDAR\r\n")
        assert text.endswith("END:VCALENDAR\r\n")


def test_sub_second_times_round_outward_to_whole_seconds() -> None:
    start = datetime(2026, 4, 1, 8, 0, 0, 500_000, tzinfo=UTC)
    event = events(render_feed("I", [booking(start=start, end_utc=start + timedelta(seconds=1))], NOW))[
        "b1@rris"
    ]
    assert instant(event, "DTSTART") == datetime(2026, 4, 1, 8, 0, 0, tzinfo=UTC)
    assert instant(event, "DTEND") == datetime(2026, 4, 1, 8, 0, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    "changes",
    [
        {"start_utc": datetime(2026, 4, 1, 8)},  # naive
        {"end_utc": datetime(2026, 4, 1, 9)},
        {"last_modified_utc": datetime(2026, 4, 1, 9)},
        {"end_utc": datetime(2026, 3, 27, 8, tzinfo=UTC)},  # equal to the start
        {"end_utc": datetime(2026, 3, 27, 7, tzinfo=UTC)},  # before it
        {"start_utc": datetime(1969, 12, 31, 23, tzinfo=UTC)},  # outside the years the engine handles
        {"end_utc": datetime(2200, 1, 1, 1, tzinfo=UTC)},
        {"booking_id": ""},
        {"organisation_name": "   "},
        {"organisation_name": "x" * 201},
        {"organisation_name": "Demo\x00Office"},
        {"dialect": "Dari\r"},
        {"language_name": None},
        {"language": "ps-AF"},
        {"modality": "carrier pigeon"},
        {"status": "tentative"},
        {"sequence": -1},
        {"sequence": True},
    ],
)
def test_bad_booking_facts_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        booking(**changes)


def test_bad_feed_arguments_are_refused() -> None:
    with pytest.raises(InvalidInput):
        render_feed("I", [booking()], datetime(2026, 3, 1, 12))  # naive now
    with pytest.raises(InvalidInput):
        render_feed("I", [booking()], NOW, "Europe/Atlantis")
    with pytest.raises(InvalidInput):
        render_feed("", [booking()], NOW)
    with pytest.raises(InvalidInput):
        render_feed("I", [booking("same"), booking("same", datetime(2026, 5, 1, tzinfo=UTC))], NOW)


def test_the_feed_is_deterministic_for_the_same_input() -> None:
    bookings = [booking("b1"), booking("b2", datetime(2026, 3, 30, 9, tzinfo=SKOPJE))]
    assert render_feed("I", bookings, NOW, "Europe/Skopje") == render_feed(
        "I", reversed(bookings), NOW, "Europe/Skopje"
    )
