"""The booking engine: rosters, availability, language matching, bookings and timed work.

Issue 3, in progress. Built: ``intervals`` (UTC intervals and their set operations), ``availability``
(weekly hours in the interpreter's zone, date overrides, daylight-saving rules), ``constraints`` (hard
constraints, never relaxed) and ``ranking`` (soft preferences and fair rotation, with an explanation).
Not yet: storage of bookings and rosters, the HTTP API, APScheduler jobs, on-demand routing through them.
"""
