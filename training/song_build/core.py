"""The song-vector build's steps that do not depend on where the scoring runs: the local build
(:mod:`training.build_song_vectors`) and the Ray engine (:mod:`training.ray_build`) both read the
songs with :func:`read_all` and finish with :func:`write_dataset`, so their datasets are the same.
Also the scoring options and their note in the card, the model revision a build records, and
:func:`usable_songs` for tools that read the lyrics themselves (the breakup trainer)."""
from __future__ import annotations

import hashlib
import sys
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from hub.models.base import ModelLoadError
from hub.models.registry import is_engine
from hub.reading import SongReading, SongStatus
from hub.text.clean import LyricsError, check_lyrics
from hub.song_dataset import SongDatasetError, build_song_dataset, save_song_dataset

STATUS_ORDER = tuple(SongStatus)  # the order summaries list them in
# from this many songs the local build makes the story vectors on a second process while it reads the songs
# (:func:`song_stories_ahead`); below it they take under a second, less than starting a process
STORY_PROCESS_SONGS = 1_000


def model_revision(name_or_path: str) -> str | None:
    """A local model's content hash, or the commit of a Hub model in the local cache (None if unknown)."""
    path = Path(name_or_path)
    if path.is_dir():
        digest = hashlib.sha256()
        weights = sorted(path.glob("*.safetensors")) + sorted(path.glob("*.bin")) + sorted(path.glob("*.json"))
        for file in weights:
            digest.update(file.name.encode())
            digest.update(file.read_bytes())
        return f"sha256:{digest.hexdigest()[:16]}" if weights else None
    try:
        from huggingface_hub import try_to_load_from_cache

        cached = try_to_load_from_cache(str(name_or_path), "config.json")
    except Exception:  # not a valid repo id: no revision to report
        return None
    return Path(cached).parent.name if isinstance(cached, str) else None  # .../snapshots/<commit>/config.json


def usable_songs(records: list[dict], source: str = "") -> tuple[list[dict], dict]:
    """Songs with lyrics left after cleaning (for tools that read the text themselves, such as the
    breakup trainer), and counts of what was left out and why."""
    songs, skipped = [], {SongStatus.NO_LYRICS: 0, SongStatus.ERROR: 0, SongStatus.UNUSABLE_LYRICS: 0}
    for record in records:
        status = record.get("status", "ok")
        if status != "ok" or not record.get("lyrics"):
            skipped[SongStatus.ERROR if status == "error" else SongStatus.NO_LYRICS] += 1
            continue
        try:
            check_lyrics(record["lyrics"])
        except LyricsError as e:
            print(f"  {source} song {record['song_id']}: skipped ({e})", file=sys.stderr)
            skipped[SongStatus.UNUSABLE_LYRICS] += 1
            continue
        songs.append(record)
    return songs, skipped


def read_all(predictor, records: list[dict], progress: bool = True) -> list[SongReading]:
    """A reading per record, with its stanzas' distributions (the dataset's ``stanza_probs``). The crawl's
    own failures keep their status; the rest are scored in one batch, and if the model raises on the batch
    each song is retried alone, so one bad song is marked ``failed`` instead of stopping the build."""
    readings: list[SongReading | None] = []
    todo = []
    for i, record in enumerate(records):
        status = record.get("status", "ok")
        if status != "ok" or not record.get("lyrics"):
            readings.append(SongReading(None, SongStatus.ERROR if status == "error" else SongStatus.NO_LYRICS, 0.0,
                                        record.get("note") or "the crawl found no lyrics"))
        else:
            readings.append(None)
            todo.append(i)
    lyrics = [records[i]["lyrics"] for i in todo]
    try:
        batch = predictor.read_songs(lyrics, progress=progress, stanzas=True)
    except Exception as e:  # noqa: BLE001 - find the song that broke the batch, keep the others
        print(f"scoring the batch failed ({type(e).__name__}: {e}); scoring song by song", file=sys.stderr)
        batch = []
        for text in lyrics:
            try:
                batch += predictor.read_songs([text], stanzas=True)
            except Exception as one:  # noqa: BLE001
                batch.append(SongReading(None, SongStatus.FAILED, 0.0, f"{type(one).__name__}: {one}"))
    for i, reading in zip(todo, batch):
        readings[i] = reading
    return readings


def summary_table(counts: Counter) -> str:
    from training.cards import markdown_table

    return markdown_table([{"status": s, "songs": counts[s]} for s in STATUS_ORDER if counts[s]])


# what a partly read song left out, by its reader's language
UNREAD_LINES = {"ko": "lines without Hangul are not read by a Korean model",
                "ko+en": "lines in neither Korean nor English, such as Japanese ones, are not read"}


