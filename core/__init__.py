"""Shared pieces of RRIS: configuration, clock, database, accounts and roles.

This package imports none of the other RRIS packages and no transport (aiohttp, socketio).
"""
