"""The suite-wide key scan itself: it finds every spelling, and a leaking test fails."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from safeops.devnet.deploy import DEV_KEYS
from tests import secret_hygiene
from tests.helpers_secrets import SENTINEL_KEY
from tests.secret_hygiene import KEYS, SCANNER

pytest_plugins = ["pytester"]
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("label", sorted(KEYS))
def test_every_spelling_of_every_key_is_found(label: str) -> None:
    digits = KEYS[label].removeprefix("0x")
    raw = bytes.fromhex(digits)
    spellings: list[str | bytes] = [
        f"key = {KEYS[label]}",
        digits.upper(),
        "0X" + digits,
        f"ab{digits[7:23]}cd",  # 16 digits of it inside a longer hex run
        b"\x00" + raw + b"\xff",
        base64.b64encode(raw),
        base64.urlsafe_b64encode(raw),
    ]
    for spelling in spellings:
        found = SCANNER.find(spelling)
        assert found is not None, spelling
        assert label in found
        assert digits[:16] not in found.lower()  # the report never repeats the key


def test_addresses_hashes_and_keystores_are_not_keys() -> None:
    from eth_account import Account

    keystore = Account.encrypt(DEV_KEYS["alice"], "pw", kdf="scrypt", iterations=2**14)
    addresses = " ".join(Account.from_key(key).address for key in KEYS.values())
    assert SCANNER.find(json.dumps(keystore)) is None
    assert SCANNER.find(addresses) is None
    assert SCANNER.find(DEV_KEYS["bob"][2:17]) is None  # 15 digits: below the window


def test_in_process_and_subprocess_output_is_collected(capsys: pytest.CaptureFixture[str]) -> None:
    current = secret_hygiene.STATE.current
    assert current is not None
    print("shown in process")
    assert capsys.readouterr().out == "shown in process\n"
    subprocess.run([sys.executable, "-c", "print('shown by a child')"], capture_output=True)
    shown = [text for _, text in current.shown]
    assert "shown in process\n" in shown
    assert any("shown by a child" in str(text) for text in shown)


def test_a_test_that_shows_a_key_fails_and_a_file_is_found(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(
        test_leaks=textwrap.dedent(
            f"""
            from pathlib import Path

            def test_prints_a_key():
                print("oops", {SENTINEL_KEY[2:].upper()!r})

            def test_writes_a_key(tmp_path):
                (tmp_path / "debug.log").write_text({DEV_KEYS["carol"]!r})

            def test_clean():
                print("nothing to see")
            """
        )
    )
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    try:
        # --show-capture=no: pytester echoes the inner report, which must not show the key here
        result = pytester.runpytest_subprocess(
            "-p", "tests.secret_hygiene", "-p", "no:cacheprovider", "--show-capture=no"
        )
        output = result.stdout.str()
        result.assert_outcomes(passed=3, errors=2)
        assert "the sentinel key (hex digits) at offset" in output
        assert "the devnet carol key (hex digits) at offset 2 in file" in output
        assert "debug.log" in output
    finally:
        # The leaks made on purpose must not trip this session's own final sweep.
        shutil.rmtree(pytester.path, ignore_errors=True)