def write_dataset(records: list[dict], readings: list[SongReading], labels: list[str] | None, model: str,
                  revision: str | None, lyrics: str, output: str, push_to_hub: str | None = None,
                  include_lyrics: bool = False, pretty_name: str = "gasa song emotion vectors",
                  license: str = "other", note: str = "", language: str | None = "ko", story=None):
    """The build's last step, the same for every engine: list the skipped songs, print the summary,
    write the dataset, ``skipped.jsonl`` and the card (atomically), push if asked. ``labels``,
    ``revision`` and ``language`` (what its readers read: :mod:`hub.text.language`) are the model's.
    ``story``: ``(view, vectors)``, the story view and every record's story vector where the engine made them
    (Ray's workers; the local build's second process, :func:`song_stories_ahead`); otherwise both are made here
    (:func:`song_stories`).
    Returns the dataset and the count of songs per status."""
    counts = Counter(r.status for r in readings)
    scored = [(rec, r) for rec, r in zip(records, readings) if r.scored]
    skipped = [{"song_id": rec["song_id"], "title": rec.get("title"), "artist": rec.get("artist"),
                "status": r.status, "reason": r.message} for rec, r in zip(records, readings) if not r.scored]
    for s in skipped:
        print(f"  song {s['song_id']}: {s['status']} ({s['reason']})", file=sys.stderr)
    print(summary_table(counts), file=sys.stderr)
    if not scored:
        raise SongDatasetError(f"{lyrics}: none of its {len(records)} records could be scored "
                               f"({', '.join(f'{s}: {n}' for s, n in counts.items())}); nothing to build")
    songs = [rec for rec, _ in scored]
    view, every = song_stories(records) if story is None else story
    story_vectors = None if view is None else np.asarray(every, np.float32)[[i for i, r in enumerate(readings)
                                                                               if r.scored]]
    # readings of a model that gives no stanzas leave the column out
    stanzas = [r.stanza_probs for _, r in scored]
    ds = build_song_dataset(songs, [r.probs for _, r in scored], list(labels), model_name=str(model),
                            model_revision=revision, include_lyrics=include_lyrics,
                            statuses=[r.status for _, r in scored], read_shares=[r.read_share for _, r in scored],
                            stanza_vectors=None if any(v is None for v in stanzas) else stanzas,
                            story_vectors=story_vectors)
    partial = sum(r.read_share < 0.999 for _, r in scored)
    save_song_dataset(ds, output, pretty_name=pretty_name, repo_id=push_to_hub, license=license, skipped=skipped,
                      story_view=view,
                      description=f"{note}\nBuilt with `python -m training.build_song_vectors` from {len(records)} crawled "
                                  f"records: {len(scored)} scored ({partial} of them partly read: "
                                  f"{UNREAD_LINES.get(language, 'some lines are not read')}), {len(skipped)} skipped (listed with "
                                  f"their reasons in `skipped.jsonl`).\n\n{summary_table(counts)}\n")
    if push_to_hub:
        from training.cards import push_folder

        push_folder(output, push_to_hub, repo_type="dataset", message=f"Song vectors from {model}")
    return ds, counts


def story_text(record: dict) -> str:
    """What the story view reads of a crawled record: its lyrics, or nothing for the crawl's failures."""
    return (record.get("lyrics") or "") if record.get("status", "ok") == "ok" else ""


def fit_story_view(texts: list[str]):
    """The catalog's story view (:class:`hub.search.story.StoryView`) fitted on ``texts`` (:func:`story_text` of
    the records at :func:`hub.search.story.fit_positions`), or None, with a note, where they hold too little text
    (the dataset then has no story column)."""
    from hub.search.story import StoryView, StoryViewError

    try:
        return StoryView.fit(texts, fit_songs=len(texts) or 1)
    except StoryViewError as e:
        print(f"no story vectors: {e}", file=sys.stderr)
        return None


def song_stories(records: list[dict]):
    """``(view, vectors)`` for the local build: the story view fitted on the records' lyrics and every record's
    story vector (``(None, None)`` where no view can be fitted)."""
    return stories_of([story_text(r) for r in records])


def stories_of(texts: list[str]):
    """:func:`song_stories` of the records' :func:`story_text`."""
    from hub.search.story import fit_positions, story_vectors

    view = fit_story_view([texts[i] for i in fit_positions(len(texts))])
    return view, story_vectors(view, texts, progress=len(texts) > 20_000)


