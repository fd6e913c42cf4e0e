"""The emergency report for people: one line per Safe (chain) saying what happened, the next
command for whoever must act, and the one-line error the run exits with."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from safeops.core.emergency import ALREADY_DONE, DONE, FAILED, REHEARSED, WAITING, status_words
from safeops.errors import EnvironmentProblem, Refused

if TYPE_CHECKING:
    from rich.console import Console

    from safeops.workflows.emergency import EmergencyRun
    from safeops.workflows.emergency_outcome import Outcome

_MARKS = {
    DONE: "[green]{}[/green]",
    ALREADY_DONE: "[green]{}[/green]",
    REHEARSED: "[green]{}[/green]",
    WAITING: "[yellow]{}[/yellow]",
    FAILED: "[bold red]{}[/bold red]",
}


def _where(outcome: Outcome) -> str:
    plan = outcome.written.plan if outcome.written else None
    part = f" part {plan.part[0]}/{plan.part[1]}" if plan and plan.part[1] > 1 else ""
    return f"{outcome.safe.name} (chain {outcome.safe.chain_id}){part}"


def render(console: Console, run: EmergencyRun, again: str) -> None:
    """Every Safe's line, then what each waiting Safe needs, then the totals."""
    from rich.markup import escape

    safes = {o.safe.name for o in run.outcomes}
    chains = {o.safe.chain_id for o in run.outcomes}
    console.print(
        f"[bold]emergency {run.action}[/bold]: {len(safes)} Safe(s) on {len(chains)} chain(s)"
    )
    for outcome in run.outcomes:
        mark = _MARKS[outcome.status].format(outcome.words.upper())
        console.print(f"{mark} {escape(_where(outcome))}: {escape(_detail(outcome))}")
        for check in outcome.executed.postconditions if outcome.executed else ():
            mark = "[green]proven[/green]" if check.ok else "[bold red]NOT PROVEN[/bold red]"
            actual = "" if check.ok else f" (actual {check.actual})"
            console.print(f"    {mark} {escape(check.check)}{escape(actual)}")
        if outcome.already and outcome.status != ALREADY_DONE:
            already = ", ".join(outcome.already)
            console.print(f"  already {escape(_past(outcome))}: {escape(already)}")
        if outcome.status == WAITING:
            intro, lines = next_commands(outcome, again)
            console.print(f"  {escape(intro)}")
            for line in lines:
                console.print(f"    [bold]{escape(line)}[/bold]")
        if outcome.failure is not None and outcome.failure.hint:
            console.print(f"  [yellow]hint:[/yellow] {escape(outcome.failure.hint)}")
    counts = run.to_json()["counts"]
    shown = ", ".join(f"{n} {status.replace('_', ' ')}" for status, n in counts.items() if n)
    console.print(f"[bold]{'done' if run.done else 'not done'}[/bold]: {shown}")


def _past(outcome: Outcome) -> str:
    return outcome.words.removeprefix("already ")


def _detail(outcome: Outcome) -> str:
    items = ", ".join(outcome.items)
    plan = outcome.written.plan if outcome.written else None
    if outcome.status == DONE and outcome.executed is not None:
        executed = outcome.executed
        proofs = len(executed.postconditions)
        return f"{items}\n  in {executed.tx_hash} (block {executed.block}, {proofs} proof(s) held)"
    if outcome.status == ALREADY_DONE:
        if outcome.executed_before:
            before = outcome.executed_before
            return f"the same request executed in {before} (pass --again to repeat it)"
        return ", ".join(outcome.already) or outcome.note or "nothing left to do"
    if outcome.status == REHEARSED and plan is not None:
        return f"{items}: {plan.safe_tx_hash} reviewed and rehearsed; nothing proposed"
    if outcome.status == WAITING and plan is not None:
        signed = ", ".join(outcome.signed_by) or "nobody yet"
        return (
            f"{items}: {plan.safe_tx_hash} (nonce {plan.tx.nonce}) has "
            f"{outcome.confirmations}/{outcome.threshold} signatures (signed: {signed})"
        )
    failure = outcome.failure
    reason = f"{failure.step}: {failure.message}" if failure else "no reason recorded"
    if outcome.executed is not None:
        reason += f" (sent {outcome.executed.tx_hash})"
    return reason


def next_commands(outcome: Outcome, again: str) -> tuple[str, list[str]]:
    """What a waiting Safe needs, and the complete commands that give it: the same emergency
    command, run by the next owner (it signs) or by an executor (it executes and proves)."""
    waiting = outcome.waiting_for or {}
    if waiting.get("signatures"):
        who = waiting.get("signers") or []
        intro = f"next, {waiting['signatures']} more owner(s) run the same command, one of:"
        return intro, [f"{again} --signer {shlex.quote(name)}" for name in who]
    executors = waiting.get("executors") or []
    intro = "next, an executor runs the same command to execute and prove it, one of:"
    return intro, [f"{again} --signer {shlex.quote(name)}" for name in executors]


def raise_for(run: EmergencyRun) -> None:
    """After the report: the interrupt as it came, else one line for a run that is not done
    (exit 3 when only unreachable environments are in the way, else 1)."""
    if run.interrupted is not None:
        raise run.interrupted
    code = run.exit_code
    if code == 0:
        return
    stuck = [o for o in run.outcomes if o.status in (FAILED, WAITING)]
    first = stuck[0]
    why = (
        f"{first.failure.step}: {first.failure.message}"
        if first.failure is not None
        else f"waiting for {_waiting(first)}"
    )
    more = f" (and {len(stuck) - 1} more, above)" if len(stuck) > 1 else ""
    done = status_words(run.action, DONE)
    message = (
        f"{len(stuck)} of {len(run.outcomes)} Safe plan(s) not {done}: {_where(first)} {why}{more}"
    )
    if code == 3:
        raise EnvironmentProblem(message, hint=_environment_hint(run, first))
    raise Refused(message, hint="Each Safe's line above says what it needs next.")


def _environment_hint(run: EmergencyRun, first: Outcome) -> str:
    """What is down says how to fix it (an RPC, Vault, the keyring, the disk): the same command
    then finishes the job, and any Safe that went through is not done twice."""
    own = first.failure.hint if first.failure is not None and first.failure.hint else ""
    went = [o for o in run.outcomes if o.status in (DONE, ALREADY_DONE)]
    rest = (
        "The other Safes went through: run the same command again once it is fixed."
        if went
        else "Then run the same command again."
    )
    return f"{own} {rest}".strip()


def _waiting(outcome: Outcome) -> str:
    waiting = outcome.waiting_for or {}
    if waiting.get("signatures"):
        return f"{waiting['signatures']} more signature(s) ({', '.join(waiting['signers'])})"
    return f"an executor ({', '.join(waiting.get('executors') or [])})"
