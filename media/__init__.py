"""Server-side and test WebRTC with aiortc.

Every peer connection built here gets an explicit ``RTCConfiguration``: aiortc would otherwise
contact a public STUN server, which this service never does unless configured to.
"""
