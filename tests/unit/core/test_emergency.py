"""The exit code of a run across Safes, and the words of each status."""

from __future__ import annotations

import pytest

from safeops.core.emergency import (
    ALREADY_DONE,
    DONE,
    FAILED,
    REHEARSED,
    WAITING,
    Failure,
    run_exit_code,
    status_words,
)

DOWN = Failure("read", "RpcUnavailable", "no RPC answers for chain 5", "Check it.", 3)
REFUSED = Failure("review", "Refused", "review failed: EnforcedPause()", "", 1)


@pytest.mark.parametrize(
    ("statuses", "failures", "dry_run", "code"),
    [
        ([DONE, ALREADY_DONE], [], False, 0),
        ([DONE, FAILED], [DOWN], False, 3),
        ([FAILED, FAILED], [DOWN, DOWN], False, 3),
        ([DONE, FAILED, FAILED], [DOWN, REFUSED], False, 1),
        ([DONE, WAITING], [], False, 1),
        ([WAITING, FAILED], [DOWN], False, 1),  # waiting is not the environment's fault
        ([REHEARSED, ALREADY_DONE], [], True, 0),
        ([REHEARSED], [], False, 1),  # "rehearsed" is not "paused" outside a dry run
    ],
)
def test_exit_code(statuses: list[str], failures: list[Failure], dry_run: bool, code: int) -> None:
    assert run_exit_code(statuses, failures, dry_run=dry_run) == code


def test_words() -> None:
    assert status_words("pause", DONE) == "paused"
    assert status_words("unpause", ALREADY_DONE) == "already unpaused"
    assert status_words("revoke", ALREADY_DONE) == "already revoked"
    assert status_words("withdraw", DONE) == "withdrawn"
    assert status_words("pause", FAILED) == "failed"
