"""``build_song_vectors --engine ray``: the same song-vector dataset, computed by Ray Data workers.

    python -m training.build_song_vectors --lyrics lyrics.jsonl --output DIR --engine ray \\
        [--address ADDR] [--num-workers N] [--gpus-per-worker G] [--block-size B]

How it stays exact and resumable:

* **Blocks.** The driver reads the input once to check it (the local build's checks and messages)
  and cuts it by position into blocks of B songs (block k holds songs kB .. kB+B-1), noting where
  each lies (a byte range of the JSONL file; files and rows of Parquet input). Blocks depend only
  on the input and B, so every run cuts them the same way.
* **Story view.** Before any block, the driver fits the catalog's story view (:mod:`hub.search.story`) on the
  songs at :func:`hub.search.story.fit_positions` (every song up to 20,000, else 20,000 evenly spaced: the
  driver reads the input block by block, one at a time, and keeps only their lyrics) and keeps it as
  ``OUTPUT.parts/story_view.safetensors``, so a rerun puts its songs in the same space; the workers write each
  song's story vector into its shard.
* **Workers.** A Ray Data dataset of the blocks not yet done goes through ``map_batches`` with a
  fixed pool of actors (:class:`BlockScorer`): each loads the model once, then per block reads its
  songs from the input, scores them with :func:`training.song_build.core.read_all` (the local
  build's own function, so statuses, read shares and vectors are the local build's) and writes the
  block's shard ``OUTPUT.parts/block-00000k.parquet`` under a temporary name, then renames it: a
  shard is there whole or not at all. Ray restarts a killed worker and retries its block.
* **Resuming.** A rerun of the same command skips the blocks whose shard exists
  (``OUTPUT.parts/manifest.json`` records the input's hash, the model, its scoring options, B and
  ``--include-lyrics``; parts of another build are discarded).
* **Last step**, once, on the driver: the shards are read in block order and every song of the
  input must be there exactly once, in place; then the local build's final step
  (:func:`training.song_build.core.write_dataset`) writes the dataset, ``skipped.jsonl`` and the
  card (the output folder swapped in whole), and ``OUTPUT.parts/`` is removed.

``ray.data.read_json`` / ``Dataset.write_parquet`` are not used: their blocks and file names are not
tied to positions in the input, so a rerun could not tell which songs are done.

On a cluster (``--address``), the input, a model folder (a built-in model or Hub id needs nothing)
and the output's parent folder must be at the same path on every node (a shared file system); the
code of ``hub/`` and ``training/`` travels with the job (Ray ``py_modules``), the packages of
requirements.txt must be installed on every node. Ray is imported only here, and only when used.
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import shutil
import signal
import socket
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hub.models.base import ModelLoadError
from hub.models.registry import is_engine
from hub.models.transformer import check_model_source
from hub.reading import SongReading
from hub.search.story import STORY_FILE
from hub.song_dataset import FINGERPRINT_COLUMN, song_fingerprints
from hub.lyrics_file import LyricsFileError, parquet_files, parquet_song_ids, read_lyrics_jsonl, record_from_row
from hub.models.bilingual import DEFAULT_ENGLISH_MODEL
from training.song_build.core import (fit_story_view, predictor_revision, read_all, reader_name, scoring_note,
                                      story_text, write_dataset)

RAY_REQUIREMENT = "ray[data,client]==2.60.0"  # as pinned in requirements-ray.txt
MAX_BLOCK_SIZE = 1000
MANIFEST = "manifest.json"
# 2: shards hold the stanza vectors; 3: records hold their lyric fingerprint; 4: shards hold story vectors (a
# build's older shards are discarded, the build starts over)
SHARD_FORMAT = 4
# what the dataset and skipped.jsonl use of a record (the fingerprint stands for the lyrics a shard does not keep)
KEPT_FIELDS = ("song_id", "title", "artist", "year", "url", FINGERPRINT_COLUMN)
LOCAL_OBJECT_STORE = 256 * 1024 ** 2  # the blocks travel as small descriptions: a local cluster needs little


class RayBuildError(ValueError):
    """A Ray build that cannot start or finish; the message says why and what to do."""


class RayInterrupted(RuntimeError):
    """The build was interrupted; the shards written so far stay for a rerun."""


# --- the input, cut into blocks ------------------------------------------------------------------

@dataclass
class InputPlan:
    """The input's song ids in order, its blocks (each a JSON-able description) and its content hash."""

    source: str
    ids: list[str]
    blocks: list[dict]
    sha256: str


