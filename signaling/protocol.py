"""Payloads of every client-to-server event, validated before anything changes.

Each model rejects unknown fields and bounds every size, so a malformed or oversized event gets an
error acknowledgement and touches no state. ``docs/signalling-protocol.md`` describes them for client
authors.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

CallIdField = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
# Whom a negotiation message is for, by seat (people are never named to each other). Required in a relay
# booking's three-party room; a two-party call may leave it out (see signaling.call_documents.relay_target).
TargetField = Literal["caseworker", "interpreter", "relay_interpreter"] | None
MAX_SDP_CHARS = 64 * 1024
MAX_CANDIDATE_CHARS = 1024


class Payload(BaseModel):
    # Strict: JSON types only, no coercion ("yes", 1 or "1" is not a boolean; 1.0 or "1" is not an integer).
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False, strict=True)


class StandbyPayload(Payload):
    on: bool


class CallRequestPayload(Payload):
    language: Annotated[str, StringConstraints(min_length=2, max_length=35)]
    gender: Literal["female", "male"] | None = None


class CallRefPayload(Payload):
    call_id: CallIdField


class SessionDescriptionPayload(Payload):
    call_id: CallIdField
    type: Literal["offer", "answer"]
    sdp: Annotated[str, StringConstraints(min_length=10, max_length=MAX_SDP_CHARS)]
    to: TargetField = None


class IceCandidate(Payload):
    candidate: Annotated[str, StringConstraints(max_length=MAX_CANDIDATE_CHARS)]
    sdpMid: Annotated[str, StringConstraints(max_length=64)] | None = None  # W3C RTCIceCandidateInit names
    sdpMLineIndex: Annotated[int, Field(ge=0, le=64)] | None = None
    usernameFragment: Annotated[str, StringConstraints(max_length=256)] | None = None


class IceCandidatePayload(Payload):
    call_id: CallIdField
    candidate: IceCandidate | None  # None marks the end of candidates
    to: TargetField = None


class BoardWatchPayload(Payload):
    """``board:watch``: a coordinator's socket starts (``on``) or stops receiving ``board:update``."""

    on: bool


class CallStatsPayload(Payload):
    """``call:stats``: one interval of the sender's ``getStats()`` summary (never media content)."""

    call_id: CallIdField
    rtt_ms: Annotated[float | int, Field(ge=0, le=60_000, allow_inf_nan=False)]
    jitter_ms: Annotated[float | int, Field(ge=0, le=60_000, allow_inf_nan=False)]
    loss_pct: Annotated[float | int, Field(ge=0, le=100, allow_inf_nan=False)]
    bitrate_kbps: Annotated[float | int, Field(ge=0, le=100_000, allow_inf_nan=False)]
    fps: Annotated[float | int, Field(ge=0, le=240, allow_inf_nan=False)] | None = None
    audio_only: bool


class RecordingConsentPayload(Payload):
    """``recording:consent``: a participant agrees to the recording asked for, or declines it."""

    call_id: CallIdField
    agree: bool
