"""Song-vector datasets: one row per song with its emotion distribution (schema, build, save, load).

Schema (one ``train`` split):

==================  ===============================  ==============================================
column              feature                          meaning
==================  ===============================  ==============================================
``song_id``         ``string``                       the catalog's id (Melon song id for crawled songs)
``title``           ``string``
``artist``          ``string``
``year``            ``int32`` (may be null)          release year
``probs``           ``List(float32, length=L)``      the emotion distribution over the L labels
``top_label``       ``ClassLabel(names=labels)``     the most likely label; its ``names`` are the
                                                     label order of ``probs``
``top_labels``      ``List(string)``                 the three most likely labels, best first
``model``           ``string``                       model id or folder that made the vector
``model_revision``  ``string`` (may be null)         its commit / content hash
``status``          ``string``                       ``ok``, or ``no_evidence`` when the model found no
                                                     emotional evidence (never recommended to others)
``read_share``      ``float32``                      share of the song's letters the model read (a
                                                     Korean model reads the lines with Hangul)
``stanza_probs``    ``List(List(float32, length=L))`` one distribution per stanza the model read, in
                                                     order (the song's emotion arc)
``lyric_fingerprint`` ``string`` (may be null)       32 bytes as hex that tell near-identical lyrics apart
                                                     without keeping them (:func:`hub.works.lyric_fingerprint`):
                                                     versions of a song are recognised by them
``story``           ``List(float32, length=d)``      what the lyrics are about, a unit vector of the catalog's
                                                     story view (:mod:`hub.search.story`; zeros: no story)
``lyrics``          ``string``                       only when built with ``include_lyrics=True``
==================  ===============================  ==============================================

``status``, ``read_share``, ``stanza_probs``, ``lyric_fingerprint`` and ``story`` are optional when reading
(datasets built before them count as ``ok`` and fully read, and have no arcs; their versions are recognised by
title, artist and vectors only; their stories are computed on load where they store lyrics, else the story
measures are unavailable and the default measure is ``centred``).

Beside the data, ``catalog_stats.json`` holds the catalog statistics the similarity scale uses
(:class:`hub.search.vectors.CatalogStats`: the mean profile that centred similarity subtracts, the
directions of stanza movement the arc measure reads). A dataset without it (built before it existed)
still loads: :func:`load_catalog_stats` computes them from the vectors, with a warning. ``story_view.safetensors``
holds the fitted story view (:class:`hub.search.story.StoryView`) that puts new lyrics into the ``story`` space
(:func:`load_stories`). Songs that could not be scored at all are not rows; the build lists them in
``skipped.jsonl`` next to the data, and the card counts them.

The label names travel inside the features (``top_label``), so ``datasets.load_dataset`` alone gives
everything needed to read the vectors. Saved as Parquet under ``data/`` plus a dataset card
(``README.md`` with a YAML header), which is the layout the Hub expects.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np

from hub.reading import SCORED_STATUSES, SongStatus
from hub.sources import source_problem

VECTOR_COLUMN = "probs"
LABEL_COLUMN = "top_label"
REQUIRED_COLUMNS = ("song_id", "title", "artist", "year", VECTOR_COLUMN, LABEL_COLUMN, "top_labels",
                    "model", "model_revision")
STANZA_COLUMN = "stanza_probs"
URL_COLUMN = "url"  # the song's page where the crawl recorded one (the app links titles to it)
FINGERPRINT_COLUMN = "lyric_fingerprint"
STORY_COLUMN = "story"
OPTIONAL_COLUMNS = ("status", "read_share", STANZA_COLUMN, URL_COLUMN, FINGERPRINT_COLUMN, STORY_COLUMN)
TOP_LABELS = 3
DATA_FILE = "data/train-00000-of-00001.parquet"
SKIPPED_FILE = "skipped.jsonl"
STATS_FILE = "catalog_stats.json"


class SongDatasetError(ValueError):
    """A song-vector dataset (or its inputs) that cannot be used; the message says what and where."""


def song_features(labels: list[str], include_lyrics: bool = False, stanzas: bool = True, urls: bool = False,
                  fingerprints: bool = False, story_dimensions: int = 0):
    """The ``datasets.Features`` of a song-vector dataset over ``labels`` (with per-stanza vectors unless
    ``stanzas`` is False, each song's page when ``urls``, lyric fingerprints when ``fingerprints``, and story
    vectors of ``story_dimensions`` numbers when that is not 0)."""
    from datasets import ClassLabel, Features, List, Value

    features = {
        "song_id": Value("string"),
        "title": Value("string"),
        "artist": Value("string"),
        "year": Value("int32"),
        VECTOR_COLUMN: List(Value("float32"), length=len(labels)),
        LABEL_COLUMN: ClassLabel(names=list(labels)),
        "top_labels": List(Value("string")),
        "model": Value("string"),
        "model_revision": Value("string"),
        "status": Value("string"),
        "read_share": Value("float32"),
    }
    if stanzas:
        features[STANZA_COLUMN] = List(List(Value("float32"), length=len(labels)))
    if urls:
        features[URL_COLUMN] = Value("string")
    if fingerprints:
        features[FINGERPRINT_COLUMN] = Value("string")  # hex: plain JSON and readable in the Hub's viewer
    if story_dimensions:
        features[STORY_COLUMN] = List(Value("float32"), length=story_dimensions)
    if include_lyrics:
        features["lyrics"] = Value("string")
    return Features(features)


def _year(value, row: int):
    if value is None or value == "":
        return None
    match = re.search(r"\d{4}", str(value))
    if not match:
        raise SongDatasetError(f"song {row}: year {value!r} is not a year (expected e.g. 1994 or '1994.03.10')")
    return int(match.group())


def build_song_dataset(songs: list[dict], vectors: np.ndarray, labels: list[str], model_name: str,
                       model_revision: str | None, include_lyrics: bool = False, statuses: list[str] | None = None,
                       read_shares: list[float] | None = None, stanza_vectors: list | None = None,
                       story_vectors: np.ndarray | None = None):
    """A ``datasets.Dataset`` of songs and their emotion vectors.

    Args:
        songs: dicts with ``song_id``, ``title``, ``artist``, ``year`` (``url``, the song's page, kept in a
            ``url`` column when any song has one; ``lyrics``, fingerprinted in ``lyric_fingerprint`` and kept
            only if included; a ``lyric_fingerprint`` already made stands for the lyrics).
        vectors: shape ``(len(songs), len(labels))``, one distribution per song.
        labels: the label names, in the order of the vector dimensions.
        model_name, model_revision: what made the vectors (recorded on every row and in the card).
        include_lyrics: keep the lyric text (off by default: lyrics are copyrighted).
        statuses, read_shares: per song, ``ok``/``no_evidence`` and the share read (default ok, 1.0).
        stanza_vectors: per song, its ``(n_stanzas, len(labels))`` stanza distributions (None: the dataset
            has no ``stanza_probs`` column).
        story_vectors: ``(len(songs), d)`` the songs' story vectors (:mod:`hub.search.story`; None: no
            ``story`` column).
    """
    from datasets import Dataset

    vectors = np.asarray(vectors, dtype=np.float32)
    labels = list(labels)
    if vectors.ndim != 2 or vectors.shape != (len(songs), len(labels)):
        raise SongDatasetError(
            f"vectors have shape {vectors.shape}, expected ({len(songs)} songs, {len(labels)} labels)")
    if not np.isfinite(vectors).all():
        bad = int(np.argwhere(~np.isfinite(vectors))[0, 0])
        raise SongDatasetError(f"the vector of song {bad} ({songs[bad].get('song_id')!r}) has NaN/inf values")
    ids = [str(s.get("song_id", "")).strip() for s in songs]
    if any(not i for i in ids):
        raise SongDatasetError(f"song {ids.index('')} has no song_id")
    dupes = [i for i, n in Counter(ids).items() if n > 1]
    if dupes:
        raise SongDatasetError(f"duplicate song ids: {', '.join(dupes[:5])}")
    order = np.argsort(-vectors, axis=1, kind="stable")[:, :TOP_LABELS]
    columns = {
        "song_id": ids,
        "title": [str(s.get("title") or "") for s in songs],
        "artist": [str(s.get("artist") or "") for s in songs],
        "year": [_year(s.get("year"), i) for i, s in enumerate(songs)],
        VECTOR_COLUMN: list(vectors),
        LABEL_COLUMN: order[:, 0].tolist() if len(songs) else [],
        "top_labels": [[labels[j] for j in row] for row in order],
        "model": [str(model_name)] * len(songs),
        "model_revision": [model_revision] * len(songs),
        "status": list(statuses) if statuses is not None else [SongStatus.OK] * len(songs),
        "read_share": [float(r) for r in read_shares] if read_shares is not None else [1.0] * len(songs),
    }
    bad = sorted(set(columns["status"]) - set(SCORED_STATUSES))
    if bad or len(columns["status"]) != len(songs) or len(columns["read_share"]) != len(songs):
        raise SongDatasetError(f"one status (ok or no_evidence) and one read share per song are needed; got {bad or 'a count mismatch'}")
    if stanza_vectors is not None:
        if len(stanza_vectors) != len(songs):
            raise SongDatasetError(f"{len(stanza_vectors)} lists of stanza vectors for {len(songs)} songs")
        stanza_vectors = [np.zeros((0, len(labels)), np.float32) if v is None else np.asarray(v, np.float32)
                          for v in stanza_vectors]
        bad = [i for i, v in enumerate(stanza_vectors) if v.ndim != 2 or v.shape[1] != len(labels)
               or not np.isfinite(v).all()]
        if bad:
            raise SongDatasetError(f"song {bad[0]} ({ids[bad[0]]!r}): its stanza vectors have shape "
                                   f"{stanza_vectors[bad[0]].shape} or hold NaN/inf; expected (n, {len(labels)})")
        columns[STANZA_COLUMN] = [v.tolist() for v in stanza_vectors]
    if story_vectors is not None:
        story_vectors = np.asarray(story_vectors, dtype=np.float32)
        if story_vectors.ndim != 2 or len(story_vectors) != len(songs) or not np.isfinite(story_vectors).all():
            raise SongDatasetError(f"story vectors of shape {story_vectors.shape} (or holding NaN/inf) for "
                                   f"{len(songs)} songs; expected ({len(songs)}, d)")
        columns[STORY_COLUMN] = list(story_vectors)
    urls = [str(s["url"]) if s.get("url") else None for s in songs]
    if any(urls):
        columns[URL_COLUMN] = urls
    fingerprints = song_fingerprints(songs)
    if any(fp is not None for fp in fingerprints):
        columns[FINGERPRINT_COLUMN] = fingerprints
    if include_lyrics:
        columns["lyrics"] = [str(s.get("lyrics") or "") for s in songs]
    return Dataset.from_dict(columns, features=song_features(
        labels, include_lyrics, stanza_vectors is not None, any(urls), FINGERPRINT_COLUMN in columns,
        0 if story_vectors is None else story_vectors.shape[1]))


def song_fingerprints(songs: list[dict]) -> list[str | None]:
    """Each song's lyric fingerprint as hex: the one a worker already made (``lyric_fingerprint``), else one
    made from its ``lyrics`` (None without either)."""
    from hub.works import lyric_fingerprint

    made = lyric_fingerprint([None if s.get(FINGERPRINT_COLUMN) else s.get("lyrics") for s in songs])
    return [s.get(FINGERPRINT_COLUMN) or (fp.hex() if fp is not None else None) for s, fp in zip(songs, made)]


def song_labels(ds) -> list[str]:
    """Label names of a song-vector dataset, in vector order."""
    return list(ds.features[LABEL_COLUMN].names)


def song_statuses(ds) -> list[str]:
    """Each song's status (``ok`` for datasets built before statuses were recorded)."""
    return list(ds["status"]) if "status" in ds.column_names else [SongStatus.OK] * len(ds)


