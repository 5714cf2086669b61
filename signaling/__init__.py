"""Signalling: presence, on-demand calls and booked rooms, and the relay of WebRTC negotiation.

Domain modules (``states``, ``presence``, ``calls``, ``ring_hunt``, ``call_endings``, ``call_documents``,
``candidates``, ``booked_rooms``, ``matching``, ``records``, ``protocol``, ``ice``, ``sockets``, ``live``)
import no transport; ``server`` (Socket.IO) and ``client`` (a Python client of the protocol) do.
"""
