"""Where a model or a data set comes from: a local folder or file, or a Hugging Face Hub repository."""
from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path


def is_hub_id(source) -> bool:
    """True for ``org/name`` that is not an existing local path: one slash, not starting like a path
    (``/``, ``.``, ``~``). Anything else that does not exist is a missing local path."""
    text = str(source)
    return not Path(text).exists() and text.count("/") == 1 and not text.startswith((".", "/", "~"))


def missing_path_message(source, what: str) -> str | None:
    """A one-sentence message when ``source`` is neither an existing path nor a Hub id, else None."""
    if Path(str(source)).exists() or is_hub_id(source):
        return None
    return f"{str(source)!r} is neither an existing folder nor a Hub {what} id like 'org/name'."


def source_problem(source, what: str, folder: str) -> str | None:
    """A one-sentence message when ``source`` is a file where a folder is wanted (``folder`` says which
    folder to pass) or is neither an existing path nor a Hub id (:func:`missing_path_message`), else None."""
    path = Path(str(source))
    if path.exists() and not path.is_dir():
        return f"{path} is a file; pass {folder}."
    return missing_path_message(source, what)


@contextmanager
def staged_folder(target):
    """Write a folder atomically: yields a fresh temporary sibling folder to write into, and swaps it in
    for ``target`` only when the block completes. An interrupted or failed write leaves the previous
    ``target`` whole (and removes the partial one)."""
    target = Path(target).resolve()
    staging = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)
