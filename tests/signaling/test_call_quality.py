"""Quality telemetry: the score of a getStats() summary, the bounded series in the shared store, the
poor/recovered rule told to both participants, and the refusals of call:stats."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from core.errors import Conflict, Forbidden, NotFound
from signaling.call_quality import (
    SERIES_LENGTH,
    Summary,
    TooFrequent,
    latest_scores,
    level_after,
    quality_key,
    score,
)
from signaling.live_board import BoardScope, board_json
from signaling.protocol import CallStatsPayload
from tests.signaling.test_calls import active_call
from tests.support.domain import Domain

GOOD = Summary(rtt_ms=50, jitter_ms=10, loss_pct=0, bitrate_kbps=1200, audio_only=False, frames_per_s=30)
POOR = Summary(rtt_ms=80, jitter_ms=20, loss_pct=10, bitrate_kbps=300, audio_only=False, frames_per_s=25)


@pytest.mark.parametrize(
    ("summary", "low", "high"),
    [
        (GOOD, 90, 100),
        (Summary(rtt_ms=50, jitter_ms=10, loss_pct=0, bitrate_kbps=40, audio_only=True), 90, 100),
        (Summary(rtt_ms=50, jitter_ms=10, loss_pct=1, bitrate_kbps=1200, audio_only=False), 80, 95),
        (Summary(rtt_ms=50, jitter_ms=10, loss_pct=10, bitrate_kbps=1200, audio_only=False), 0, 79),
        (Summary(rtt_ms=600, jitter_ms=10, loss_pct=0, bitrate_kbps=1200, audio_only=False), 50, 85),
        (Summary(rtt_ms=50, jitter_ms=10, loss_pct=0, bitrate_kbps=50, audio_only=False), 70, 95),
        (
            Summary(rtt_ms=50, jitter_ms=10, loss_pct=0, bitrate_kbps=900, audio_only=False, frames_per_s=3),
            80,
            95,
        ),
        (Summary(rtt_ms=60_000, jitter_ms=60_000, loss_pct=100, bitrate_kbps=0, audio_only=False), 0, 0),
    ],
)
def test_the_score_weighs_loss_most_and_stays_within_0_and_100(summary: Summary, low: int, high: int) -> None:
    assert low <= score(summary) <= high


def test_ten_percent_loss_scores_below_80_and_a_clean_link_90_or_more() -> None:
    assert score(POOR) < 80
    assert score(Summary(rtt_ms=50, jitter_ms=10, loss_pct=10, bitrate_kbps=40, audio_only=True)) < 80
    assert score(GOOD) >= 90


def test_poor_takes_three_scores_under_60_and_recovery_three_of_75_or_more() -> None:
    assert level_after("good", [50, 50]) == "fair"
    assert level_after("fair", [50, 50, 50]) == "poor"
    assert level_after("fair", [50, 70, 50]) == "fair"
    assert level_after("poor", [50, 80, 80]) == "poor"
    assert level_after("poor", [80, 70, 80]) == "poor"
    assert level_after("poor", [80, 80, 80]) == "good"
    assert level_after("good", [90]) == "good"


async def send(d: Domain, who: str, call_id: str, summary: Summary) -> int:
    d.clock.advance(5)
    result = await d.services.calls.quality.report(await d.who(who), call_id, summary)
    return int(result["score"])


async def test_a_sustained_poor_link_is_told_to_both_sides_then_its_recovery(domain: Domain) -> None:
    call_id = await active_call(domain)
    assert await send(domain, "cw.a", call_id, POOR) < 60
    await send(domain, "cw.a", call_id, POOR)
    assert domain.notes.to("sid-cw.a", "call:quality")[-1]["level"] == "fair"
    await send(domain, "cw.a", call_id, POOR)
    told = domain.notes.to("sid-cw.a", "call:quality")[-1]
    assert told == domain.notes.to("sid-ps.male", "call:quality")[-1]
    assert (told["role"], told["level"], told["advice"]) == ("caseworker", "poor", "audio_only")

    await send(domain, "cw.a", call_id, GOOD)
    await send(domain, "cw.a", call_id, GOOD)
    assert domain.notes.to("sid-ps.male", "call:quality")[-1]["level"] == "poor"
    await send(domain, "cw.a", call_id, GOOD)
    told = domain.notes.to("sid-ps.male", "call:quality")[-1]
    assert (told["role"], told["level"], told["advice"]) == ("caseworker", "good", "video_ok")
    assert domain.notes.to("sid-cw.a", "call:quality")[-1] == told


async def test_the_series_is_bounded_shared_and_shown_on_the_board_then_dropped_at_the_end(
    domain: Domain,
) -> None:
    call_id = await active_call(domain)
    for _ in range(SERIES_LENGTH + 5):
        await send(domain, "ps.male", call_id, GOOD)
    await send(domain, "cw.a", call_id, POOR)
    entry = await domain.services.store.get(quality_key(call_id))
    assert entry is not None
    assert len(entry.value["interpreter"]["scores"]) == SERIES_LENGTH
    assert latest_scores(entry.value) == {"caseworker": score(POOR), "interpreter": score(GOOD)}
    [line] = board_json(await domain.services.live_board.draw(BoardScope(None)))["calls"]
    assert line["quality"] == {"caseworker": score(POOR), "interpreter": score(GOOD)}

    await domain.services.calls.hang_up(await domain.who("cw.a"), call_id)
    assert await domain.services.store.get(quality_key(call_id)) is None


async def test_more_than_one_summary_in_2_seconds_is_refused_and_not_counted(domain: Domain) -> None:
    call_id = await active_call(domain)
    await send(domain, "cw.a", call_id, GOOD)
    domain.clock.advance(1.5)
    with pytest.raises(TooFrequent) as refused:
        await domain.services.calls.quality.report(await domain.who("cw.a"), call_id, POOR)
    assert refused.value.code == "too_frequent"
    entry = await domain.services.store.get(quality_key(call_id))
    assert entry is not None
    assert entry.value["caseworker"]["scores"] == [score(GOOD)]
    domain.clock.advance(0.5)
    await domain.services.calls.quality.report(await domain.who("cw.a"), call_id, POOR)  # 2 s later


async def test_only_a_participant_of_an_active_call_may_report(domain: Domain) -> None:
    call_id = await active_call(domain)
    with pytest.raises(Forbidden):
        await send(domain, "ps.female", call_id, GOOD)
    with pytest.raises(Forbidden):
        await send(domain, "cw.b", call_id, GOOD)
    assert await domain.services.store.get(quality_key(call_id)) is None
    await domain.services.calls.hang_up(await domain.who("cw.a"), call_id)
    with pytest.raises((Conflict, NotFound)):  # an ended call is gone from the live state
        await send(domain, "cw.a", call_id, GOOD)


VALID = {
    "call_id": "0" * 32,
    "rtt_ms": 50,
    "jitter_ms": 10.5,
    "loss_pct": 0,
    "bitrate_kbps": 800,
    "fps": 30,
    "audio_only": False,
}


@pytest.mark.parametrize(
    "change",
    [
        {"loss_pct": 101},
        {"loss_pct": -1},
        {"rtt_ms": "50"},
        {"audio_only": 1},
        {"fps": 1000},
        {"bitrate_kbps": float("inf")},
        {"call_id": "x"},
        {"extra": 1},
    ],
)
def test_stats_out_of_bounds_or_of_the_wrong_type_are_refused(change: dict[str, object]) -> None:
    CallStatsPayload.model_validate(VALID)
    with pytest.raises(ValidationError):
        CallStatsPayload.model_validate(VALID | change)


async def test_a_refused_payload_changes_nothing(domain: Domain) -> None:
    call_id = await active_call(domain)
    with pytest.raises(ValidationError):
        CallStatsPayload.model_validate(VALID | {"call_id": call_id, "loss_pct": 400})
    assert await domain.services.store.get(quality_key(call_id)) is None
    assert domain.notes.to("sid-cw.a", "call:quality") == []