def song_vectors(ds) -> np.ndarray:
    """All vectors as one float32 array ``(n_songs, n_labels)``."""
    # through Arrow: the numpy formatter builds one Python object per row (seconds per 100k songs)
    column = ds.with_format("arrow")[VECTOR_COLUMN].combine_chunks()
    return (column.flatten().to_numpy(zero_copy_only=False).astype(np.float32, copy=False)
            .reshape(len(ds), len(song_labels(ds))))


def song_stanzas(ds):
    """Every song's stanza vectors as a :class:`hub.search.vectors.Stanzas`, or None for a dataset built
    before they were stored."""
    from hub.search.vectors import Stanzas

    if STANZA_COLUMN not in ds.column_names:
        return None
    column = ds.with_format("arrow")[STANZA_COLUMN].combine_chunks()  # list<list<float32>>
    import pyarrow.compute as pc

    counts = pc.fill_null(pc.list_value_length(column), 0).to_numpy().astype(np.int64)
    flat = column.flatten().flatten().to_numpy(zero_copy_only=False).astype(np.float32, copy=False)
    n_labels = len(song_labels(ds))
    return Stanzas(flat.reshape(-1, n_labels), np.concatenate([[0], np.cumsum(counts)]))


def song_stories(ds) -> np.ndarray | None:
    """The ``story`` column as one float32 array ``(n_songs, d)``, or None for a dataset without it."""
    if STORY_COLUMN not in ds.column_names:
        return None
    column = ds.with_format("arrow")[STORY_COLUMN].combine_chunks()
    flat = column.flatten().to_numpy(zero_copy_only=False).astype(np.float32, copy=False)
    return flat.reshape(len(ds), ds.features[STORY_COLUMN].length)


