"""Domain errors that one handler turns into a page or JSON with a message a person can act on."""

from __future__ import annotations


class DomainError(Exception):
    """A request that cannot be carried out as asked; ``message`` is shown to the user."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409
