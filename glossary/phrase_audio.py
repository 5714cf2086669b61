"""Recordings of phrasebook phrases: what an upload must be (audio of the type it claims, decoded to prove
it, short and small) and where the accepted ones live (the database, one per phrase and language).

A recording carries its provenance (who spoke it) and a review status like the written translations, and
starts as draft; a new upload for the same phrase and language replaces the old one.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import datetime

import av
from sqlalchemy import Delete, delete, func, select
from sqlalchemy.exc import IntegrityError

from core.db import Database
from core.errors import InvalidInput, NotFound
from core.ids import UserId
from core.models import PhraseAudioRow
from glossary.review import ReviewStatus
from glossary.terminology import Now

MAX_AUDIO_BYTES = 2 * 1024 * 1024
MAX_DURATION_S = 60.0  # a phrase, not a speech
MAX_PROVENANCE = 500


@dataclass(frozen=True)
class AudioFormat:
    """A content type accepted for upload: the demuxer that must open it and the codecs it may hold."""

    content_type: str
    demuxer: str
    codecs: frozenset[str]


AUDIO_FORMATS: dict[str, AudioFormat] = {
    f.content_type: f
    for f in (
        AudioFormat("audio/ogg", "ogg", frozenset({"opus", "vorbis", "flac"})),
        AudioFormat("audio/mpeg", "mp3", frozenset({"mp3"})),
        AudioFormat("audio/mp4", "mp4", frozenset({"aac", "mp3", "alac"})),
        AudioFormat("audio/webm", "webm", frozenset({"opus", "vorbis"})),
    )
}


class AudioRefused(InvalidInput):
    """The upload is not a recording the phrasebook takes; nothing was stored."""

    code = "audio_refused"


class NoPhraseAudio(NotFound):
    """That phrase has no recording in that language."""

    code = "no_phrase_audio"


@dataclass(frozen=True)
class AudioClip:
    """Bytes proven to be audio of ``content_type``: they decoded, for ``duration_s`` seconds."""

    content_type: str
    data: bytes
    sha256: str
    duration_s: float


@dataclass(frozen=True)
class PhraseAudio:
    """A stored recording's description, without its bytes."""

    phrase_id: str
    language: str
    content_type: str
    sha256: str
    size: int
    duration_s: float
    provenance: str
    status: ReviewStatus
    uploaded_by: UserId
    uploaded_at: datetime


@dataclass(frozen=True)
class ListedAudio:
    phrase_id: str
    language: str
    sha256: str
    size: int


def check_audio_type(content_type: str) -> AudioFormat:
    audio_format = AUDIO_FORMATS.get(content_type)
    if audio_format is None:
        raise AudioRefused(f"a recording is sent as {', '.join(AUDIO_FORMATS)}, not {content_type[:60]!r}")
    return audio_format


def inspect_audio(content_type: str, data: bytes) -> AudioClip:
    """Decode every packet of ``data`` as ``content_type``; refuse what does not decode, what holds no
    sound or something besides it, and what runs too long. Blocking: run it in a thread."""
    audio_format = check_audio_type(content_type)
    if not data:
        raise AudioRefused("the recording is empty")
    if len(data) > MAX_AUDIO_BYTES:
        raise AudioRefused(f"a recording is at most {MAX_AUDIO_BYTES // (1024 * 1024)} MB")
    try:
        duration = _decoded_seconds(audio_format, data)
    except (av.FFmpegError, ValueError, EOFError, OSError, UnicodeDecodeError):
        raise AudioRefused(f"the file does not decode as {content_type}") from None
    if duration <= 0:
        raise AudioRefused(f"the file holds no {content_type} sound")
    return AudioClip(content_type, data, hashlib.sha256(data).hexdigest(), round(duration, 3))


def _decoded_seconds(audio_format: AudioFormat, data: bytes) -> float:
    with av.open(io.BytesIO(data), mode="r", format=audio_format.demuxer) as container:
        if len(container.streams.audio) != 1:
            raise AudioRefused("a recording holds exactly one audio stream")
        others = [s for s in container.streams if s.type != "audio" and not _cover_art(s)]
        if others:
            raise AudioRefused("a recording holds sound only (no video, no subtitles)")
        stream = container.streams.audio[0]
        codec = stream.codec_context.codec.canonical_name
        if codec not in audio_format.codecs:
            raise AudioRefused(f"{audio_format.content_type} with {codec} is not taken")
        seconds = 0.0
        for frame in container.decode(stream):
            seconds += frame.samples / (frame.sample_rate or 1)
            if seconds > MAX_DURATION_S:
                raise AudioRefused(f"a recording is at most {MAX_DURATION_S:.0f} seconds")
        return seconds