def load_stories(path_or_repo, ds, revision: str | None = None):
    """The songs' story vectors and the story view that made them, as ``(vectors, view)``:

    * the ``story`` column and ``story_view.safetensors`` beside the data (a folder or Hub repo; ``path_or_repo``
      None: a dataset object alone, whose view is unknown: catalog songs compare by story, new lyrics do not);
    * for a dataset built before stories were stored that keeps its lyrics: a view fitted and the vectors computed
      on load, with a warning;
    * otherwise ``(None, None)``, with a warning: the story measures are unavailable.
    """
    import warnings

    from hub.search.story import STORY_FILE, StoryView, StoryViewError, story_vectors

    vectors = song_stories(ds)
    if vectors is not None:
        if path_or_repo is None:
            return vectors, None
        file = _beside(path_or_repo, STORY_FILE, revision)
        if file is None:
            warnings.warn(f"{path_or_repo}: no {STORY_FILE} beside the story vectors: catalog songs compare by story, "
                          "new lyrics by emotion alone (rebuild the catalog to restore it)", stacklevel=2)
            return vectors, None
        try:
            view = StoryView.load(file)
        except StoryViewError as e:
            raise SongDatasetError(str(e)) from None
        if view.dimensions != vectors.shape[1]:
            raise SongDatasetError(f"{file} gives {view.dimensions} numbers per song, the story column "
                                   f"{vectors.shape[1]}: the two come from different builds; rebuild the catalog")
        return vectors, view
    where = path_or_repo if path_or_repo is not None else "the dataset"
    if "lyrics" in ds.column_names and len(ds):
        try:
            view = StoryView.fit(ds["lyrics"])
        except StoryViewError as e:
            warnings.warn(f"{where}: no story vectors, and none could be computed from its lyrics ({e}); story "
                          "similarity is unavailable", stacklevel=2)
            return None, None
        warnings.warn(f"{where}: no story vectors (a dataset built before they were stored): fitted the story view on "
                      f"its {view.n_songs} songs' lyrics on load", stacklevel=2)
        return story_vectors(view, ds["lyrics"]), view
    warnings.warn(f"{where}: no story vectors (built before they were stored, or saved from vectors alone) and no "
                  "lyrics to compute them from: the story measures are unavailable and the default measure is centred "
                  "emotion; rebuild it with `python -m training.build_song_vectors` for stories", stacklevel=2)
    return None, None


