"""Function templates: a signature and its arguments, constants or `{placeholder}`s."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

from safeops.core.addresses import parse_address
from safeops.core.decoding.selectors import FunctionSignature, parse_signature
from safeops.errors import BadInput, InvalidAddress

if TYPE_CHECKING:
    from eth_abi.grammar import ABIType

TemplateArg: TypeAlias = "str | int | bool | tuple[TemplateArg, ...]"
"""A template argument as the TOML holds it; arrays become tuples."""
ConstValue: TypeAlias = "str | int | bool | bytes | tuple[ConstValue, ...]"
"""A constant converted for eth_abi: addresses checksummed, hex strings as bytes."""

# The values the tool fills in, and the ABI type each one needs ("uint" = any uint width).
PLACEHOLDER_TYPES: Mapping[str, str] = {
    "account": "address",
    "accounts": "address[]",
    "token": "address",
    "to": "address",
    "amount": "uint",
}
_PLACEHOLDER = re.compile(r"^\{([^{}]*)\}$")
_BASES = frozenset({"address", "bool", "uint", "int", "bytes", "string"})

Issue = tuple[tuple[str | int, ...], str]
"""A problem inside a template: the sub-path (`("args", 1)`) and the message."""


@dataclass(frozen=True)
class CallTemplate:
    """`{ call = "setAllowed(address,bool)", args = ["{account}", false] }`, checked."""

    signature: FunctionSignature
    args: tuple[TemplateArg, ...] = ()

    @property
    def text(self) -> str:
        """The signature with its outputs, as a policy writes it."""
        outputs = f"({','.join(self.signature.outputs)})" if self.signature.outputs else ""
        return self.signature.canonical + outputs

    @property
    def placeholders(self) -> frozenset[str]:
        return frozenset(n for a in self.args if (n := placeholder_name(a)) is not None)

    def render(self, values: Mapping[str, object]) -> list[object]:
        return render_args(self.args, self.signature.inputs, values)

    def calldata(self, values: Mapping[str, object]) -> bytes:
        """Selector and ABI-encoded arguments, placeholders filled from `values`."""
        from eth_abi.abi import encode

        return self.signature.selector + encode(list(self.signature.inputs), self.render(values))


def placeholder_name(arg: object) -> str | None:
    """`"{account}"` -> `"account"`; None for a constant."""
    if isinstance(arg, str) and (match := _PLACEHOLDER.match(arg)):
        return match.group(1)
    return None


def render_args(
    template_args: Sequence[TemplateArg], input_types: Sequence[str], values: Mapping[str, object]
) -> list[object]:
    """The arguments for eth_abi: placeholders taken from `values`, constants converted."""
    if len(template_args) != len(input_types):
        raise BadInput(f"{len(input_types)} argument types for {len(template_args)} arguments")
    rendered: list[object] = []
    for arg, abi_type in zip(template_args, input_types, strict=True):
        name = placeholder_name(arg)
        if name is None:
            rendered.append(constant(abi_type, arg))
        elif name in values:
            rendered.append(values[name])
        else:
            raise BadInput(f"no value for the placeholder {{{name}}}")
    return rendered


def constant(abi_type: str, value: object) -> ConstValue:
    """`value` from the TOML as eth_abi wants it for `abi_type`; ValueError if it does not fit."""
    from eth_abi.abi import is_encodable

    converted = _convert(_parse_type(abi_type), value)
    if not is_encodable(abi_type, converted):
        raise ValueError(f"{_show(value)} does not fit {abi_type}")
    return converted


def check_type(abi_type: str) -> str | None:
    """Why `abi_type` cannot be used in a signature, or None when it is a canonical ABI type."""
    from eth_abi.exceptions import ABITypeError, ParseError

    try:
        # The selector hashes the canonical spelling: `f(uint)` would select another function.
        canonical = _canonical(abi_type)
        if canonical != abi_type:
            return f"write {canonical!r}, not {abi_type!r}: the selector hashes the canonical type"
        parsed = _parse_type(abi_type)
        parsed.validate()  # type: ignore[no-untyped-call]
    except (ABITypeError, ParseError):
        return f"{abi_type!r} is not an ABI type"
    for basic in _basics(parsed):
        if basic not in _BASES:
            return f"{abi_type!r} is not a supported ABI type"
    return None


def check_template(
    call: str,
    args: Sequence[object],
    *,
    allowed: Collection[str],
    needs: Sequence[tuple[str, ...]] = (),
    view: bool = False,
) -> tuple[CallTemplate | None, list[Issue]]:
    """Parse and check a template; `allowed` placeholders, each group of `needs` used once.

    A `view` (a check) must declare exactly one output, e.g. `paused()(bool)`.
    """
    try:
        signature = parse_signature(call)
    except BadInput as error:
        return None, [(("call",), error.message)]
    issues: list[Issue] = [
        (("call",), problem)
        for abi_type in (*signature.inputs, *signature.outputs)
        if (problem := check_type(abi_type)) is not None
    ]
    if view and len(signature.outputs) != 1:
        issues.append(
            (("call",), f"a check must declare one output, as in {signature.name}()(bool)")
        )
    if issues:
        return None, issues
    if len(args) != len(signature.inputs):
        count = len(signature.inputs)
        message = f"{signature.canonical} takes {count} argument(s), args has {len(args)}"
        return None, [(("args",), message)]
    converted: list[TemplateArg] = []
    for index, (arg, abi_type) in enumerate(zip(args, signature.inputs, strict=True)):
        problem = _check_arg(arg, abi_type, allowed)
        if problem is not None:
            issues.append((("args", index), problem))
        else:
            converted.append(_freeze(arg))
    used = {name for arg in args if (name := placeholder_name(arg)) is not None}
    for group in needs:
        present = [name for name in group if name in used]
        if len(present) != 1 and not issues:
            choices = " or ".join("{" + name + "}" for name in group)
            issues.append((("args",), f"{signature.name} must take {choices}" + _exactly(present)))
    if issues:
        return None, issues
    return CallTemplate(signature, tuple(converted)), []


def _exactly(present: Sequence[str]) -> str:
    return ", not both" if len(present) > 1 else ""


def _check_arg(arg: object, abi_type: str, allowed: Collection[str]) -> str | None:
    name = placeholder_name(arg)
    if name is not None:
        if name not in PLACEHOLDER_TYPES:
            known = ", ".join("{" + n + "}" for n in PLACEHOLDER_TYPES)
            return f"unknown placeholder {arg}; the placeholders are {known}"
        if not allowed:
            return f"{arg} is not available here: this call takes constants only"
        if name not in allowed:
            here = ", ".join("{" + n + "}" for n in allowed)
            return f"{arg} is not available here; use {here}"
        wanted = PLACEHOLDER_TYPES[name]
        fits = abi_type.startswith("uint") if wanted == "uint" else abi_type == wanted
        if not fits:
            want = "uint<N>" if wanted == "uint" else wanted
            return f"{arg} must fill a parameter typed {want}, not {abi_type}"
        return None
    if _holds_placeholder(arg):
        return "a placeholder must be a whole argument, not inside an array"
    try:
        constant(abi_type, arg)
    except ValueError as error:
        return f"constant {error}"
    return None


def _holds_placeholder(value: object) -> bool:
    if isinstance(value, list | tuple):
        return any(placeholder_name(item) is not None or _holds_placeholder(item) for item in value)
    return False


def _freeze(value: object) -> TemplateArg:
    if isinstance(value, list | tuple):
        return tuple(_freeze(item) for item in value)
    if isinstance(value, str | int):  # bool is an int
        return value
    raise ValueError(f"unsupported template argument {value!r}")


def _parse_type(abi_type: str) -> ABIType:
    from eth_abi.grammar import parse

    parsed: ABIType = parse(abi_type)
    return parsed


def _canonical(abi_type: str) -> str:
    from eth_abi.grammar import normalize

    canonical: str = normalize(abi_type)  # type: ignore[no-untyped-call]
    return canonical


def _basics(parsed: ABIType) -> list[str]:
    from eth_abi.grammar import BasicType, TupleType

    if isinstance(parsed, TupleType):
        return [base for component in parsed.components for base in _basics(component)]
    assert isinstance(parsed, BasicType)
    return [str(parsed.base)]


def _convert(parsed: ABIType, value: object) -> ConstValue:
    from eth_abi.grammar import BasicType, TupleType

    if parsed.is_array:
        if not isinstance(value, list | tuple):
            raise ValueError(f"{_show(value)} is not an array for {parsed.to_type_str()}")  # type: ignore[no-untyped-call]
        return tuple(_convert(parsed.item_type, item) for item in value)
    if isinstance(parsed, TupleType):
        if not isinstance(value, list | tuple) or len(value) != len(parsed.components):
            raise ValueError(f"{_show(value)} does not fit {parsed.to_type_str()}")  # type: ignore[no-untyped-call]
        return tuple(_convert(c, v) for c, v in zip(parsed.components, value, strict=True))
    assert isinstance(parsed, BasicType)
    return _convert_basic(str(parsed.base), parsed.sub, value)


def _convert_basic(base: str, sub: object, value: object) -> ConstValue:
    kind = f"{base}{sub or ''}"
    if base == "bool" and isinstance(value, bool):
        return value
    if base in ("uint", "int") and isinstance(value, int) and not isinstance(value, bool):
        return value
    if base == "string" and isinstance(value, str):
        return value
    if base == "address" and isinstance(value, str):
        try:
            return parse_address(value)
        except InvalidAddress as error:
            raise ValueError(f"{value!r} is not an EIP-55 checksummed address") from error
    if base == "bytes" and isinstance(value, str) and value.startswith("0x"):
        try:
            data = bytes.fromhex(value[2:])
        except ValueError as error:
            raise ValueError(f"{value!r} is not 0x-prefixed hex") from error
        if isinstance(sub, int) and len(data) != sub:
            raise ValueError(f"{value!r} is {len(data)} bytes, {kind} needs {sub}")
        return data
    raise ValueError(f"{_show(value)} is not a valid {kind}")


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)
