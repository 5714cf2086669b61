"""Plausible WebRTC session descriptions and ICE candidates for the signalling benchmark.

Shaped like what Chrome sends (bundle of one audio and one video section, trickle ICE, the usual codec
list with RTX and feedback lines), so the relay carries realistic sizes; nothing here is ever parsed.
"""

from __future__ import annotations

import random
import string

_ICE_CHARS = string.ascii_letters + string.digits + "+/"

_AUDIO_EXTMAP = (
    "urn:ietf:params:rtp-hdrext:ssrc-audio-level",
    "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
    "urn:ietf:params:rtp-hdrext:sdes:mid",
)
_VIDEO_EXTMAP = (
    "urn:ietf:params:rtp-hdrext:toffset",
    "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
    "urn:3gpp:video-orientation",
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
    "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay",
    "http://www.webrtc.org/experiments/rtp-hdrext/video-content-type",
    "http://www.webrtc.org/experiments/rtp-hdrext/video-timing",
    "http://www.webrtc.org/experiments/rtp-hdrext/color-space",
    "urn:ietf:params:rtp-hdrext:sdes:mid",
    "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
    "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id",
)
# payload type, rtpmap, fmtp or None
_AUDIO_CODECS = (
    (111, "opus/48000/2", "minptime=10;useinbandfec=1"),
    (63, "red/48000/2", "111/111"),
    (9, "G722/8000", None),
    (0, "PCMU/8000", None),
    (8, "PCMA/8000", None),
    (13, "CN/8000", None),
    (110, "telephone-event/48000", None),
    (126, "telephone-event/8000", None),
)
_H264 = "level-asymmetry-allowed=1;packetization-mode={mode};profile-level-id={profile}"
# payload type, codec, fmtp or None, rtx payload type
_VIDEO_CODECS = (
    (96, "VP8/90000", None, 97),
    (98, "VP9/90000", "profile-id=0", 99),
    (100, "VP9/90000", "profile-id=2", 101),
    (102, "H264/90000", _H264.format(mode=1, profile="42001f"), 103),
    (104, "H264/90000", _H264.format(mode=0, profile="42001f"), 105),
    (106, "H264/90000", _H264.format(mode=1, profile="42e01f"), 107),
    (108, "H264/90000", _H264.format(mode=0, profile="42e01f"), 109),
    (45, "AV1/90000", "level-idx=5;profile=0;tier=0", 46),
)
_VIDEO_FEEDBACK = ("goog-remb", "transport-cc", "ccm fir", "nack", "nack pli")


def _token(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(_ICE_CHARS) for _ in range(length))


def fake_sdp(kind: str, rng: random.Random) -> str:
    """An ``offer`` (about 4.5 KB, every codec) or an ``answer`` (about 3 KB, the chosen codecs)."""
    offer = kind == "offer"
    audio = _AUDIO_CODECS if offer else _AUDIO_CODECS[:1] + _AUDIO_CODECS[5:7]
    video = _VIDEO_CODECS if offer else _VIDEO_CODECS[:3]
    ufrag, pwd = _token(rng, 4), _token(rng, 24)
    fingerprint = ":".join(f"{rng.getrandbits(8):02X}" for _ in range(32))
    stream = f"{rng.getrandbits(32):08x}-{rng.getrandbits(16):04x}-4{rng.getrandbits(12):03x}"
    lines = [
        "v=0",
        f"o=- {rng.getrandbits(62)} 2 IN IP4 127.0.0.1",
        "s=-",
        "t=0 0",
        "a=group:BUNDLE 0 1",
        "a=extmap-allow-mixed",
        f"a=msid-semantic: WMS {stream}",
    ]

    def section(mid: int, media: str, payload_types: list[int], extmap: tuple[str, ...]) -> None:
        lines.extend(
            [
                f"m={media} 9 UDP/TLS/RTP/SAVPF {' '.join(map(str, payload_types))}",
                "c=IN IP4 0.0.0.0",
                "a=rtcp:9 IN IP4 0.0.0.0",
                f"a=ice-ufrag:{ufrag}",
                f"a=ice-pwd:{pwd}",
                "a=ice-options:trickle",
                f"a=fingerprint:sha-256 {fingerprint}",
                f"a=setup:{'actpass' if offer else 'active'}",
                f"a=mid:{mid}",
                *(f"a=extmap:{i} {uri}" for i, uri in enumerate(extmap, start=1 + 4 * mid)),
                "a=sendrecv",
                f"a=msid:{stream} {rng.getrandbits(64):016x}",
                "a=rtcp-mux",
            ]
        )
        if media == "video":
            lines.append("a=rtcp-rsize")

    section(0, "audio", [pt for pt, _, _ in audio], _AUDIO_EXTMAP)
    for pt, codec, fmtp in audio:
        lines.append(f"a=rtpmap:{pt} {codec}")
        if pt == 111:
            lines.extend(("a=rtcp-fb:111 transport-cc", f"a=fmtp:{pt} {fmtp}"))
        elif fmtp:
            lines.append(f"a=fmtp:{pt} {fmtp}")
    ssrc = rng.getrandbits(31)
    lines.extend((f"a=ssrc:{ssrc} cname:{_token(rng, 16)}", f"a=ssrc:{ssrc} msid:{stream} audio"))

    section(1, "video", [t for pt, _, _, rtx in video for t in (pt, rtx)], _VIDEO_EXTMAP)
    for pt, codec, fmtp, rtx in video:
        lines.append(f"a=rtpmap:{pt} {codec}")
        lines.extend(f"a=rtcp-fb:{pt} {fb}" for fb in _VIDEO_FEEDBACK)
        if fmtp:
            lines.append(f"a=fmtp:{pt} {fmtp}")
        lines.extend((f"a=rtpmap:{rtx} rtx/90000", f"a=fmtp:{rtx} apt={pt}"))
    primary, repair = rng.getrandbits(31), rng.getrandbits(31)
    cname = _token(rng, 16)
    lines.extend(
        (
            f"a=ssrc-group:FID {primary} {repair}",
            f"a=ssrc:{primary} cname:{cname}",
            f"a=ssrc:{primary} msid:{stream} video",
            f"a=ssrc:{repair} cname:{cname}",
            f"a=ssrc:{repair} msid:{stream} video",
        )
    )
    return "\r\n".join(lines) + "\r\n"


def fake_candidate(foundation: int, seq: int, ufrag: str) -> str:
    """An ICE candidate line; ``foundation`` makes it unique, ``seq`` picks host, srflx, relay or tcp."""
    port = 40000 + (foundation % 20000)
    tail = f"generation 0 ufrag {ufrag} network-id 1 network-cost 10"
    kind = seq % 4
    if kind == 0:
        return f"candidate:{foundation} 1 udp 2122260223 192.168.1.23 {port} typ host {tail}"
    if kind == 1:
        return (
            f"candidate:{foundation} 1 udp 1686052607 203.0.113.7 {port + 1} typ srflx "
            f"raddr 192.168.1.23 rport {port} {tail}"
        )
    if kind == 2:
        return (
            f"candidate:{foundation} 1 udp 41885695 198.51.100.20 {port + 2} typ relay "
            f"raddr 203.0.113.7 rport {port + 1} {tail}"
        )
    return f"candidate:{foundation} 1 tcp 1518280447 192.168.1.23 9 typ host tcptype active {tail}"
