"""Signalling: presence, the on-demand call lifecycle and the relay of WebRTC negotiation.

Domain modules (``states``, ``presence``, ``calls``, ``matching``, ``records``, ``protocol``, ``ice``)
import no transport; ``server`` (Socket.IO) and ``client`` (a Python client of the protocol) do.
"""
