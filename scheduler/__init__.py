"""The booking engine (issue 3): availability, rosters, matching, bookings, offers, timed work and reports.

Modules, one idea each:

* ``intervals``: half-open UTC intervals and their set operations.
* ``availability``: weekly hours and dated overrides in the interpreter's zone, expanded to UTC.
* ``availability_store``: those hours in storage, in the one JSON form the database and HTTP share.
* ``constraints``: the hard constraints, never relaxed, asked alike for bookings and on-demand calls.
* ``ranking``: soft preferences and fair rotation, with an explanation of what was applied or relaxed.
* ``requirements``: what a booking demands beyond language and time, kept for every re-offer.
* ``workload``: buffer between bookings, daily cap and longest continuous stretch.
* ``matcher``: the one matcher (SQL prefilter, availability, held time, limits, ranking; relay plans).
* ``on_demand``: on-demand routing's view of the matcher, cached briefly per node.
* ``booking_states``: a booking's life as a table.
* ``booking_types``: the values bookings are made of, and the refusals.
* ``booking_store``: the transaction discipline that never double-books, and the reads.
* ``offer_rounds``: one interpreter, or both legs of a relay, holding a booking until all accept.
* ``bookings``: the booking service: idempotent creation, cancellation, completion and no-show.
* ``offers``: the engine: offers at once, re-offers after every refusal, relays, assignment by hand.
* ``booking_jobs``: reminders, the room opening, no-show check and completion around a confirmed booking.
* ``notifications``: messages owed to people, stored once, pushed if they are online.
* ``timers``: the port services schedule timed work through.
* ``timed_work``: that port on APScheduler, run by the one process holding :mod:`core.leader`'s lock.
* ``rosters``: standby shifts, whose edges are timed work switching rostered standby.
* ``coverage``: per UTC hour and language, who could interpret against what was asked.
* ``reports``: usage minutes per organisation, language and month.
* ``icalendar_feed``: an interpreter's bookings as an RFC 5545 feed.
* ``booking_access``: who may see and act on a booking, and who may be assigned to it.

Ports stated here and implemented at the composition root (``rris/services.py``): ``timers.Timers`` by
``timed_work.TimedWork``; ``booking_jobs.Rooms`` by ``rris.booking_rooms.SignallingRooms`` over
``signaling.booked_rooms``; ``notifications.Pusher`` by ``signaling.user_push.UserPush``;
``rosters.StandbySwitch`` by ``signaling.user_push.RosteredStandby``. In turn ``on_demand.OnDemandCandidates``
is signalling's ``CandidateSource``. See ``docs/architecture.md``.
"""
