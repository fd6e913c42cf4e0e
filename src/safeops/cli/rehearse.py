"""`safeops rehearse PLAN...`: execute plans on a private fork and show what they proved."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from safeops.cli.console import Output
from safeops.cli.next_steps import NextSteps, as_json, print_steps
from safeops.cli.options import open_policy_signer, plan_argument
from safeops.cli.render_rehearsal import render_rehearsal
from safeops.cli.session import open_session
from safeops.errors import Refused

if TYPE_CHECKING:
    from rich.console import Console

    from safeops.core.policy import Policy
    from safeops.keys.signer import Signer
    from safeops.workflows.rehearse import Rehearsal
    from safeops.workflows.session import Session

Sections = list[tuple[str, list[str]]]
ForkBlock = Annotated[
    int | None,
    typer.Option("--fork-block", min=0, help="Fork at this block (default: the latest)."),
]
ForkUrl = Annotated[
    str | None,
    typer.Option("--fork-url", help="Fork this RPC instead of the policy's first one."),
]
NoStack = Annotated[
    bool,
    typer.Option("--no-stack", help="Do not execute the pending lower-nonce proposals first."),
]
RecordSigner = Annotated[
    str | None,
    typer.Option(
        "--signer",
        help="Sign the record as this proposer or signer: only a signed record counts "
        "for propose, sign and execute.",
    ),
]


def rehearse(
    ctx: typer.Context,
    plans: Annotated[
        list[Path],
        typer.Argument(
            metavar="PLAN",
            help="Plan files written by `safeops plan`, or their safeTxHashes; several run one "
            "after the other, in nonce order, on one fork per Safe.",
        ),
    ],
    fork_block: ForkBlock = None,
    fork_url: ForkUrl = None,
    no_stack: NoStack = False,
    signer: RecordSigner = None,
) -> None:
    """Execute each plan's exact Safe transaction on a private fork, through the real
    execTransaction with the Safe's threshold; check its postconditions and the Safe's storage.
    Exit 1 when a rehearsal fails; the fork is always torn down. The record written beside
    each plan counts for `propose` only when signed (--signer)."""
    from safeops.cli.render import policy_names
    from safeops.workflows.plan_files import read_plan
    from safeops.workflows.rehearse import rehearse_plans

    output: Output = ctx.ensure_object(Output)
    several = {"plans": list(map(str, plans))} if len(plans) > 1 else {}
    output.audit("rehearse", plan=str(plans[0]), signer=signer, **several)
    session = open_session(output)
    plans = [plan_argument(session, str(plan)) for plan in plans]
    output.audit_details["plan"] = str(plans[0])
    results = rehearse_plans(
        session,
        [(plan, read_plan(plan)) for plan in plans],
        fork_block=fork_block,
        fork_url=fork_url,
        stack=not no_stack,
        signer=_record_signer(session, signer),
    )
    steps = NextSteps.of(output)
    pairs = zip(plans, results, strict=True)
    sections = [s for plan, r in pairs for s in _next(steps, session.policy, plan, r)]
    sections = sections if all(result.passed for result in results) else []

    def render(console: Console) -> None:
        for result in results:
            chain_id = result.plan.chain_id
            labels = session.policy.labels(chain_id)
            render_rehearsal(console, result, labels, policy_names(session.policy, chain_id))
        print_steps(console, sections)

    output.result(rehearsals_json(results) | {"next": as_json(sections)}, render)
    failed = [result for result in results if not result.passed]
    if failed:
        which = "" if len(results) == 1 else f"of {failed[0].plan.safe_tx_hash} "
        more = f" ({len(failed)} of {len(results)} plans failed)" if len(results) > 1 else ""
        raise Refused(
            f"the rehearsal {which}failed: {failed[0].reason}{more}",
            hint="Do not propose or sign these plans: read the report above.",
        )


def _record_signer(session: Session, signer: str | None) -> Signer | None:
    """The key that signs the records: a policy signer's if it may sign, else a proposer's."""
    from safeops.core.rehearsal import may_rehearse

    if not signer:
        return None
    role = "proposer"
    if signer in session.policy.signers:
        role = "signer" if "signer" in may_rehearse(session.policy, signer).roles else role
    return open_policy_signer(session.policy, signer, role)


def _next(steps: NextSteps, policy: Policy, plan: Path, result: Rehearsal) -> Sections:
    """What a proposer runs next for one passed plan: propose it, or first rehearse it signed
    (an unsigned record never counts)."""
    from safeops.core.policy.roles import proposers_of

    if not result.passed:
        return []
    proposers = proposers_of(policy, result.plan.action, result.plan.safe_name)
    if result.signed_by is not None:
        intro = "next, a proposer files it (an owner among them signs it too), one of:"
        return [(intro, [steps.command("propose", str(plan), "--signer", n) for n in proposers])]
    intro = "next, a proposer rehearses it signed, then proposes it, one of:"
    commands = [
        steps.command("rehearse", str(plan), "--signer", name)
        + " && "
        + steps.command("propose", str(plan), "--signer", name)
        for name in proposers
    ]
    return [(intro, commands)]


def rehearsals_json(results: list[Rehearsal]) -> dict[str, Any]:
    """The first plan's keys, as for one plan, with `passed` true only when every plan
    passed, and `plans[]`: each plan's own result, in the order they ran."""
    documents = [result.to_json() for result in results]
    return {**documents[0], "passed": all(r.passed for r in results), "plans": documents}
