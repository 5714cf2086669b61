"""The booking engine: rosters, availability, language matching, bookings and timed work.

Issue 3, in progress. Built: ``intervals`` (UTC intervals and their set operations), ``availability``
(weekly hours in the interpreter's zone, date overrides, daylight-saving rules), ``constraints`` (hard
constraints, never relaxed), ``ranking`` (soft preferences and fair rotation, with an explanation),
``booking_states`` and ``bookings`` (storage that never double-books an interpreter, idempotent create,
compare-and-set accept), ``booking_access`` (who sees and acts on a booking, who may be assigned),
``icalendar_feed`` (RFC 5545) and ``reports`` (usage minutes per organisation, language and month).
Not yet: offers with expiry and automatic reassignment, relay interpreting, fatigue limits, rosters,
APScheduler jobs, the coverage report, on-demand routing through this matcher.
"""
