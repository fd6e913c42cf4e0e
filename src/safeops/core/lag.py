"""How far behind one another honest RPCs of one chain may be: normal propagation, not a fault."""

# An RPC whose head trails the highest one by more than BOTH of these is stuck or syncing: the
# Safe as it sees it may predate an owner change, so the flow stops. A smaller lag is normal
# propagation and costs nothing: every read is pinned to the lowest head, rehearsals fork at
# that block, and a rehearsal may be that many blocks ahead of a later pin (another RPC set
# answered). Blocks alone would mean ~48 s on mainnet but 1 s on a 250 ms chain; chain time
# alone would ignore block count.
MAX_LAG_BLOCKS = 4
MAX_LAG_S = 30