def default_block_size(n_songs: int) -> int:
    """Songs per block when none is given: 64 blocks for small inputs, at most 1000 songs each.
    Depends on the input alone, so a rerun cuts the same blocks."""
    return max(1, min(MAX_BLOCK_SIZE, math.ceil(n_songs / 64)))


def _local_reader_error(path: Path, fallback: str) -> LyricsFileError:
    """The error the local build's reader gives for this file (the same words for both engines),
    or ``fallback`` if it finds none."""
    try:
        read_lyrics_jsonl(path)
    except LyricsFileError as e:
        return e
    except UnicodeDecodeError:
        pass
    return LyricsFileError(fallback)


def _scan_jsonl(path: Path) -> tuple[list[str], list[tuple[int, int]], str]:
    """Checks a lyrics JSONL file as :func:`hub.lyrics_file.read_lyrics_jsonl` does, without
    keeping the records (on a problem, that reader gives the message): their ids, the (offset,
    length) of each record's line, and the file's hash."""
    if not path.is_file():
        raise _local_reader_error(path, f"{path}: no such lyrics file")
    ids, spans, seen, digest, offset = [], [], set(), hashlib.sha256(), 0
    with path.open("rb") as f:
        for lineno, raw in enumerate(f, 1):
            digest.update(raw)
            start, offset = offset, offset + len(raw)
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise _local_reader_error(path, f"{path}:{lineno}: not UTF-8 text (byte {e.start + 1} of the line)") from None
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                raise _local_reader_error(path, f"{path}:{lineno}: not valid JSON") from None
            sid = str(record.get("song_id", "")).strip() if isinstance(record, dict) else ""
            if not sid or sid in seen:
                raise _local_reader_error(path, f"{path}:{lineno}: no song_id, or one seen before")
            seen.add(sid)
            ids.append(sid)
            spans.append((start, len(raw)))
    return ids, spans, digest.hexdigest()


def plan_blocks(lyrics, block_size: int | None = None) -> tuple[InputPlan, int]:
    """Check the input and cut it into blocks; returns the plan and the block size used."""
    files = parquet_files(lyrics)
    if files is None:
        path = Path(lyrics).resolve()
        ids, spans, sha = _scan_jsonl(path)
        size = block_size or default_block_size(len(ids))
        blocks = []
        for k, first in enumerate(range(0, len(ids), size)):
            last = min(first + size, len(ids)) - 1
            offset = spans[first][0]
            blocks.append({"block": k, "format": "jsonl", "path": str(path), "first": first,
                           "count": last - first + 1, "offset": offset,
                           "length": spans[last][0] + spans[last][1] - offset})
        return InputPlan(str(lyrics), ids, blocks, sha), size
    per_file = parquet_song_ids(files, lyrics)
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.name.encode() + b"\0")
        with file.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
    ids = [sid for _, file_ids in per_file for sid in file_ids]
    size = block_size or default_block_size(len(ids))
    bases = np.cumsum([0] + [len(file_ids) for _, file_ids in per_file])
    blocks = []
    for k, first in enumerate(range(0, len(ids), size)):
        stop = min(first + size, len(ids))
        pieces = []
        for (file, file_ids), base in zip(per_file, bases):
            lo, hi = max(first, int(base)), min(stop, int(base) + len(file_ids))
            if lo < hi:
                pieces.append([str(file.resolve()), lo - int(base), hi - int(base)])
        blocks.append({"block": k, "format": "parquet", "first": first, "count": stop - first, "pieces": pieces})
    return InputPlan(str(lyrics), ids, blocks, digest.hexdigest()), size