@contextmanager
def song_stories_ahead(records: list[dict]):
    """Start :func:`song_stories` of ``records`` on a second process and yield a function that returns its
    ``(view, vectors)``, for the local build to pass to :func:`write_dataset` once the songs are read (the
    function's ``process`` is the second process, or None).

    Why: the story view's fit and transform are single-threaded (about 6-8 s of 4,018 songs), while reading the
    songs leaves the second core idle for part of its time, so the stories cost the build little wall time this
    way. The process is ``python -m training.song_build.story_process`` (a fresh interpreter: safe beside the
    threads the models start, and it never imports the caller's own script, as multiprocessing's spawn would).
    Catalogs under :data:`STORY_PROCESS_SONGS` songs, or a process that cannot be started, fails or dies (out of
    memory, killed), make the stories in this process instead, with a note; the vectors are the same either way.
    Leaving the block early (a failed read, Ctrl-C) stops the second process."""
    texts = [story_text(r) for r in records]

    def after_reading():
        return stories_of(texts)

    after_reading.process = None
    if len(records) < STORY_PROCESS_SONGS:
        yield after_reading
        return
    import os
    import pickle
    import subprocess
    import tempfile

    def here(why: str):
        print(f"the story vectors {why}; making them in the build's own process", file=sys.stderr)
        return stories_of(texts)

    folder = tempfile.TemporaryDirectory(prefix="gasa-stories-")
    given, made = Path(folder.name) / "texts.pickle", Path(folder.name) / "stories.pickle"
    root = str(Path(__file__).resolve().parents[2])  # where the training package is, wherever the build runs
    try:
        given.write_bytes(pickle.dumps(texts, protocol=pickle.HIGHEST_PROTOCOL))
        worker = subprocess.Popen([sys.executable, "-m", "training.song_build.story_process", str(given), str(made)],
                                  stdin=subprocess.DEVNULL,
                                  env={**os.environ, "PYTHONPATH": os.pathsep.join(
                                      filter(None, [root, os.environ.get("PYTHONPATH")]))})
    except Exception as e:  # noqa: BLE001 - no second process here: the stories are made after reading
        folder.cleanup()
        print(f"the story vectors could not start on a second process ({type(e).__name__}: {e}); they are made "
              "after reading", file=sys.stderr)
        yield after_reading
        return

    def result():
        code = worker.wait()
        if code != 0 or not made.is_file():
            return here(f"process ended without them (exit code {code})")
        try:
            return pickle.loads(made.read_bytes())
        except Exception as e:  # noqa: BLE001 - a truncated file: make them here
            return here(f"could not be read back ({type(e).__name__}: {e})")

    result.process = worker
    try:
        yield result
    finally:
        if worker.poll() is None:  # left early (a failed read, Ctrl-C), or never asked: not wanted
            worker.kill()
        worker.wait()
        folder.cleanup()


def predictor_revision(predictor, model: str, revision: str | None = None) -> str | None:
    """The revision a build records: the one given, else the loaded model's content hash or commit (both models',
    joined by " + ", for a Korean and an English model reading together)."""
    if revision:
        return revision
    parts = getattr(predictor, "readers_by_language", None)
    if parts:
        found = [model_revision(getattr(m, "source", None) or m.name) for m in parts.values()]
        return " + ".join(r or "(unknown)" for r in found)
    return model_revision(getattr(predictor, "source", None) or model)


def reader_name(predictor, model: str) -> str:
    """The model a build records: its name as given, or both models' for a Korean and an English model."""
    return predictor.name if getattr(predictor, "readers_by_language", None) else str(model)


def scoring_options(model: str, backend: str = "torch", quantize: str | None = None,
                    verify_margin: float | None = None) -> dict:
    """The :class:`hub.predictor.TransformerEmotionPredictor` options a build scores with (those that
    differ from the defaults); an engine, which has none, raises :class:`ModelLoadError`."""
    options = {k: v for k, v in (("backend", backend), ("quantize", quantize), ("verify_margin", verify_margin))
               if v not in (None, "torch")}
    if options and is_engine(model):
        raise ModelLoadError(f"{' and '.join(f'--{k}' for k in options)} {'applies' if len(options) == 1 else 'apply'} "
                             f"only to transformer models (a model folder or Hub id); {model} is a built-in or saved "
                             "engine, which has no such options: leave them out.")
    return options


def scoring_note(note: str, options: dict) -> str:
    """The dataset card's note, with what the scoring options change in the vectors."""
    if options.get("quantize"):
        note = (f"{note}\n" if note else "") + ("Scored with the encoder's linear layers in int8 (`hub.int8`): the "
                                                "vectors differ slightly from the fp32 model's.")
        if options.get("verify_margin"):
            note += (f" Songs whose two highest int8 probabilities were closer than {options['verify_margin']} were "
                     "scored again in fp32, so their top label is the fp32 model's.")
    return note