def _beside(path_or_repo, name: str, revision: str | None = None) -> Path | None:
    """File ``name`` beside a dataset (a folder, or a Hub dataset repo), or None where it has none."""
    source = Path(str(path_or_repo))
    if source.is_dir():
        return source / name if (source / name).is_file() else None
    try:
        from huggingface_hub import hf_hub_download

        return Path(hf_hub_download(str(path_or_repo), name, repo_type="dataset", revision=revision))
    except Exception:  # noqa: BLE001 - absent, offline or private: the caller says what that means
        return None


def catalog_stats(ds):
    """The catalog statistics of :class:`hub.search.vectors.CatalogStats`, computed from ``ds`` (the
    songs with emotional evidence define the typical song)."""
    from hub.search.vectors import CatalogStats

    ok = np.array([s == SongStatus.OK for s in song_statuses(ds)], dtype=bool)
    return CatalogStats.compute(song_vectors(ds), song_stanzas(ds), use=ok)


def load_catalog_stats(path_or_repo, ds, revision: str | None = None):
    """The statistics stored beside a dataset (``catalog_stats.json``, a folder or a Hub repo); for a
    dataset saved before they were stored, they are computed from ``ds`` with a warning saying so."""
    import json
    import warnings

    from hub.search.vectors import CatalogStats

    file = _beside(path_or_repo, STATS_FILE, revision)
    if file is not None:
        try:
            return CatalogStats.from_dict(json.loads(file.read_text(encoding="utf-8")), len(song_labels(ds)))
        except (ValueError, KeyError, TypeError) as e:
            raise SongDatasetError(f"{file} cannot be read ({e}); delete it to compute the statistics again") from None
    stats = catalog_stats(ds)
    warnings.warn(f"{path_or_repo}: no {STATS_FILE} (a dataset built before the catalog statistics were stored): "
                  f"computed the mean profile from its {stats.n_songs} songs on load"
                  + ("" if STANZA_COLUMN in ds.column_names else
                     "; it has no per-stanza vectors, so arc similarity is unavailable (rebuild it for arcs)"),
                  stacklevel=2)
    return stats


