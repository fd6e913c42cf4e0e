"""Emergency actions as calls (pause, revoke, withdraw, reject), built from the policy and read."""

from safeops.core.actions.common import ActionPlan, format_units
from safeops.core.actions.match import Operation, match_template, operations_by_address
from safeops.core.actions.pause import plan_pause
from safeops.core.actions.postconditions import (
    BALANCE_OF,
    ETH_BALANCE,
    balance_delta,
    is_balance_change,
)
from safeops.core.actions.reject import is_rejection, plan_reject
from safeops.core.actions.revoke import (
    BASE_GAS,
    BLOCK_SHARE,
    DEFAULT_BLOCK_GAS_LIMIT,
    DEFAULT_GAS_PER_ITEM,
    max_addresses,
    plan_revoke,
)
from safeops.core.actions.violations import PolicyViolation, Violation
from safeops.core.actions.withdraw import plan_withdraw, plan_withdraw_all

__all__ = [
    "BALANCE_OF",
    "BASE_GAS",
    "BLOCK_SHARE",
    "DEFAULT_BLOCK_GAS_LIMIT",
    "DEFAULT_GAS_PER_ITEM",
    "ETH_BALANCE",
    "ActionPlan",
    "Operation",
    "PolicyViolation",
    "Violation",
    "balance_delta",
    "format_units",
    "is_balance_change",
    "is_rejection",
    "match_template",
    "max_addresses",
    "operations_by_address",
    "plan_pause",
    "plan_reject",
    "plan_revoke",
    "plan_withdraw",
    "plan_withdraw_all",
]
