"""The booking engine: rosters, availability, language matching, bookings and timed work.

Issue 3, in progress: ``intervals`` (UTC intervals and their set operations) and ``availability``
(weekly hours in the interpreter's zone, date overrides, daylight-saving rules) are built; bookings,
rosters and APScheduler jobs are not yet.
"""
