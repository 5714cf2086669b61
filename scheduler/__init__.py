"""The booking engine: rosters, availability, language matching and timed work (issue 3, not built yet)."""