def read_block(block: dict) -> list[dict]:
    """The records of one block, as the local build reads them (see :func:`plan_blocks`)."""
    records = []
    if block["format"] == "jsonl":
        with open(block["path"], "rb") as f:
            f.seek(block["offset"])
            data = f.read(block["length"])
        for line in data.decode("utf-8").split("\n"):
            if line.strip():
                record = json.loads(line)
                record["song_id"] = str(record["song_id"]).strip()
                records.append(record)
    else:
        import pyarrow.parquet as pq

        for file, lo, hi in block["pieces"]:
            pf = pq.ParquetFile(file)
            groups, start, first_start = [], 0, None
            for g in range(pf.metadata.num_row_groups):
                n = pf.metadata.row_group(g).num_rows
                if start < hi and start + n > lo:
                    groups.append(g)
                    first_start = start if first_start is None else first_start
                start += n
            table = pf.read_row_groups(groups).slice(lo - first_start, hi - lo)
            records += [record_from_row(row) for row in table.to_pylist()]
    if len(records) != block["count"]:
        raise LyricsFileError(f"block {block['block']} of the input holds {len(records)} records, expected "
                              f"{block['count']}: the input changed during the build; rerun")
    return records


# --- shards ----------------------------------------------------------------------------------------

def parts_folder(output) -> Path:
    """Where the work in progress lives: ``OUTPUT.parts`` beside the output folder."""
    out = Path(output).resolve()
    return out.with_name(out.name + ".parts")


def shard_path(parts: Path, block: int) -> Path:
    return Path(parts) / f"block-{block:06d}.parquet"


