"""`safeops rehearse PLAN`: execute the plan on a private fork and show what it proved."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from safeops.cli.console import Output
from safeops.cli.next_steps import NextSteps, as_json, print_steps
from safeops.cli.options import plan_argument
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
) -> None:
    """Execute the plan's exact Safe transaction on a private fork, through the real
    execTransaction with the Safe's threshold; check its postconditions and the Safe's storage.
    Exit 1 when the rehearsal fails; the fork is always torn down."""
    from safeops.cli.render import policy_names
    from safeops.core.policy.roles import proposers_of
    from safeops.workflows.plan_files import read_plan
    from safeops.workflows.rehearse import rehearse_plan

    output: Output = ctx.ensure_object(Output)
    output.audit("rehearse", plan=str(plan))
    session = open_session(output)
    plan = plan_argument(session, str(plan))
    output.audit_details["plan"] = str(plan)
    result = rehearse_plan(
        session,
        plan,
        read_plan(plan),
        fork_block=fork_block,
        fork_url=fork_url,
        stack=not no_stack,
    )
    labels, names = session.policy.labels(), policy_names(session.policy)
    steps = NextSteps.of(output)
    proposers = proposers_of(session.policy, result.plan.action, result.plan.safe_name)
    sections = (
        [
            (
                "next, a proposer files it (an owner among them signs it too), one of:",
                [steps.command("propose", str(plan), "--signer", name) for name in proposers],
            )
        ]
        if result.passed
        else []
    )

    def render(console: Console) -> None:
        render_rehearsal(console, result, labels, names)
        print_steps(console, sections)

    output.result(result.to_json() | {"next": as_json(sections)}, render)
    if not result.passed:
        raise Refused(
            f"the rehearsal failed: {result.reason}",
            hint="Do not propose or sign this plan: read the report above.",
        )