def validate_song_dataset(ds, source: str = "the dataset"):
    """Check a loaded dataset against the schema; raise :class:`SongDatasetError` naming the problem."""
    from datasets import ClassLabel, List

    missing = [c for c in REQUIRED_COLUMNS if c not in ds.column_names]
    if missing:
        raise SongDatasetError(
            f"{source} is not a gasa song-vector dataset: missing column(s) {', '.join(missing)} "
            f"(it has {', '.join(ds.column_names)}). Build it with `python -m training.build_song_vectors`.")
    label_feature, vector_feature = ds.features[LABEL_COLUMN], ds.features[VECTOR_COLUMN]
    if not isinstance(label_feature, ClassLabel):
        raise SongDatasetError(f"{source}: column {LABEL_COLUMN!r} must be a ClassLabel carrying the label names")
    n_labels = label_feature.num_classes
    if not isinstance(vector_feature, List) or vector_feature.length not in (n_labels, -1, None):
        raise SongDatasetError(f"{source}: column {VECTOR_COLUMN!r} must be a list of {n_labels} floats, "
                               f"found {vector_feature}")
    import pyarrow.compute as pc

    lengths = pc.fill_null(pc.list_value_length(ds.with_format("arrow")[VECTOR_COLUMN]), 0).to_numpy()
    bad = np.flatnonzero(lengths != n_labels)
    if len(bad):
        row = int(bad[0])
        raise SongDatasetError(f"{source}, row {row}: the vector has {lengths[row]} values, "
                               f"expected {n_labels} (one per label)")
    if STANZA_COLUMN in ds.column_names:
        inner = ds.with_format("arrow")[STANZA_COLUMN].combine_chunks().flatten()
        widths = pc.fill_null(pc.list_value_length(inner), 0).to_numpy()
        if np.any(widths != n_labels):
            raise SongDatasetError(f"{source}: a stanza vector has {int(widths[widths != n_labels][0])} values, "
                                   f"expected {n_labels} (one per label)")
    if STORY_COLUMN in ds.column_names:
        feature = ds.features[STORY_COLUMN]
        column = ds.with_format("arrow")[STORY_COLUMN].combine_chunks()
        widths = pc.fill_null(pc.list_value_length(column), -1).to_numpy()
        length = feature.length if isinstance(feature, List) else None
        if not length or length < 1 or np.any(widths != length):
            raise SongDatasetError(f"{source}: column {STORY_COLUMN!r} must hold one story vector per song, all of one "
                                   f"fixed length (found {feature}); rebuild the catalog")
        if not np.isfinite(column.flatten().to_numpy(zero_copy_only=False)).all():
            raise SongDatasetError(f"{source}: some story vectors hold NaN or inf values; rebuild the catalog")
    ids = ds["song_id"]
    dupes = [i for i, n in Counter(ids).items() if n > 1]
    if dupes:
        raise SongDatasetError(f"{source}: duplicate song ids {', '.join(map(str, dupes[:5]))}")
    if len(ds) and not np.isfinite(song_vectors(ds)).all():
        raise SongDatasetError(f"{source}: some vectors hold NaN or inf values")
    return ds