def write_shard(parts: Path, block: dict, records: list[dict], readings: list[SongReading], meta: dict,
                include_lyrics: bool, story: np.ndarray | None = None) -> Path:
    """A block's records and readings as one Parquet file, written under a temporary name and
    renamed, so the shard is complete or absent."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    keep = KEPT_FIELDS + (("lyrics",) if include_lyrics else ())
    table = pa.table({
        "index": pa.array(range(block["first"], block["first"] + len(records)), pa.int64()),
        "song_id": pa.array([r["song_id"] for r in records], pa.string()),
        "record": pa.array([json.dumps({k: r[k] for k in keep if k in r}, ensure_ascii=False, default=str)
                            for r in records], pa.string()),
        "status": pa.array([x.status for x in readings], pa.string()),
        "read_share": pa.array([float(x.read_share) for x in readings], pa.float64()),
        "message": pa.array([x.message or "" for x in readings], pa.string()),
        "probs": pa.array([None if x.probs is None else np.asarray(x.probs, dtype=np.float32).tolist()
                           for x in readings], pa.list_(pa.float32())),
        "stanza_probs": pa.array([None if x.stanza_probs is None else np.asarray(x.stanza_probs, np.float32).tolist()
                                  for x in readings], pa.list_(pa.list_(pa.float32()))),
        "story": pa.array([None] * len(records) if story is None else [row.tolist() for row in story],
                          pa.list_(pa.float32())),
    }).replace_schema_metadata({"gasa": json.dumps({**meta, "block": block["block"], "format": SHARD_FORMAT})})
    final = shard_path(parts, block["block"])
    tmp = final.with_name(f".{final.name}.tmp-{os.getpid()}")
    pq.write_table(table, tmp)
    os.replace(tmp, final)
    return final


def assemble(parts: Path, plan: InputPlan) -> tuple[list[dict], list[SongReading], dict, np.ndarray | None]:
    """Records, readings and story vectors (None where the build has no story view) of every song, in input
    order, from the shards; each song must appear exactly once, in its place, and all shards must come from the
    same model and revision."""
    import pyarrow.parquet as pq

    records, readings, meta, stories = [], [], None, []
    for block in plan.blocks:
        path = shard_path(parts, block["block"])
        try:
            table = pq.read_table(path)
            shard_meta = json.loads(table.schema.metadata[b"gasa"])
        except Exception as e:  # noqa: BLE001 - a shard damaged by hand or by a full disk
            raise RayBuildError(f"{path} cannot be read ({type(e).__name__}: {e}); delete it and rerun") from None
        if meta is None:
            meta = shard_meta
        elif (shard_meta["labels"], shard_meta["revision"]) != (meta["labels"], meta["revision"]):
            raise RayBuildError(f"{parts} holds shards of different models (revision {meta['revision']} and "
                                f"{shard_meta['revision']}): the model changed during the build; delete {parts} "
                                "and rerun")
        first, count = block["first"], block["count"]
        index = table.column("index").to_pylist()
        if index != list(range(first, first + count)) or table.column("song_id").to_pylist() != plan.ids[first:first + count]:
            raise RayBuildError(f"{path} does not hold songs {first + 1}-{first + count} of the input in order; "
                                "delete it and rerun")
        probs = table.column("probs").combine_chunks()
        valid = probs.is_valid().to_numpy(zero_copy_only=False)
        vectors = probs.flatten().to_numpy(zero_copy_only=False).astype(np.float32).reshape(-1, len(meta["labels"]))
        rows = iter(vectors)
        story = table.column("story").combine_chunks()  # through Arrow: a Python float per number is GBs at 1M songs
        if story.null_count:
            stories.append(None)
        elif len(story):
            stories.append(story.flatten().to_numpy(zero_copy_only=False).astype(np.float32).reshape(len(story), -1))
        stanzas = table.column("stanza_probs").to_pylist()
        for record, status, share, message, has, per_stanza in zip(
                table.column("record").to_pylist(), table.column("status").to_pylist(),
                table.column("read_share").to_pylist(), table.column("message").to_pylist(), valid, stanzas):
            records.append(json.loads(record))
            readings.append(SongReading(next(rows) if has else None, status, share, message,
                                        stanza_probs=None if per_stanza is None else
                                        np.asarray(per_stanza, np.float32).reshape(-1, len(meta["labels"]))))
    if len(records) != len(plan.ids):
        raise RayBuildError(f"the shards hold {len(records)} songs, the input {len(plan.ids)}; delete {parts} and rerun")
    story = None if not stories or any(v is None for v in stories) else np.concatenate(stories)
    return records, readings, meta or {}, story


def story_view_of(parts: Path, plan: InputPlan):
    """The build's story view: the one kept in ``parts`` by an earlier run of this build, else fitted on the songs
    at :func:`hub.search.story.fit_positions` (reading only the blocks that hold them) and kept there. None when
    the lyrics hold too little text for one."""
    from hub.search.story import StoryView, StoryViewError, fit_positions

    path = parts / STORY_FILE
    if path.is_file():
        try:
            return StoryView.load(path)
        except StoryViewError as e:
            raise RayBuildError(f"{e}; delete {parts} and rerun") from None
    positions, texts = fit_positions(len(plan.ids)), []
    for block in plan.blocks:
        first = block["first"]
        inside = positions[(positions >= first) & (positions < first + block["count"])]
        if len(inside):
            records = read_block(block)
            texts += [story_text(records[p - first]) for p in inside]
    view = fit_story_view(texts)
    if view is not None:
        tmp = parts / f".{STORY_FILE}.tmp-{os.getpid()}"
        view.save(tmp)
        os.replace(tmp, path)
    return view


def prepare_parts(parts: Path, manifest: dict) -> None:
    """Keep the shards of the same build (same manifest); discard those of another one."""
    path = parts / MANIFEST
    if parts.exists():
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            old = {}
        if old != manifest:
            changed = [k for k in manifest if old.get(k) != manifest[k]]
            print(f"{parts}: work in progress of another build (different {', '.join(changed)}); starting over",
                  file=sys.stderr)
            shutil.rmtree(parts)
    parts.mkdir(parents=True, exist_ok=True)
    remove_partial_shards(parts)
    if not path.exists():
        tmp = parts / f".{MANIFEST}.tmp"
        tmp.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        os.replace(tmp, path)


def remove_partial_shards(parts: Path) -> None:
    """Remove the half-written shards (``.block-*.tmp-*``) of workers killed while writing: a Ctrl-C ends the
    cluster under them, and a killed worker leaves its temporary file."""
    for stale in parts.glob(".block-*.tmp-*"):
        stale.unlink(missing_ok=True)


def drop_if_empty(parts: Path) -> None:
    """Remove a work-in-progress folder that holds no shard (a build that failed before any block)."""
    if parts.is_dir() and not any(parts.glob("block-*.parquet")):
        shutil.rmtree(parts, ignore_errors=True)


# --- the workers -------------------------------------------------------------------------------------

class BlockScorer:
    """A Ray Data worker: loads the model once, then scores whole blocks and writes their shards."""

    def __init__(self, model: str, revision: str | None, include_lyrics: bool, parts: str, gpus: float = 0.0,
                 scoring: dict | None = None, english_model: str | None = DEFAULT_ENGLISH_MODEL,
                 story_view: str | None = None):
        from hub.models.bilingual import load_reader
        from hub.search.story import StoryView

        start = time.perf_counter()
        self.predictor = load_reader(model, english_model, **(scoring or {}))
        self.device = self.predictor.to("cuda") if gpus else "cpu"  # where it really scores, in words
        self.meta = {"labels": list(self.predictor.labels), "model": reader_name(self.predictor, model),
                     "predictor": self.predictor.name, "language": self.predictor.language,
                     "revision": predictor_revision(self.predictor, model, revision)}
        self.include_lyrics, self.parts = include_lyrics, Path(parts)
        self.story_view = StoryView.load(story_view) if story_view else None
        self.load_seconds = time.perf_counter() - start
        self.worker = f"pid {os.getpid()} on {socket.gethostname()}"

    def __call__(self, batch: dict) -> dict:
        out = defaultdict(list)
        for task in batch["task"]:
            block = json.loads(str(task))
            start = time.perf_counter()
            records = read_block(block)
            readings = read_all(self.predictor, records, progress=False)
            for record, fingerprint in zip(records, song_fingerprints(records)):
                record[FINGERPRINT_COLUMN] = fingerprint
            story = None if self.story_view is None else self.story_view.transform([story_text(r) for r in records])
            write_shard(self.parts, block, records, readings, {**self.meta, "worker": self.worker}, self.include_lyrics,
                        story)
            out["block"].append(block["block"])
            out["songs"].append(len(records))
            out["seconds"].append(time.perf_counter() - start)
            out["worker"].append(self.worker)
            out["device"].append(self.device)
            out["load_seconds"].append(self.load_seconds)
            self.load_seconds = 0.0  # reported once per worker
        return dict(out)


# --- the cluster ----------------------------------------------------------------------------------------

def import_ray():
    """Ray, quiet and offline, or a one-sentence error when it is not installed."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    os.environ.setdefault("RAY_DISABLE_DOCKER_CPU_WARNING", "1")
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError as e:
        raise RayBuildError(f"--engine ray needs Ray, which is not installed here ({e}); install it with "
                            f"pip install -r requirements-ray.txt (or pip install \"{RAY_REQUIREMENT}\")") from None
    return ray


