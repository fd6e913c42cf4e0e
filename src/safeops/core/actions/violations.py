"""Policy violations: the stable codes, one violation, and the error that carries them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from safeops.core.decoding.decode import JsonValue
from safeops.errors import Refused

# The codes are part of the CLI contract, like the danger-check codes of core.checks (whose
# sensitive codes evaluate() also reports as violations, under their own names).
SAFE_MISMATCH = "SAFE_MISMATCH"
CHAIN_MISMATCH = "CHAIN_MISMATCH"
UNKNOWN_TARGET = "UNKNOWN_TARGET"
UNKNOWN_FUNCTION = "UNKNOWN_FUNCTION"
WRONG_SAFE = "WRONG_SAFE"
RECIPIENT_NOT_ALLOWED = "RECIPIENT_NOT_ALLOWED"
TOKEN_NOT_ALLOWED = "TOKEN_NOT_ALLOWED"  # noqa: S105 (a code, not a token secret)
CAP_EXCEEDED = "CAP_EXCEEDED"
MAX_BATCH_EXCEEDED = "MAX_BATCH_EXCEEDED"
VALUE_NOT_ALLOWED = "VALUE_NOT_ALLOWED"
DELEGATECALL_NOT_ALLOWED = "DELEGATECALL_NOT_ALLOWED"
REFUND_FIELDS = "REFUND_FIELDS"
ROLE = "ROLE"
ACTION_MISMATCH = "ACTION_MISMATCH"
NO_OPERATION = "NO_OPERATION"


@dataclass(frozen=True)
class Violation:
    """One thing the policy refuses: a stable code, a one-line message, and where it is.

    `path` is a call path (`call`, `call.batch[3]`) for a transaction, or the argument
    (`recipient`, `amount`) for a request an action builder refuses.
    """

    code: str
    message: str
    path: str

    def to_json(self) -> dict[str, JsonValue]:
        return {"code": self.code, "message": self.message, "path": self.path}


class PolicyViolation(Refused):
    """What was asked is outside the policy; `.violations` names every reason (exit 1)."""

    default_hint = "The policy is the only source of what safeops may do: change it, not the plan."

    def __init__(self, violations: Sequence[Violation], *, hint: str | None = None) -> None:
        if not violations:
            raise ValueError("a PolicyViolation needs at least one violation")
        self.violations = tuple(violations)
        first = self.violations[0]
        more = len(self.violations) - 1
        suffix = f" (and {more} more violation{'s' if more > 1 else ''})" if more else ""
        super().__init__(f"{first.code}: {first.message}{suffix}", hint=hint)
