"""The lyrics file: the records a crawl writes and every tool that reads lyrics takes
(``python -m training.build_song_vectors``, its Ray engine, ``python -m training.train_breakup``).

A JSONL file, one JSON object per song, written and flushed as soon as the song is fetched::

    {"song_id": "...", "title": "...", "artist": "...", "year": 1994, "release_date": "1994.03.10",
     "lyrics": "...", "status": "ok" | "no_lyrics" | "error", "note": "...", "url": "..."}

or Parquet (a ``.parquet`` file or a folder of them) with the same fields as columns. Only
``song_id`` is required, once per song; a missing ``status`` means ``ok``. Readers check this and
raise :class:`LyricsFileError` naming the file and the line or row.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from hub.labelled_data import json_reason


class LyricsFileError(ValueError):
    """A lyrics file (JSONL or Parquet) with a broken line or row, a missing or duplicate id; the
    message names the file and the line or row."""


def read_lyrics_jsonl(path) -> list[dict]:
    """All records of a lyrics file, checked: valid JSON objects, a ``song_id`` each, no duplicates."""
    path = Path(path)
    if not path.is_file():
        raise LyricsFileError(f"{path}: no such lyrics file (make one with python -m training.crawl_melon)")
    records, seen = [], {}
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                raise LyricsFileError(f"{path}:{lineno}: not valid JSON ({json_reason(e)} at column {e.colno}); "
                                      "fix or delete the line") from None
            if not isinstance(record, dict) or not str(record.get("song_id", "")).strip():
                raise LyricsFileError(f"{path}:{lineno}: each line must be a JSON object with a 'song_id'")
            sid = str(record["song_id"]).strip()
            if sid in seen:
                raise LyricsFileError(f"{path}:{lineno}: song_id {sid!r} already appears on line {seen[sid]}; "
                                      "keep one record per song")
            seen[sid] = lineno
            record["song_id"] = sid
            records.append(record)
    return records


def append_record(path: Path, record: dict) -> None:
    """Add one record as a line, flushed to disk: a crawl killed at any moment keeps every song
    written before (a half-written last line is what a resumed crawl drops)."""
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(record, ensure_ascii=False) + "\n")
        f.flush()
        os.fsync(f.fileno())


def parquet_files(path) -> list[Path] | None:
    """The Parquet files of a lyrics input (a ``.parquet`` file, or a folder holding them, searched
    recursively, in name order), or None when the input is not Parquet (a JSONL file)."""
    path = Path(path)
    if path.is_dir():
        return sorted(f for f in path.rglob("*.parquet") if f.is_file())
    return [path] if path.suffix == ".parquet" and path.is_file() else None


def record_from_row(row: dict) -> dict:
    """A lyrics record from a Parquet row: missing values (null) are left out, as absent JSON fields
    are, and the id is a stripped string."""
    record = {k: v for k, v in row.items() if v is not None}
    record["song_id"] = str(record.get("song_id", "")).strip()
    return record


def parquet_song_ids(files: list[Path], source) -> list[tuple[Path, list[str]]]:
    """Per Parquet file, its song ids, checked like a JSONL file's (an id on every row, no id twice
    across the files). Raises :class:`LyricsFileError` naming file and row."""
    import pyarrow.parquet as pq

    if not files:
        raise LyricsFileError(f"{source}: no .parquet files in this folder (give a lyrics JSONL file or Parquet files)")
    out, seen = [], {}
    for file in files:
        try:
            pf = pq.ParquetFile(file)
            if "song_id" not in pf.schema_arrow.names:
                raise LyricsFileError(f"{file}: no 'song_id' column (it has {', '.join(pf.schema_arrow.names)})")
            ids = pf.read(columns=["song_id"]).column("song_id").to_pylist()
        except LyricsFileError:
            raise
        except Exception as e:  # noqa: BLE001 - pyarrow raises several types for a broken file
            raise LyricsFileError(f"{file}: not a readable Parquet file ({type(e).__name__}: {e})") from None
        clean = []
        for i, value in enumerate(ids):
            sid = "" if value is None else str(value).strip()
            if not sid:
                raise LyricsFileError(f"{file}: row {i}: each row needs a 'song_id'")
            if sid in seen:
                raise LyricsFileError(f"{file}: row {i}: song_id {sid!r} already appears in {seen[sid]}; "
                                      "keep one record per song")
            seen[sid] = f"{file.name} row {i}"
            clean.append(sid)
        out.append((file, clean))
    return out


def read_records(path) -> list[dict]:
    """All records of a lyrics input: the crawl's JSONL file (:func:`read_lyrics_jsonl`)
    or Parquet with the same fields as columns. Raises :class:`LyricsFileError` naming file and line/row."""
    files = parquet_files(path)
    if files is None:
        return read_lyrics_jsonl(path)
    import pyarrow.parquet as pq

    parquet_song_ids(files, path)  # the checks, with row-named errors
    return [record_from_row(row) for file in files for row in pq.read_table(file).to_pylist()]