def check_address(address: str, timeout: float = 5.0) -> None:
    """Fail fast, in one sentence, when nothing listens at a cluster address (Ray itself would retry
    for minutes)."""
    if address in ("auto", "local"):
        return
    if address.startswith("ray://"):
        raise RayBuildError(f"Ray Data does not run through a Ray Client address ({address}): run the command on a "
                            "node of the cluster with --address HEAD:6379 (or as a Ray job, with --address auto)")
    hostport = address.rstrip("/")
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        raise RayBuildError(f"--address {address!r} is not host:port (such as 10.0.0.5:6379) or auto")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as e:
        raise RayBuildError(f"no Ray cluster answers at {address} ({e.strerror or type(e).__name__}): start one "
                            "there with `ray start --head`, or check the address and port") from None


def connect(ray, address: str | None, num_workers: int | None) -> bool:
    """Join the cluster at ``address``, or start a local one; returns True when this call started
    the connection (and so should end it)."""
    if ray.is_initialized():
        return False
    quiet = {"include_dashboard": False, "logging_level": "WARNING", "log_to_driver": True}
    if address in (None, "local"):
        cpus = max(os.cpu_count() or 1, num_workers or 1)
        ray.init(address="local", num_cpus=cpus, object_store_memory=LOCAL_OBJECT_STORE, **quiet)
        return True
    code = [str(Path(__file__).resolve().parent.parent / package) for package in ("hub", "training")]
    try:
        ray.init(address=address, runtime_env={"py_modules": code}, **quiet)
    except (ConnectionError, ValueError, RuntimeError) as e:
        auth = ("" if os.environ.get("RAY_AUTH_MODE") else "; a cluster with token authentication (Ray's default) "
                "also needs RAY_AUTH_MODE=token and its token in RAY_AUTH_TOKEN or ~/.ray/auth_token")
        raise RayBuildError(f"could not join the Ray cluster at {address}: {str(e).splitlines()[0]}{auth}") from None
    return True