STORY_CARD = """
`{file}` holds the catalog's story view, fitted on {songs:,} of its songs' lyrics: character 2-3-grams within
words (TF-IDF) reduced to {dims} directions (LSA), centred; the `story` column is each song's position in it, and
gasa puts new lyrics into the same space with it. gasa's default similarity weighs the two songs' story cosine
{weight:.0%} and their centred emotion cosine {rest:.0%}. The file holds n-grams and their weights, not lyrics.
"""

# what a model named "KOREAN + ENGLISH" (hub.models.bilingual.BilingualModel) did, for the card
BILINGUAL_NOTE = ("; each line was read by the model of its language: lines with Hangul by the Korean model (the first), "
                  "lines in Latin letters by the English model (the second), whose readings are put into the Korean "
                  "model's labels (`hub.labels.GOEMOTIONS_TO_KOTE`)")


def dataset_card(ds, pretty_name: str = "gasa song emotion vectors", repo_id: str | None = None,
                 license: str = "other", description: str = "", stats=None, story_view=None):
    """A ``huggingface_hub.DatasetCard`` stating the schema, the model, the catalog statistics (``stats``,
    computed from ``ds`` if None) and how to load the data."""
    from datasets.info import DatasetInfosDict
    from huggingface_hub import DatasetCard, DatasetCardData

    from hub.search.story import STORY_FILE, STORY_WEIGHT

    labels = song_labels(ds)
    stats = catalog_stats(ds) if stats is None else stats
    models = sorted(set(ds["model"])) or ["(none)"]
    revisions = sorted({r for r in ds["model_revision"] if r}) or ["(unknown)"]
    years = [y for y in ds["year"] if y is not None]
    data = DatasetCardData(
        pretty_name=pretty_name, license=license, tags=["emotion", "lyrics", "music-recommendation"],
        configs=[{"config_name": "default", "data_files": [{"split": "train", "path": "data/*.parquet"}]}],
    )
    DatasetInfosDict({"default": ds.info}).to_dataset_card_data(data)
    where = repo_id or "path/to/this/folder"
    lyrics_note = ("The `lyrics` column holds the lyric text." if "lyrics" in ds.column_names else
                   "Lyric text is **not** included (lyrics are copyrighted); only the vectors derived from it"
                   + (" and a fingerprint that recognises versions of a song without holding any of its text."
                      if FINGERPRINT_COLUMN in ds.column_names else "."))
    body = f"""
# {pretty_name}

Emotion vectors of {len(ds):,} songs{f" released {min(years)}-{max(years)}" if years else ""}: for each song,
the probability distribution over {len(labels)} emotion labels that an emotion classifier gives its lyrics.
Songs whose vectors are close by cosine similarity feel alike, whatever their era.
{description}

- Model: {", ".join(f"`{m}`" for m in models)} (revision {", ".join(f"`{r}`" for r in revisions)}){BILINGUAL_NOTE
  if any(" + " in m for m in models) else ""}
- {lyrics_note}

## Load

```python
from datasets import load_dataset
ds = load_dataset("{where}", split="train")
labels = ds.features["top_label"].names          # the label order of `probs`
vectors = ds.select_columns("probs").with_format("numpy")[:]["probs"]  # ({len(ds)}, {len(labels)}) float32, one call
with_evidence = ds.filter(lambda row: row["status"] == "ok")
```

A local copy: `load_dataset("parquet", data_files="path/to/this/folder/data/*.parquet", split="train")`
reads the files as they are now (`load_dataset` on the folder itself keys its cache on the folder's
name, so a rebuilt folder, or another folder with the same name, can come back stale).

With gasa: `hub.recommender.Recommender.from_dataset("{where}")` (the vectors, the catalog statistics and the
story view).

## Schema

| column | type | meaning |
|---|---|---|
| song_id | string | catalog id (Melon song id for crawled songs) |
| title | string | song title |
| artist | string | artist name(s) |
| year | int32, nullable | release year |
| probs | list of {len(labels)} float32 | emotion distribution, in label order |
| top_label | ClassLabel | most likely label; its `names` list the label order |
| top_labels | list of string | the {TOP_LABELS} most likely labels, best first |
| model | string | model that made the vector |
| model_revision | string, nullable | its commit or content hash |
| status | string | `ok`, or `no_evidence`: the model found no emotional evidence (not recommended to others) |
| read_share | float32 | share of the song's letters the models read (Korean lines, and English ones beside them by default) |
{"| stanza_probs | list of lists of " + str(len(labels)) + " float32 | one distribution per stanza read, in order (the emotion arc) |" + chr(10) if STANZA_COLUMN in ds.column_names else ""}{"| url | string, nullable | the song's page, where the crawl recorded one |" + chr(10) if URL_COLUMN in ds.column_names else ""}{"| lyric_fingerprint | string (32 bytes as hex), nullable | a SimHash of the lyrics' character 3-grams: near-identical lyrics share most bits, and the lyrics cannot be read back from it; gasa recognises versions of a song by it |" + chr(10) if FINGERPRINT_COLUMN in ds.column_names else ""}{"| story | list of " + str(ds.features[STORY_COLUMN].length) + " float32 | what the lyrics are about: a unit vector of the catalog's story view (zeros: no story) |" + chr(10) if STORY_COLUMN in ds.column_names else ""}{"| lyrics | string | lyric text |" + chr(10) if "lyrics" in ds.column_names else ""}
## Catalog statistics

`{STATS_FILE}` holds what gasa's similarity scale knows about this catalog as a whole: `mean`, the mean
emotion profile of its {stats.n_songs:,} songs with emotional evidence (centred similarity, half of gasa's default,
subtracts it, so two typical songs score about 0 and songs that depart from the typical song the same way
near 1){", and `arc_basis`, the " + str(len(stats.arc_basis)) + " directions along which its stanzas move most within a song (the arc similarity reads each song's arc along them)" if stats.arc_basis is not None else ""}.
{STORY_CARD.format(file=STORY_FILE, songs=story_view.n_songs, dims=story_view.dimensions, weight=STORY_WEIGHT,
                   rest=1 - STORY_WEIGHT) if story_view is not None else ""}

## Labels

{", ".join(f"{i}: {name}" for i, name in enumerate(labels))}
"""
    return DatasetCard(f"---\n{data.to_yaml()}\n---\n{body}")


