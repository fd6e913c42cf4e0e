"""A private D-Bus session with gnome-keyring in it, so that `keyring` uses a real keyring."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import keyring
import keyring.backend
import keyring.core
import secretstorage
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection

SECRETS_NAME = "org.freedesktop.secrets"
READY_TIMEOUT_S = 5.0
PROGRAMS = ("dbus-daemon", "gnome-keyring-daemon")


def missing_programs() -> list[str]:
    return [name for name in PROGRAMS if shutil.which(name) is None]


@dataclass
class KeyringSession:
    """A running session bus and gnome-keyring-daemon; `bus_address` is what clients need."""

    bus: subprocess.Popen[bytes]
    daemon: subprocess.Popen[bytes]
    bus_address: str
    root: Path

    def lock(self) -> None:
        """Lock the default collection, as a screen lock or `secret-tool lock` would."""
        with open_dbus_connection(bus=self.bus_address) as connection:
            secretstorage.get_default_collection(connection).lock()

    def stop(self) -> None:
        for process in (self.daemon, self.bus):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)


def start_keyring_session(root: Path, *, unlock: bool = True) -> KeyringSession:
    """Start the bus and the daemon under `root`; with `unlock`, the login keyring is created
    and unlocked with a random password (non-empty, so its file on disk is encrypted).

    Both run with HOME and XDG_RUNTIME_DIR (mode 700) under `root`, and without DISPLAY, so
    that no prompt window can appear:
      dbus-daemon --session --nofork --print-address=1 --address=unix:path=$XDG_RUNTIME_DIR/bus
      gnome-keyring-daemon --foreground --components=secrets [--unlock]  (password on stdin)
    """
    home, runtime = root / "home", root / "run"
    home.mkdir(parents=True, exist_ok=True)
    runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(home), "XDG_RUNTIME_DIR": str(runtime)}
    with open(root / "dbus.log", "ab") as log:
        bus = subprocess.Popen(
            [
                "dbus-daemon",
                "--session",
                "--nofork",
                "--print-address=1",
                f"--address=unix:path={runtime}/bus",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=log,
            env=env,
        )
    assert bus.stdout is not None
    address = bus.stdout.readline().decode().strip()
    bus.stdout.close()
    env["DBUS_SESSION_BUS_ADDRESS"] = address
    args = ["gnome-keyring-daemon", "--foreground", "--components=secrets"]
    with open(root / "gnome-keyring.log", "ab") as log:
        daemon = subprocess.Popen(
            [*args, "--unlock"] if unlock else args,
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
    session = KeyringSession(bus, daemon, address, root)
    try:
        assert daemon.stdin is not None
        if unlock:
            daemon.stdin.write(secrets.token_hex(16).encode())
        daemon.stdin.close()
        if not address:
            raise RuntimeError("dbus-daemon printed no address; see dbus.log")
        _wait_for_secret_service(session)
    except BaseException:
        session.stop()
        raise
    return session


def _wait_for_secret_service(session: KeyringSession) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    with open_dbus_connection(bus=session.bus_address) as connection:
        while time.monotonic() < deadline:
            if session.daemon.poll() is not None:
                raise RuntimeError("gnome-keyring-daemon exited; see gnome-keyring.log")
            reply = connection.send_and_get_reply(message_bus.NameHasOwner(SECRETS_NAME))
            if reply.body[0]:
                return
            time.sleep(0.01)
    raise RuntimeError(f"{SECRETS_NAME} did not appear on the bus within {READY_TIMEOUT_S} s")


def redetect_keyring_backend() -> None:
    """Let `keyring` choose its backend again from the current environment, as a new process
    would: it caches the list of viable backends for the life of the process."""
    if hasattr(keyring.backend.get_all_keyring, "saved_result"):
        keyring.backend.get_all_keyring.reset()
    keyring.core.init_backend()
