"""Errors as domain words with stable codes; transports translate them once, at the edge."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every expected failure; ``code`` is stable and documented for client authors."""

    code = "error"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.__doc__ or self.code)
        self.message = str(self.args[0]).strip()


class InvalidInput(DomainError):
    """The request was malformed or out of bounds."""

    code = "invalid_input"


class NotAuthenticated(DomainError):
    """A valid session is required."""

    code = "not_authenticated"


class InvalidCredentials(DomainError):
    """Wrong username or password."""

    code = "invalid_credentials"


class TooManyAttempts(DomainError):
    """Too many failed logins; try again later."""

    code = "too_many_attempts"


class Forbidden(DomainError):
    """Your role or organisation does not allow this."""

    code = "forbidden"


class NotFound(DomainError):
    """No such object, or not visible to you."""

    code = "not_found"


class Conflict(DomainError):
    """The object changed state; the action no longer applies."""

    code = "conflict"