def save_song_dataset(ds, output_dir, pretty_name: str = "gasa song emotion vectors", repo_id: str | None = None,
                      license: str = "other", description: str = "", skipped: list[dict] | None = None,
                      story_view=None) -> Path:
    """Write ``ds`` as Parquet (``data/``) plus a dataset card, the catalog statistics computed from it
    (``catalog_stats.json``), the story view that made its ``story`` column (``story_view.safetensors``), and
    the songs that could not be scored (``skipped``: dicts with song_id, status and reason) as
    ``skipped.jsonl``; ``load_dataset(output_dir)``
    reads it back. Written to a temporary folder and swapped in when complete, so an interrupted
    build leaves the previous dataset whole."""
    import json

    from hub.sources import staged_folder

    from hub.search.story import STORY_FILE

    validate_song_dataset(ds)
    if story_view is not None and (STORY_COLUMN not in ds.column_names
                                   or ds.features[STORY_COLUMN].length != story_view.dimensions):
        raise SongDatasetError(f"a story view of {story_view.dimensions} dimensions, but the dataset's story column is "
                               f"{ds.features.get(STORY_COLUMN)}: save the view with the vectors it made")
    stats = catalog_stats(ds)
    with staged_folder(output_dir) as staging:
        (staging / "data").mkdir()
        ds.to_parquet(str(staging / DATA_FILE))
        (staging / STATS_FILE).write_text(json.dumps(stats.to_dict()), encoding="utf-8")
        if story_view is not None:
            story_view.save(staging / STORY_FILE)
        dataset_card(ds, pretty_name, repo_id, license, description, stats, story_view).save(staging / "README.md")
        if skipped:
            (staging / SKIPPED_FILE).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in skipped),
                                                encoding="utf-8")
    return Path(output_dir).resolve()


