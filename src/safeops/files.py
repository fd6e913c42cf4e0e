"""Atomic file writes: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

TEMP_PREFIX = ".tmp-"
READ_HINT = "Check the path (relative to the current folder) and that you may read the file."


def write_atomically(
    path: Path, text: str, *, before_rename: Callable[[str], None] | None = None
) -> Path:
    """Write `text` to a temp file beside `path`, fsync it, then rename it over `path`.

    The temp file lives in the same folder so the rename is atomic; it is removed when
    anything fails. OSError reaches the caller, which knows what the file was for.
    `before_rename` lets fault-injection tests stop between the write and the rename.
    """
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=TEMP_PREFIX, suffix=".json")
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if before_rename is not None:
            before_rename(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
