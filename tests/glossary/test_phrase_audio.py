"""Phrase recordings: an upload is taken only when it decodes as the audio it claims to be, within the size
and length limits; the store keeps one recording per phrase and language, a new one replacing the old."""

from __future__ import annotations

import hashlib
import io
import math
import struct
from collections.abc import AsyncIterator
from pathlib import Path

import av
import pytest

from core.clock import FakeClock
from core.models import PhraseAudioRow
from glossary.phrase_audio import (
    AUDIO_FORMATS,
    MAX_AUDIO_BYTES,
    MAX_DURATION_S,
    AudioRefused,
    NoPhraseAudio,
    inspect_audio,
)
from glossary.review import ReviewStatus
from rris.services import Services
from tests.support.migrated import migrated_services
from tests.support.rows import count_rows
from tests.support.world import World, build_world

# The container and encoder that make a test file of each accepted content type.
ENCODERS = {
    "audio/ogg": ("ogg", "libopus", 960),
    "audio/mpeg": ("mp3", "libmp3lame", 1152),
    "audio/mp4": ("mp4", "aac", 1024),
    "audio/webm": ("webm", "libopus", 960),
}
RATE = 48_000
PERIOD = 120  # samples: a 400 Hz tone at 48 kHz
TONE = b"".join(
    struct.pack("<h", round(0.3 * 32767 * math.sin(2 * math.pi * i / PERIOD))) for i in range(PERIOD)
)


def sine(content_type: str = "audio/ogg", seconds: float = 1.0) -> bytes:
    """A 400 Hz tone of ``seconds``, encoded in memory as ``content_type``."""
    container_format, codec, frame_size = ENCODERS[content_type]
    out = io.BytesIO()
    with av.open(out, "w", format=container_format) as container:
        stream = container.add_stream(codec, rate=RATE)
        stream.layout = "mono"
        total = round(RATE * seconds)
        for start in range(0, total, frame_size):
            count = min(frame_size, total - start)
            frame = av.AudioFrame(format="s16", layout="mono", samples=count)
            offset = start % PERIOD
            frame.planes[0].update((TONE * (count // PERIOD + 2))[offset * 2 : (offset + count) * 2])
            frame.sample_rate = RATE
            frame.pts = start
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return out.getvalue()


@pytest.mark.parametrize("content_type", sorted(AUDIO_FORMATS))
def test_each_accepted_type_is_taken_with_its_length_and_hash(content_type: str) -> None:
    data = sine(content_type)
    clip = inspect_audio(content_type, data)
    assert clip.content_type == content_type
    assert clip.duration_s == pytest.approx(1.0, abs=0.1)
    assert clip.sha256 == hashlib.sha256(data).hexdigest()
    assert clip.data == data


@pytest.mark.parametrize(
    ("sent_as", "made_as"),
    [("audio/mpeg", "audio/ogg"), ("audio/ogg", "audio/mpeg"), ("audio/webm", "audio/mp4")],
)
def test_audio_of_another_type_than_it_claims_is_refused(sent_as: str, made_as: str) -> None:
    with pytest.raises(AudioRefused, match=r"does not decode|is not taken|no .* sound"):
        inspect_audio(sent_as, sine(made_as))


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not audio at all\n" * 100,
        bytes(range(256)) * 64,
        b"OggS" + bytes(2000),
        b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(4000),
    ],
    ids=["empty", "text", "noise", "ogg-header-only", "id3-without-frames"],
)
@pytest.mark.parametrize("content_type", sorted(AUDIO_FORMATS))
def test_bytes_that_are_not_audio_are_refused(content_type: str, data: bytes) -> None:
    with pytest.raises(AudioRefused):
        inspect_audio(content_type, data)


def test_a_cut_off_recording_that_still_decodes_is_taken_for_what_it_holds() -> None:
    data = sine("audio/ogg", 2.0)
    clip = inspect_audio("audio/ogg", data[: len(data) // 2])
    assert 0.2 < clip.duration_s < 1.5


def test_other_types_too_large_and_too_long_are_refused() -> None:
    with pytest.raises(AudioRefused, match="audio/ogg, audio/mpeg, audio/mp4, audio/webm"):
        inspect_audio("audio/wav", b"RIFF")
    with pytest.raises(AudioRefused, match="at most 2 MB"):
        inspect_audio("audio/ogg", sine() + bytes(MAX_AUDIO_BYTES))
    with pytest.raises(AudioRefused, match=f"at most {MAX_DURATION_S:.0f} seconds"):
        inspect_audio("audio/ogg", sine("audio/ogg", MAX_DURATION_S + 1))


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    async with migrated_services("sqlite", tmp_path, FakeClock()) as made:
        yield made


@pytest.fixture
async def world(services: Services) -> World:
    return await build_world(services.accounts, services.directory)


async def test_the_store_keeps_one_recording_per_phrase_and_language(
    services: Services, world: World
) -> None:
    store = services.phrase_audio
    first = inspect_audio("audio/ogg", sine("audio/ogg", 1.0))
    stored = await store.put(
        "health.need_doctor", "ps", first, "  Recorded by a native speaker  ", world.id("coord")
    )
    assert (stored.status, stored.provenance, stored.uploaded_by) == (
        ReviewStatus.DRAFT,
        "Recorded by a native speaker",
        world.id("coord"),
    )
    second = inspect_audio("audio/mpeg", sine("audio/mpeg", 0.5))
    await store.put("health.need_doctor", "ps", second, "Second take", world.id("coord.a"))
    await store.put("greeting.hello", "ar", first, "Arabic take", world.id("coord"))

    described, data = await store.recording("health.need_doctor", "ps")
    assert (described.content_type, described.sha256, data) == ("audio/mpeg", second.sha256, second.data)
    assert [(a.phrase_id, a.language, a.sha256, a.size) for a in await store.listing()] == [
        ("greeting.hello", "ar", first.sha256, len(first.data)),
        ("health.need_doctor", "ps", second.sha256, len(second.data)),
    ]
    assert await count_rows(services.db, PhraseAudioRow) == 2

    await store.remove("health.need_doctor", "ps")
    with pytest.raises(NoPhraseAudio):
        await store.recording("health.need_doctor", "ps")
    with pytest.raises(NoPhraseAudio):
        await store.remove("health.need_doctor", "ps")
    assert [a.phrase_id for a in await store.listing()] == ["greeting.hello"]