def load_song_vectors(path_or_repo, split: str = "train", revision: str | None = None):
    """Load and validate a song-vector dataset from a folder written by :func:`save_song_dataset` or a Hub repo."""
    from datasets import load_dataset

    source = str(path_or_repo)
    problem = source_problem(source, "dataset", "the dataset folder (the one holding README.md and data/)")
    if problem:
        raise SongDatasetError(problem)
    path = Path(source)
    # A local folder is read as its Parquet files: the parquet builder keys its cache on the files'
    # paths and modification times, so a rebuilt folder comes back current. load_dataset(folder)
    # keys it on the folder's name: a rebuild, or another folder with the same name, came back stale
    # (NonMatchingSplitsSizesError, or the old rows) with datasets 5.2.
    shards = sorted(str(f) for f in (path / "data").glob("*.parquet")) if path.is_dir() else []
    try:
        if shards:
            ds = load_dataset("parquet", data_files={split: shards}, split=split)
        else:  # a Hub repo, or a folder in another layout
            ds = load_dataset(source, split=split, revision=revision)
    except Exception as e:  # datasets raises many types; the user needs the source and the reason
        where = "folder" if path.exists() else "Hub dataset (offline, private or misspelled?)"
        raise SongDatasetError(f"could not load song vectors from the {where} {source!r}: "
                               f"{type(e).__name__}: {e}") from None
    return validate_song_dataset(ds, source)
