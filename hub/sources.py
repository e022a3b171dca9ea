"""Where a model or a data set comes from: a local folder or file, or a Hugging Face Hub repository."""
from __future__ import annotations

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
