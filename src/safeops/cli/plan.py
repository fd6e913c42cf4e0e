"""`safeops plan`: build the Safe transaction for pause, unpause, revoke or withdraw."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from safeops.cli.console import Output
from safeops.cli.next_steps import NextSteps, print_steps
from safeops.cli.plan_exports import check_outputs, write_exports
from safeops.cli.session import open_session
from safeops.errors import BadInput
from safeops.files import READ_HINT

if TYPE_CHECKING:
    from rich.console import Console

    from safeops.core.actions import ActionPlan
    from safeops.core.policy import Policy
    from safeops.workflows.plan import WrittenPlan
    from safeops.workflows.session import Session

app = typer.Typer(
    help="Build Safe transactions from the policy and write plan files.", no_args_is_help=True
)

NonceOption = Annotated[
    int | None, typer.Option("--nonce", min=0, help="Safe nonce; default: the next free one.")
]
ReplaceOption = Annotated[
    bool, typer.Option("--replace", help="Allow a nonce a pending proposal holds.")
]
OutDirOption = Annotated[
    Path | None,
    typer.Option(
        "--out-dir",
        help="Where plan files go (named by safeTxHash); default: `plans/` in the safeops "
        "home, beside the policy (or $SAFEOPS_HOME).",
        show_default=False,
    ),
]
TxBuilderOption = Annotated[
    Path | None,
    typer.Option(
        "--tx-builder",
        help="Also write a Safe{Wallet} Transaction Builder batch file of the same calls.",
    ),
]
TypedDataOption = Annotated[
    Path | None,
    typer.Option(
        "--typed-data",
        help="Also write the EIP-712 typed data a "
        "hardware wallet or `cast wallet sign --data` signs.",
    ),
]
DEFAULT_OUT = None  # the session's plan folder, in the safeops home


def _finish(
    ctx: typer.Context,
    session: Session,
    action_plans: list[ActionPlan],
    nonce: int | None,
    replace: bool,
    out_dir: Path | None,
    tx_builder: Path | None,
    typed_data: Path | None,
) -> None:
    from safeops.workflows.plan import make_plans

    output: Output = ctx.ensure_object(Output)
    if action_plans:
        output.audit(f"plan {action_plans[0].action}", safe=action_plans[0].safe_name)
    check_outputs(out_dir or session.plan_dir, tx_builder, typed_data)
    try:
        written = make_plans(session, action_plans, nonce=nonce, replace=replace, out_dir=out_dir)
        output.audit_details["safe_tx_hashes"] = [str(w.plan.safe_tx_hash) for w in written]
        exports = write_exports(written, tx_builder, typed_data)
    except OSError as error:
        if error.filename is None:
            raise  # not a file: the chain adapters report their own failures
        where = error.filename2 or error.filename
        raise BadInput(
            f"cannot write {where}: {error.strerror}",
            hint="Choose a folder you may write to.",
        ) from None
    steps = NextSteps.of(output)
    reviews = [steps.command("review", str(w.path)) for w in written]
    entries = [w.to_json() | exports.get(w.plan.safe_tx_hash.hex0x, {}) for w in written]
    document: dict[str, Any] = {**entries[0], "plans": entries, "next": reviews}
    output.result(
        document, lambda console: _render(console, written, entries, session.policy, reviews)
    )


def _render(
    console: Console,
    written: list[WrittenPlan],
    entries: list[dict[str, Any]],
    policy: Policy,
    reviews: list[str],
) -> None:
    from rich.markup import escape

    from safeops.cli.render import decoded_tree, hashes_table, policy_names

    for item, entry, review in zip(written, entries, reviews, strict=True):
        plan = item.plan
        names = policy_names(policy, plan.chain_id)
        console.print(
            f"[bold]Plan {plan.part[0]}/{plan.part[1]}[/bold]: {plan.action} through "
            f"Safe {plan.safe_name} {plan.tx.safe}, nonce {plan.tx.nonce} "
            f"(on chain: {item.onchain_nonce})"
        )
        console.print(hashes_table(plan.inspection))
        console.print(decoded_tree(plan.inspection.decoded, names))
        for description in entry["calls"]:
            console.print(f"  • {escape(description)}")
        for finding in plan.inspection.findings:
            console.print(f"  [bold red]{finding.code}[/bold red] {escape(finding.message)}")
        for note in plan.notes:
            console.print(f"  [yellow]note:[/yellow] {escape(note)}")
        console.print(f"  {len(plan.postconditions)} postcondition(s) to prove in rehearsal")
        console.print(f"  written to [bold]{item.path}[/bold]")
        for key in ("tx_builder", "typed_data"):
            if key in entry:
                console.print(f"  {key.replace('_', ' ')}: {entry[key]}")
        print_steps(console, [("next, review it:", [review])], indent="  ")


@app.command("pause")
def pause(
    ctx: typer.Context,
    targets: Annotated[list[str] | None, typer.Argument(help="Targets of the policy.")] = None,
    all_targets: Annotated[bool, typer.Option("--all", help="Every pausable target.")] = False,
    nonce: NonceOption = None,
    replace: ReplaceOption = False,
    out_dir: OutDirOption = DEFAULT_OUT,
    tx_builder: TxBuilderOption = None,
    typed_data: TypedDataOption = None,
) -> None:
    """Pause targets: several become one batch per governing Safe."""
    _pause(ctx, targets, all_targets, False, nonce, replace, out_dir, tx_builder, typed_data)


@app.command("unpause")
def unpause(
    ctx: typer.Context,
    targets: Annotated[list[str] | None, typer.Argument(help="Targets of the policy.")] = None,
    all_targets: Annotated[bool, typer.Option("--all", help="Every unpausable target.")] = False,
    nonce: NonceOption = None,
    replace: ReplaceOption = False,
    out_dir: OutDirOption = DEFAULT_OUT,
    tx_builder: TxBuilderOption = None,
    typed_data: TypedDataOption = None,
) -> None:
    """Unpause targets through the Safe the policy gives that power."""
    _pause(ctx, targets, all_targets, True, nonce, replace, out_dir, tx_builder, typed_data)


def _pause(
    ctx: typer.Context,
    targets: list[str] | None,
    all_targets: bool,
    unpause: bool,
    nonce: int | None,
    replace: bool,
    out_dir: Path | None,
    tx_builder: Path | None,
    typed_data: Path | None,
) -> None:
    from safeops.core.actions import plan_pause

    output: Output = ctx.ensure_object(Output)
    output.audit("plan unpause" if unpause else "plan pause")
    session = open_session(output)
    plans = plan_pause(session.policy, targets or [], all_targets=all_targets, unpause=unpause)
    _finish(ctx, session, plans, nonce, replace, out_dir, tx_builder, typed_data)


@app.command("revoke")
def revoke(
    ctx: typer.Context,
    allowlist: Annotated[str, typer.Argument(help="An allow-list of the policy.")],
    addresses: Annotated[list[str] | None, typer.Argument(help="Addresses (EIP-55).")] = None,
    from_file: Annotated[
        Path | None, typer.Option("--from-file", help="One address per line; # starts a comment.")
    ] = None,
    nonce: NonceOption = None,
    replace: ReplaceOption = False,
    out_dir: OutDirOption = DEFAULT_OUT,
    tx_builder: TxBuilderOption = None,
    typed_data: TypedDataOption = None,
) -> None:
    """Revoke addresses from an allow-list; large lists are split into several plans."""
    from safeops.core.actions import plan_revoke

    output: Output = ctx.ensure_object(Output)
    output.audit("plan revoke", allowlist=allowlist)
    session = open_session(output)
    policy = session.policy
    listed = read_addresses(from_file) if from_file else []
    if from_file and not listed:
        raise BadInput(f"{from_file} holds no address", hint="One address per line; # comments.")
    wanted = list(addresses or []) + listed
    if not wanted:
        raise BadInput("no address to revoke", hint="Name addresses or pass --from-file.")
    if allowlist not in policy.allowlists:
        known = ", ".join(policy.allowlists) or "none"
        raise BadInput(f"unknown allow-list {allowlist!r}", hint=f"The policy's: {known}.")
    safe = policy.safes[policy.allowlists[allowlist].safe]
    gas_limit = session.chain(safe).gas_limit()
    plans = plan_revoke(policy, allowlist, wanted, block_gas_limit=gas_limit)
    _finish(ctx, session, plans, nonce, replace, out_dir, tx_builder, typed_data)


def read_addresses(path: Path) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise BadInput(f"cannot read {path}: {error.strerror}", hint=READ_HINT) from error
    except UnicodeDecodeError:
        raise BadInput(
            f"{path} is not UTF-8 text: one address per line expected",
            hint="Save the list as plain text, one 0x address per line.",
        ) from None
    return [line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip()]


@app.command("withdraw")
def withdraw(
    ctx: typer.Context,
    vault: Annotated[str, typer.Argument(help="A vault of the policy.")],
    to: Annotated[str, typer.Option("--to", help="A recipient of the policy (by name).")],
    token: Annotated[str | None, typer.Option("--token", help="A token of the policy.")] = None,
    amount: Annotated[
        str | None, typer.Option("--amount", help="In token units, e.g. 1250.5 (exact decimal).")
    ] = None,
    all_tokens: Annotated[
        bool,
        typer.Option(
            "--all-tokens", help="Sweep every policy token the vault holds, ETH included."
        ),
    ] = False,
    nonce: NonceOption = None,
    replace: ReplaceOption = False,
    out_dir: OutDirOption = DEFAULT_OUT,
    tx_builder: TxBuilderOption = None,
    typed_data: TypedDataOption = None,
) -> None:
    """Emergency-withdraw from a vault to a recipient the policy names, within its caps."""
    from safeops.core.actions import plan_withdraw, plan_withdraw_all

    output: Output = ctx.ensure_object(Output)
    output.audit("plan withdraw", vault=vault)
    session = open_session(output)
    policy = session.policy
    if vault not in policy.vaults:
        raise BadInput(
            f"unknown vault {vault!r}", hint=f"The policy's: {', '.join(policy.vaults)}."
        )
    entry = policy.vaults[vault]
    tokens = {name: policy.tokens[name].address for name in entry.tokens}
    safe = policy.safes[entry.safe]
    held = session.chain(safe).token_balances(entry.address, tokens)
    if all_tokens:
        if token or amount:
            raise BadInput(
                "--all-tokens sweeps everything: drop --token and --amount",
                hint="Either --all-tokens, or --token T --amount A.",
            )
        plans = plan_withdraw_all(policy, vault, to, held)
    else:
        if not token or not amount:
            raise BadInput(
                "--token and --amount are needed (or --all-tokens)",
                hint=f"Tokens of vault {vault}: {', '.join(entry.tokens)}.",
            )
        plans = plan_withdraw(policy, vault, token, amount, to, balances=held)
    _finish(ctx, session, plans, nonce, replace, out_dir, tx_builder, typed_data)