def _cover_art(stream: av.stream.Stream) -> bool:
    return stream.type == "video" and bool(stream.disposition & av.stream.Disposition.attached_pic)


def check_provenance(provenance: str) -> str:
    cleaned = provenance.strip()
    if not cleaned or len(cleaned) > MAX_PROVENANCE:
        raise InvalidInput(f"provenance: who recorded it, 1 to {MAX_PROVENANCE} characters")
    return cleaned


class PhraseAudioStore:
    """The recordings in the database. The phrasebook's content is checked by the caller, which knows it."""

    def __init__(self, db: Database, clock: Now) -> None:
        self._db = db
        self._clock = clock

    async def put(
        self, phrase_id: str, language: str, clip: AudioClip, provenance: str, by: UserId
    ) -> PhraseAudio:
        """Store ``clip`` as the recording of ``phrase_id`` in ``language``, as draft, replacing any."""
        row = PhraseAudioRow(
            phrase_id=phrase_id,
            language=language,
            content_type=clip.content_type,
            data=clip.data,
            sha256=clip.sha256,
            duration_s=clip.duration_s,
            provenance=check_provenance(provenance),
            status=ReviewStatus.DRAFT.value,
            uploaded_by=by,
            uploaded_at=self._clock.now(),
        )
        for attempt in range(2):
            try:
                async with self._db.transaction() as session:
                    await session.execute(_where(delete(PhraseAudioRow), phrase_id, language))
                    session.add(row)
                break
            except IntegrityError:
                # Another upload for the same phrase landed in between: the later one wins, so go again.
                if attempt:
                    raise
                row = _copy(row)
        return _described(row, len(clip.data))

    async def remove(self, phrase_id: str, language: str) -> None:
        async with self._db.transaction() as session:
            result = await session.execute(_where(delete(PhraseAudioRow), phrase_id, language))
        if not getattr(result, "rowcount", 0):
            raise NoPhraseAudio(f"{phrase_id} has no recording in {language}")

    async def recording(self, phrase_id: str, language: str) -> tuple[PhraseAudio, bytes]:
        async with self._db.sessions() as session:
            row = await session.get(PhraseAudioRow, (phrase_id, language))
        if row is None:
            raise NoPhraseAudio(f"{phrase_id} has no recording in {language}")
        return _described(row, len(row.data)), row.data

    async def listing(self) -> list[ListedAudio]:
        """Every recording's key, hash and size, in a stable order, without reading the bytes."""
        sized = select(
            PhraseAudioRow.phrase_id,
            PhraseAudioRow.language,
            PhraseAudioRow.sha256,
            func.length(PhraseAudioRow.data),
        ).order_by(PhraseAudioRow.phrase_id, PhraseAudioRow.language)
        async with self._db.sessions() as session:
            rows = (await session.execute(sized)).all()
        return [ListedAudio(p, lang, sha, int(size)) for p, lang, sha, size in rows]


def _where(statement: Delete, phrase_id: str, language: str) -> Delete:
    return statement.where(PhraseAudioRow.phrase_id == phrase_id, PhraseAudioRow.language == language)


def _copy(row: PhraseAudioRow) -> PhraseAudioRow:
    columns = ("phrase_id", "language", "content_type", "data", "sha256", "duration_s", "provenance")
    more = ("status", "uploaded_by", "uploaded_at")
    return PhraseAudioRow(**{name: getattr(row, name) for name in (*columns, *more)})


def _described(row: PhraseAudioRow, size: int) -> PhraseAudio:
    return PhraseAudio(
        row.phrase_id,
        row.language,
        row.content_type,
        row.sha256,
        size,
        row.duration_s,
        row.provenance,
        ReviewStatus(row.status),
        UserId(row.uploaded_by),
        row.uploaded_at,
    )