def check_model(model: str) -> None:
    """The model checks that need no loading (a missing folder, a file, custom code missing), done
    before any worker starts."""
    if is_engine(model):
        return  # a built-in engine, or a saved engine's folder: nothing to check before loading it
    check_model_source(model)


def user_error(error: BaseException) -> BaseException | None:
    """The model or input error behind an exception Ray raised for a worker (a ModelLoadError while
    loading the model, ...), as a plain exception with the worker's message, or None. Ray passes an
    actor's failed start on as text only, so the text is searched too."""
    seen, stack = set(), [error]
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        for kind in (ModelLoadError, LyricsFileError):
            cause = getattr(e, "cause", None)
            if isinstance(cause, kind):
                return kind(str(cause))
            marker = f"{kind.__module__}.{kind.__name__}: "
            text = str(e)
            if marker in text:
                return kind(text[text.rindex(marker) + len(marker):].strip())
        stack += [e.__cause__, e.__context__]
    return None


@dataclass
class RunStats:
    """What the workers did: per worker its blocks, songs, scoring seconds, model-load seconds and device."""

    workers: int = 0
    blocks_total: int = 0
    blocks_done_before: int = 0
    songs: int = 0
    seconds: float = 0.0  # from the first worker's start to the last block
    startup_seconds: float = 0.0  # cluster start or join
    per_worker: dict = field(default_factory=lambda: defaultdict(lambda: {"blocks": 0, "songs": 0, "seconds": 0.0,
                                                                          "load_seconds": 0.0, "device": ""}))

    @property
    def songs_per_second(self) -> float:
        return self.songs / self.seconds if self.seconds else 0.0

    def lines(self) -> list[str]:
        out = [f"ray: {self.workers} workers computed {self.blocks_total - self.blocks_done_before} of "
               f"{self.blocks_total} blocks ({self.blocks_done_before} were done before): {self.songs} songs in "
               f"{self.seconds:.1f} s, {self.songs_per_second:.1f} songs/s overall (model loads included; "
               f"cluster start {self.startup_seconds:.1f} s not)"]
        for worker, w in sorted(self.per_worker.items()):
            rate = w["songs"] / w["seconds"] if w["seconds"] else 0.0
            out.append(f"  worker {worker}: {w['blocks']} blocks, {w['songs']} songs in {w['seconds']:.1f} s of "
                       f"scoring, {rate:.1f} songs/s (model loaded in {w['load_seconds']:.1f} s; {w['device']})")
        return out


