"""Decrypt a Web3 Secret Storage (version 3) keystore: scrypt or PBKDF2, then AES-128-CTR.

This is what eth-keyfile does for version 3, without importing eth-keyfile: it loads py_ecc's
BLS code for version 4 keystores (~0.3 s) on every import. The tests decrypt keystores that
eth-account wrote with both key derivations, and wrong passwords, through both.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

MAC_MISMATCH = "MAC mismatch"  # eth-keyfile's words for a wrong password


def decrypt_v3(keyfile: Mapping[str, Any], password: str) -> bytes:
    """The private key in `keyfile`. ValueError(MAC_MISMATCH) for a wrong password; KeyError,
    TypeError or ValueError (other text) for a malformed file."""
    from Crypto.Cipher import AES
    from Crypto.Util import Counter
    from eth_hash.auto import keccak

    crypto = {key.lower(): value for key, value in keyfile.items()}["crypto"]
    if crypto.get("kdf") not in ("scrypt", "pbkdf2"):
        raise ValueError(f"unsupported key derivation {crypto.get('kdf')}")
    derived = _derive(crypto["kdf"], crypto["kdfparams"], password.encode("utf-8"))
    ciphertext = bytes.fromhex(_hex(crypto["ciphertext"]))
    if not hmac.compare_digest(
        keccak(derived[16:32] + ciphertext), bytes.fromhex(_hex(crypto["mac"]))
    ):
        raise ValueError(MAC_MISMATCH)
    if crypto["cipher"] != "aes-128-ctr":
        raise ValueError(f"unsupported cipher {crypto['cipher']}")
    iv = int(_hex(crypto["cipherparams"]["iv"]), 16)
    counter = Counter.new(128, initial_value=iv, allow_wraparound=True)
    return bytes(AES.new(derived[:16], AES.MODE_CTR, counter=counter).decrypt(ciphertext))


def _derive(kdf: str, params: Mapping[str, Any], password: bytes) -> bytes:
    salt = bytes.fromhex(_hex(params["salt"]))
    if kdf == "scrypt":
        from Crypto.Protocol.KDF import scrypt

        # pycryptodome takes str for both; latin-1 maps each byte to one character.
        key = scrypt(
            password.decode("latin-1"),
            salt.decode("latin-1"),
            key_len=int(params["dklen"]),
            N=int(params["n"]),
            r=int(params["r"]),
            p=int(params["p"]),
            num_keys=1,
        )
        return bytes(key)  # type: ignore[arg-type]
    if kdf == "pbkdf2":
        if params["prf"] != "hmac-sha256":
            raise ValueError(f"unsupported prf {params['prf']}")
        return hashlib.pbkdf2_hmac("sha256", password, salt, int(params["c"]), int(params["dklen"]))
    raise ValueError(f"unsupported key derivation {kdf}")


def _hex(text: Any) -> str:
    if not isinstance(text, str):
        raise TypeError("hex text expected")
    return text.removeprefix("0x")
