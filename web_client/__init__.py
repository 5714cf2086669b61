"""The browser client for caseworkers, interpreters and coordinators (issue 4, not built yet)."""
