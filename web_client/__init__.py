"""The browser client for caseworkers, interpreters and coordinators: plain ES modules, HTML and CSS.

:mod:`web_client.serving` serves them (and the pinned Socket.IO browser client from ``node_modules``) from
the aiohttp application, with no CDN: everything a page loads comes from this server.
"""
