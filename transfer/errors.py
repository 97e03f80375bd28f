"""Domain exceptions: every error a user can cause says what, where and how to fix it."""

from __future__ import annotations

__all__ = [
    "InfeasibleError",
    "LayerError",
    "NetworkError",
    "ScenarioError",
    "TransferError",
    "UnknownNameError",
    "WorkspaceError",
    "WorkspaceImportError",
]


class TransferError(Exception):
    """Base class of all errors raised by the transfer package.

    Parameters
    ----------
    what
        What is wrong, in one sentence.
    where
        Where it is wrong: a file, row and field, or a scenario key.
    fix
        How to fix it.
    code, params
        Optional: a message code and its values, so that the app can say the same in the user's language
        (``transfer.i18n.error_text``); the English text above stays the message.
    """

    def __init__(
        self,
        what: str,
        *,
        where: str | None = None,
        fix: str | None = None,
        code: str | None = None,
        params: dict[str, object] | None = None,
    ) -> None:
        self.what = what
        self.where = where
        self.fix = fix
        self.code = code
        self.params = dict(params or {})
        super().__init__(self._compose())

    def _compose(self) -> str:
        parts = [self.what.rstrip(".") + "."]
        if self.where:
            parts.insert(0, f"{self.where}:")
        if self.fix:
            parts.append(f"Fix: {self.fix.rstrip('.')}.")
        return " ".join(parts)


class LayerError(TransferError):
    """A data layer (file or table) is malformed or fails validation."""


class ScenarioError(TransferError):
    """A scenario file or scenario object is invalid."""


class InfeasibleError(TransferError):
    """An optimisation problem has no solution or the solver failed."""


class NetworkError(TransferError):
    """The logistics network cannot answer a query (unknown node, unreachable, bad parameter)."""


class UnknownNameError(TransferError):
    """A site, origin, hub or industry name could not be resolved."""

    def __init__(
        self, what: str, *, where: str | None = None, fix: str | None = None, suggestions: list[str] | None = None
    ) -> None:
        self.suggestions = list(suggestions or [])
        super().__init__(what, where=where, fix=fix)


class WorkspaceError(TransferError):
    """The workspace file cannot be opened, read, written, exported or imported."""


class WorkspaceImportError(WorkspaceError):
    """A workspace file was refused by import; the live workspace was not changed.

    `problems` holds one line per problem found (table, row and uid named where they apply).
    """

    def __init__(
        self, what: str, *, where: str | None = None, fix: str | None = None, problems: list[str] | None = None
    ) -> None:
        self.problems = list(problems or [])
        super().__init__(what, where=where, fix=fix)