def run_blocks(ray, todo: list[dict], model: str, revision: str | None, include_lyrics: bool, parts: Path,
               num_workers: int, gpus_per_worker: float, stats: RunStats, scoring: dict | None = None,
               english_model: str | None = DEFAULT_ENGLISH_MODEL, story_view: str | None = None) -> None:
    """Score the blocks in ``todo`` on a fixed pool of ``num_workers`` actors, printing progress; ``story_view``:
    the story view's file, read by every worker."""
    import ray.data

    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False  # one line per block instead, below
    context.print_on_execution_start = False
    logging.getLogger("ray.data._internal.progress").setLevel(logging.ERROR)  # "progress bars disabled"
    ds = ray.data.from_items([{"task": json.dumps(b)} for b in todo], override_num_blocks=len(todo))
    gpu = {"num_gpus": gpus_per_worker} if gpus_per_worker else {}
    ds = ds.map_batches(BlockScorer, batch_size=1, num_cpus=1, **gpu,
                        compute=ray.data.ActorPoolStrategy(size=num_workers, max_tasks_in_flight_per_actor=1),
                        fn_constructor_kwargs={"model": str(model), "revision": revision, "parts": str(parts),
                                               "include_lyrics": include_lyrics, "gpus": gpus_per_worker,
                                               "scoring": scoring, "english_model": english_model,
                                               "story_view": story_view})
    total_songs = sum(b["count"] for b in todo)
    start = time.perf_counter()
    for row in ds.iter_rows():
        w = stats.per_worker[str(row["worker"])]
        w["blocks"] += 1
        w["songs"] += int(row["songs"])
        w["seconds"] += float(row["seconds"])
        w["load_seconds"] += float(row["load_seconds"])
        w["device"] = str(row["device"])
        stats.songs += int(row["songs"])
        stats.seconds = time.perf_counter() - start
        print(f"block {int(row['block']) + 1}/{stats.blocks_total}: {int(row['songs'])} songs in "
              f"{float(row['seconds']):.1f} s ({row['worker']}); {stats.songs}/{total_songs} songs, "
              f"{stats.songs_per_second:.1f} songs/s", file=sys.stderr, flush=True)


