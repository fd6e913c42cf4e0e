"""Line numbers of keys in TOML text: exact where known, absent rather than wrong."""

from __future__ import annotations

from safeops.core.policy.locate import format_where, key_lines

TEXT = '''\
# a comment with [brackets] and key = "value"
version = 1

[safes.guardian]   # trailing comment
address = "0x#not-a-comment"
expect = { version = "1.4.1", owners = ["a", "b"], nested = { deep = 1 } }
rpc = [
  "${ONE}",  # first
  'two',
]
"quoted.key" = 3
dotted.key = """multi
line = "not a key"
"""
after = 'x'

[[list]]
x = 1
[[list]]
x = 2
'''


def test_headers_keys_inline_tables_and_array_elements_have_their_line() -> None:
    lines = key_lines(TEXT)
    assert lines[("version",)] == 2
    assert lines[("safes",)] == 4
    assert lines[("safes", "guardian")] == 4
    assert lines[("safes", "guardian", "address")] == 5
    assert lines[("safes", "guardian", "expect", "owners", 1)] == 6
    assert lines[("safes", "guardian", "expect", "nested", "deep")] == 6
    assert lines[("safes", "guardian", "rpc")] == 7
    assert lines[("safes", "guardian", "rpc", 0)] == 8
    assert lines[("safes", "guardian", "rpc", 1)] == 9
    assert lines[("safes", "guardian", "quoted.key")] == 11
    assert lines[("safes", "guardian", "dotted", "key")] == 12
    assert lines[("safes", "guardian", "after")] == 15
    assert lines[("list", 1, "x")] == 20
    assert ("safes", "guardian", "line") not in lines  # inside a multi-line string


def test_text_it_cannot_follow_gives_no_lines_at_all() -> None:
    assert key_lines("key = [1, 2") == {}


def test_where_strings() -> None:
    assert format_where(("safes", "guardian", "rpc", 0)) == "safes.guardian.rpc[0]"
    assert format_where(("version",)) == "version"
