"""The report's sections for the far RPCs and the 1,000-address revoke."""

from __future__ import annotations

from collections import Counter

from flows import Remote
from flows_many import REVOKE_COUNT, RevokeResults
from harness import met, row
from rpc_traffic import ROUND_TRIPS

PAUSE_GOAL = 0.8
REMOTE_TRIPS_GOAL = 20
REVOKE_GOAL_S = 8.0
GOAL_DELAY_S = 0.05  # the goals through a far RPC are set at 50 ms


def remote(far: Remote) -> list[str]:
    delay_ms = far.delay_s * 1000
    ours = far.samples["safeops"].median
    lines = [
        f"### The same pause through an RPC {delay_ms:.0f} ms away",
        "",
        f"A proxy on 127.0.0.1 holds every JSON-RPC request {delay_ms:.0f} ms before passing it "
        "to anvil, as a hosted RPC across the internet would (the rehearsal's fork reads "
        "through it as well). No warm-up round.",
        "",
        "| tool | median s | min-max | runs | safeops ÷ this |",
        "|---|---|---|---|---|",
        *(row(tool, s, f"{ours / s.median:.2f}") for tool, s in far.samples.items()),
        "",
        f"JSON-RPC of one run of each tool through this proxy. *Sequential round trips*: the "
        f"time at least one request was in flight ÷ {delay_ms:.0f} ms, so that requests sent "
        "together (a batch, the fork's concurrent fetches) count once.",
        "",
        "| tool | sequential round trips | HTTP requests (tool + fork) | JSON-RPC requests "
        "(tool + fork) | the tool's requests by method |",
        "|---|---|---|---|---|",
    ]
    for tool, counts in far.requests.items():
        own = Counter({m: n for (client, m), n in counts.items() if client == "tool"})
        fork = Counter({m: n for (client, m), n in counts.items() if client == "fork"})
        trips, fork_trips = own.pop(ROUND_TRIPS, 0), fork.pop(ROUND_TRIPS, 0)
        methods = ", ".join(f"{m} {n}" for m, n in own.most_common())
        requests = f"{sum(own.values())} + {sum(fork.values())}"
        lines.append(
            f"| {tool} | {far.sequential[tool]:.1f} | {trips} + {fork_trips} | {requests} | "
            f"{methods} |"
        )
    if far.delay_s == GOAL_DELAY_S and "safe-cli" in far.samples:
        ratio = ours / far.samples["safe-cli"].median
        trips_ok = far.sequential["safeops"] <= REMOTE_TRIPS_GOAL
        lines += [
            "",
            f"Goal, at most {PAUSE_GOAL}x safe-cli: {met(ratio <= PAUSE_GOAL)} ({ratio:.2f}x); "
            f"at most {REMOTE_TRIPS_GOAL} sequential round trips, the rehearsal included: "
            f"{met(trips_ok)} ({far.sequential['safeops']:.1f}).",
        ]
    return [*lines, ""]


def revoke(results: RevokeResults) -> list[str]:
    count = results.plans
    lines = [
        f"## Revoke of {REVOKE_COUNT:,} addresses: plan + review + rehearse ({count} plans)",
        "",
        "Three `safeops` processes, as an operator runs them: `plan revoke` writes the plans, "
        "`review PLAN…` and `rehearse PLAN…` take all of them (the rehearsal runs them one "
        "after the other on one fork). For scale, safe-cli (one `send-custom` process per "
        "batch) and the minimal script (one process) sign and execute the same batches with two "
        "owners' keys; they neither review nor rehearse.",
        "",
        "| step | median s | min-max | runs |",
        "|---|---|---|---|",
        row("`plan revoke members --from-file`", results.plan),
        row(f"`review` of the {count} plans", results.review),
        row(f"`rehearse` of the {count} plans", results.rehearse),
        row("**safeops total**", results.total),
    ]
    if results.safe_cli.seconds:
        lines.append(row(f"safe-cli `send-custom` x {count} (sign, execute)", results.safe_cli))
    lines += [
        row(f"minimal script, {count} transactions (sign, execute)", results.minimal),
        "",
        f"Goal, under {REVOKE_GOAL_S:.0f} s: {met(results.total.median < REVOKE_GOAL_S)}.",
        "",
    ]
    return lines