def build_ray(model: str, lyrics: str, output: str, push_to_hub: str | None = None, include_lyrics: bool = False,
              revision: str | None = None, address: str | None = None, num_workers: int | None = None,
              gpus_per_worker: float = 0.0, block_size: int | None = None, pretty_name: str = "gasa song emotion vectors",
              license: str = "other", note: str = "", stats: RunStats | None = None, scoring: dict | None = None,
              english_model: str | None = DEFAULT_ENGLISH_MODEL):
    """:func:`training.build_song_vectors.build` on Ray (see the module docstring); returns the same
    (dataset, counts per status). ``scoring``: the predictor options of
    :func:`training.song_build.core.scoring_options` (backend, int8, verify_margin), recorded in
    the manifest, so that a rerun with others starts over; ``english_model`` as the local build's. Raises :class:`RayBuildError` (cluster, shards),
    :class:`RayInterrupted` (Ctrl-C or SIGTERM: the shards stay for a rerun), and the local build's
    errors (input, model, nothing to build). ``stats`` is filled with what the workers did."""
    stats = stats if stats is not None else RunStats()
    scoring = scoring or {}
    ray = import_ray()
    if address is not None:
        check_address(address)
    check_model(model)
    plan, size = plan_blocks(lyrics, block_size)
    parts = parts_folder(output)
    prepare_parts(parts, {"input": str(Path(lyrics).resolve()), "sha256": plan.sha256, "songs": len(plan.ids),
                          "block_size": size, "model": str(model), "english_model": english_model, "revision": revision,
                          "include_lyrics": include_lyrics, "scoring": scoring, "format": SHARD_FORMAT})
    try:
        view = story_view_of(parts, plan)
    except Exception:
        drop_if_empty(parts)
        raise
    todo = [b for b in plan.blocks if not shard_path(parts, b["block"]).exists()]
    stats.blocks_total, stats.blocks_done_before = len(plan.blocks), len(plan.blocks) - len(todo)
    print(f"{len(plan.ids)} crawled records in {len(plan.blocks)} blocks of {size}; "
          f"{stats.blocks_done_before} already done in {parts}", file=sys.stderr)
    if todo:
        start = time.perf_counter()
        started = False
        previous = signal.getsignal(signal.SIGTERM) if _main_thread() else None

        def interrupt(signum, frame):
            raise KeyboardInterrupt

        try:
            if previous is not None:
                signal.signal(signal.SIGTERM, interrupt)  # a scheduler's stop keeps the finished shards too
            started = connect(ray, address, num_workers)
            stats.startup_seconds = time.perf_counter() - start
            workers = min(num_workers or cluster_workers(ray, gpus_per_worker), len(todo))
            stats.workers = workers
            resources = ray.cluster_resources()
            if gpus_per_worker and resources.get("GPU", 0) < gpus_per_worker:
                raise RayBuildError(f"--gpus-per-worker {gpus_per_worker:g}: the cluster has "
                                    f"{resources.get('GPU', 0):g} GPUs")
            if workers > resources.get("CPU", 0):
                print(f"warning: {workers} workers but {resources.get('CPU', 0):g} CPUs in the cluster: some "
                      "wait until CPUs are free", file=sys.stderr)
            print(f"ray: {workers} workers on {address or 'a local cluster'} "
                  f"({resources.get('CPU', 0):g} CPUs, {resources.get('GPU', 0):g} GPUs); model {model}",
                  file=sys.stderr, flush=True)
            run_blocks(ray, todo, model, revision, include_lyrics, parts, workers, gpus_per_worker, stats, scoring,
                       english_model, None if view is None else str(parts / STORY_FILE))
        except KeyboardInterrupt:
            done = sum(shard_path(parts, b["block"]).exists() for b in plan.blocks)
            raise RayInterrupted(f"{done} of {len(plan.blocks)} blocks are done in {parts}; rerun the same "
                                 "command to go on from there") from None
        except (RayBuildError, RayInterrupted, ModelLoadError, LyricsFileError):
            drop_if_empty(parts)
            raise
        except Exception as e:  # noqa: BLE001 - Ray wraps a worker's error in its own types
            drop_if_empty(parts)
            found = user_error(e)
            if found is not None:
                raise found from None
            raise
        finally:
            if started:
                ray.shutdown()
            remove_partial_shards(parts)  # the workers are gone: what they were writing is no shard
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
        for line in stats.lines():
            print(line, file=sys.stderr)
    records, readings, meta, story = assemble(parts, plan)
    try:
        result = write_dataset(records, readings, meta.get("labels"), meta.get("model", model), meta.get("revision"),
                               lyrics, output, push_to_hub, include_lyrics, pretty_name, license,
                               scoring_note(note, scoring), language=meta.get("language", "ko"),
                               story=(view, story) if view is not None and story is not None else (None, None))
    except Exception:
        drop_if_empty(parts)  # e.g. an input without songs: nothing to resume
        raise
    shutil.rmtree(parts, ignore_errors=True)
    return result


def cluster_workers(ray, gpus_per_worker: float) -> int:
    """Default pool size: one worker per CPU of the cluster, or per ``gpus_per_worker`` GPUs."""
    resources = ray.cluster_resources()
    if gpus_per_worker:
        return max(1, int(resources.get("GPU", 0) // gpus_per_worker))
    return max(1, int(resources.get("CPU", 1)))


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()
