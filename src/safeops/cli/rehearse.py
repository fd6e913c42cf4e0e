"""`safeops rehearse PLAN`: execute the plan on a private fork and show what it proved."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from safeops.cli.console import Output
from safeops.cli.next_steps import NextSteps, as_json, print_steps
from safeops.cli.options import open_policy_signer, plan_argument
from safeops.cli.render_rehearsal import render_rehearsal
from safeops.cli.session import open_session
from safeops.errors import Refused

if TYPE_CHECKING:
    from rich.console import Console


def rehearse(
    ctx: typer.Context,
    plan: Annotated[
        Path,
        typer.Argument(help="Plan file written by `safeops plan`, or its safeTxHash."),
    ],
    fork_block: Annotated[
        int | None,
        typer.Option("--fork-block", min=0, help="Fork at this block (default: the latest)."),
    ] = None,
    fork_url: Annotated[
        str | None,
        typer.Option("--fork-url", help="Fork this RPC instead of the policy's first one."),
    ] = None,
    no_stack: Annotated[
        bool,
        typer.Option("--no-stack", help="Do not execute the pending lower-nonce proposals first."),
    ] = False,
    signer: Annotated[
        str | None,
        typer.Option(
            "--signer",
            help="Sign the record as this proposer or signer: only a signed record counts "
            "for propose, sign and execute.",
        ),
    ] = None,
) -> None:
    """Execute the plan's exact Safe transaction on a private fork, through the real
    execTransaction with the Safe's threshold; check its postconditions and the Safe's storage.
    Exit 1 when the rehearsal fails; the fork is always torn down. The record written beside
    the plan counts for `propose` only when signed (--signer)."""
    from safeops.cli.render import policy_names
    from safeops.core.policy.roles import proposers_of
    from safeops.core.rehearsal import may_rehearse
    from safeops.workflows.plan_files import read_plan
    from safeops.workflows.rehearse import rehearse_plan

    output: Output = ctx.ensure_object(Output)
    output.audit("rehearse", plan=str(plan), signer=signer)
    session = open_session(output)
    plan = plan_argument(session, str(plan))
    output.audit_details["plan"] = str(plan)
    key = None
    if signer:
        entry = session.policy.signers.get(signer)
        role = "proposer"
        if entry is not None:
            role = "signer" if "signer" in may_rehearse(session.policy, signer).roles else role
        key = open_policy_signer(session.policy, signer, role)
    result = rehearse_plan(
        session,
        plan,
        read_plan(plan),
        fork_block=fork_block,
        fork_url=fork_url,
        stack=not no_stack,
        signer=key,
    )
    chain_id = result.plan.chain_id
    labels, names = session.policy.labels(chain_id), policy_names(session.policy, chain_id)
    steps = NextSteps.of(output)
    proposers = proposers_of(session.policy, result.plan.action, result.plan.safe_name)
    sections: list[tuple[str, list[str]]] = []
    if result.passed and result.signed_by is not None:
        intro = "next, a proposer files it (an owner among them signs it too), one of:"
        commands = [steps.command("propose", str(plan), "--signer", name) for name in proposers]
        sections = [(intro, commands)]
    elif result.passed:  # an unsigned record never counts: rehearse as the proposer
        intro = "next, a proposer rehearses it signed, then proposes it, one of:"
        commands = [
            steps.command("rehearse", str(plan), "--signer", name)
            + " && "
            + steps.command("propose", str(plan), "--signer", name)
            for name in proposers
        ]
        sections = [(intro, commands)]

    def render(console: Console) -> None:
        render_rehearsal(console, result, labels, names)
        print_steps(console, sections)

    output.result(result.to_json() | {"next": as_json(sections)}, render)
    if not result.passed:
        raise Refused(
            f"the rehearsal failed: {result.reason}",
            hint="Do not propose or sign this plan: read the report above.",
        )
