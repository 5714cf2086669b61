"""The offline first-contact phrasebook and the terminology interpreters and caseworkers share (issue 6).

Pure domain so far: the phrase content with provenance and review status (``phrases``), search keys that
ignore case, Latin diacritics and Arabic-script variants (``normalise``, ``search``), Gregorian, Hijri and
Solar Hijri dates (``calendars``), versioned terminology with review states (``terminology``, ``review``)
and its exchange as TBX-Basic and CSV (``tbx``, ``csv_io``).
"""
