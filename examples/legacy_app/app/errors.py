"""Application-level exceptions."""


class AppError(Exception):
    """Base class for errors we want to surface to API clients."""

    status_code = 500

    def __init__(self, message, status_code=None):
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code


class NotFoundError(AppError):
    status_code = 404


class AuthError(AppError):
    status_code = 401


class StorageError(AppError):
    pass


class NotificationError(AppError):
    status_code = 502
