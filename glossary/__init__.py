"""The offline first-contact phrasebook and shared terminology (issue 6, not built yet)."""
