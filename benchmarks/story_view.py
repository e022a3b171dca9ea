"""What the story view (what the lyrics are about, :mod:`hub.search.story`) adds to the emotion measure: the
ablation behind gasa's default measure, ``emotion_story`` (story weight 0.5).

The blend with story weight ``w`` scores ``(1 - w) x centred emotion cosine + w x story cosine`` (both: random
pairs about 0); ``w`` 0 is emotion alone (``centred``), 1 the story alone (``story``). Story views compared
(``--views``):

* ``char`` (shipped): the catalog's stored story vectors (character 2-3-grams within words, TF-IDF, LSA), or,
  for a catalog without them or with ``--dimensions``, the same view fitted on the lyrics here;
* ``morph``: content morphemes (Kiwi nouns, verbs, adjectives, roots and adverbs, less the stopwords of
  :mod:`hub.korean_text`) and English words of three letters or more, TF-IDF (sublinear; in at least 3 songs
  and at most 30 % of them), LSA, centred and unit length: the first study's view, which needs a second Kiwi
  pass over every song (its CPU time is printed).

Every song of the catalog is a query, other artists only and versions collapsed, as the app's digging filter;
printed per view and weight: random pairs' median, the median top-1, the top-10's same-genre share (where the
lyrics file records a ``genre``), the median year gap and the most recommended song's share.

``--ab-pairs FOLDER`` also writes blind A/B pairs for raters (``../shared/protocols/blind-raters.md``): for
``--queries`` songs whose first recommendation the blend (``--ab-weight``, the first view) changes, the two
candidates' excerpts in shuffled sides and order (``pairs.txt``), and which side is the blend (``key.json``).
Lyrics of real songs go there: keep that folder outside the project.

    python benchmarks/story_view.py --songs CATALOG --lyrics ../shared/data/kpop_dev/lyrics.jsonl
        [--views char morph] [--weights 0 0.3 0.5 1] [--ab-pairs /tmp/story_ab --queries 40]

``CATALOG`` is a song-vector dataset built from ``--lyrics`` (``python -m training.build_song_vectors``).
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hub.search.vectors import unit_rows  # noqa: E402

EXCERPT_CHARS = 550  # what a rater reads of each song (the protocol's excerpt)


def morpheme_documents(lyrics: list[str]) -> list[str]:
    """Each song's content morphemes (``form/TAG``) and longer English words, space-separated."""
    from hub.korean_text import CONTENT_TAGS, STOPWORDS, base_tag, get_kiwi

    out = []
    for tokens in get_kiwi().tokenize(lyrics):
        words = []
        for token in tokens:
            tag = base_tag(token.tag)
            key = f"{token.form}/{tag}"
            if tag in CONTENT_TAGS and key not in STOPWORDS:
                words.append(key)
            elif tag == "SL" and len(token.form) > 2:
                words.append(token.form.lower() + "/SL")
        out.append(" ".join(words))
    return out


def morpheme_stories(lyrics: list[str], dimensions: int) -> np.ndarray:
    """Unit-length, centred LSA vectors of the songs' morpheme documents, fitted on these songs."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    small = len(lyrics) < 100
    counts = TfidfVectorizer(analyzer=str.split, min_df=1 if small else 3, max_df=1.0 if small else 0.3,
                             sublinear_tf=True).fit_transform(morpheme_documents(lyrics))
    vectors = TruncatedSVD(min(dimensions, counts.shape[1] - 1, len(lyrics) - 1), random_state=0).fit_transform(counts)
    vectors -= vectors.mean(0)
    return unit_rows(vectors)


def char_stories(rec, lyrics: list[str], dimensions: int | None) -> np.ndarray:
    """The shipped view's story vectors: the catalog's own, or fitted here (no stored stories, or ``dimensions``)."""
    from hub.search.story import STORY_DIMENSIONS, StoryView

    if rec.stories is not None and dimensions is None:
        return rec.stories
    view = StoryView.fit(lyrics, dimensions=dimensions or STORY_DIMENSIONS)
    return view.transform(lyrics)


def top10s(rec, emotion: np.ndarray, story: np.ndarray, weight: float, k: int = 10) -> np.ndarray:
    """Every song's top-k under the blend (other artists only, no version of it), rows; -1 where fewer pass."""
    out = np.full((len(emotion), k), -1)
    for query in range(len(emotion)):
        scores = (1 - weight) * (emotion @ emotion[query]) + weight * (story @ story[query])
        # the recommender's own digging filter: recommendable songs, none of the query's artists (featured ones
        # too), no version of the query
        mask, _ = rec._allowed(query, rec._credits.of_song(query), None, exclude_same_artist=True, min_year_gap=0,
                               collapse_versions=True)
        rows = np.flatnonzero(mask)
        best = rows[np.argsort(-scores[rows], kind="stable")[:k]]
        out[query, :len(best)] = best
    return out


def figures(rec, emotion, story, weight, tops, genres, years, rng) -> dict:
    usable = np.asarray(rec.recommendable, dtype=bool) & (tops[:, 0] >= 0)
    a, b = rng.integers(0, len(emotion), 5000), rng.integers(0, len(emotion), 5000)
    pairs = (1 - weight) * (emotion[a] * emotion[b]).sum(1) + weight * (story[a] * story[b]).sum(1)
    rows = np.flatnonzero(usable)
    first = tops[rows, 0]
    top1 = (1 - weight) * (emotion[rows] * emotion[first]).sum(1) + weight * (story[rows] * story[first]).sum(1)
    counts = np.bincount(tops[rows].ravel()[tops[rows].ravel() >= 0], minlength=len(emotion))
    out = {"weight": weight, "random pairs median": float(np.median(pairs)), "top-1 median": float(np.median(top1)),
           "most recommended": float(counts.max() / counts.sum())}
    if genres is not None:
        out["same genre"] = float(np.mean([np.mean(genres[tops[q][tops[q] >= 0]] == genres[q]) for q in rows]))
    if years is not None:
        out["year gap median"] = float(np.median([np.median(np.abs(years[tops[q][tops[q] >= 0]] - years[q]))
                                                  for q in rows]))
    return out


def excerpt(text: str) -> str:
    text = text.strip()
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS].rsplit("\n", 1)[0] + "\n…"


def write_ab_pairs(folder: Path, ids, lyrics, emotion_tops, blend_tops, queries: int, seed: int) -> int:
    rng = random.Random(seed)
    changed = [q for q in range(len(ids)) if blend_tops[q, 0] >= 0 and blend_tops[q, 0] != emotion_tops[q, 0]]
    chosen = rng.sample(changed, min(queries, len(changed)))
    folder.mkdir(parents=True, exist_ok=True)
    key, blocks = [], []
    for n, q in enumerate(chosen, 1):
        blend, alone = blend_tops[q, 0], emotion_tops[q, 0]
        blend_side = rng.choice("AB")
        a, b = (blend, alone) if blend_side == "A" else (alone, blend)
        key.append({"pair": n, "blend": blend_side, "query": ids[q], "blend_top1": ids[blend], "emotion_top1": ids[alone]})
        blocks.append(f"=== pair {n} ===\n--- QUERY ---\n{excerpt(lyrics[q])}\n--- A ---\n{excerpt(lyrics[a])}\n"
                      f"--- B ---\n{excerpt(lyrics[b])}\n")
    (folder / "pairs.txt").write_text("\n".join(blocks), encoding="utf-8")
    (folder / "key.json").write_text(json.dumps(key, indent=1), encoding="utf-8")
    return len(changed)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--songs", required=True, help="song-vector dataset built from --lyrics")
    p.add_argument("--lyrics", help="the crawler's JSONL the catalog was built from (default: the lyrics the "
                                    "catalog stores)")
    p.add_argument("--weights", type=float, nargs="+", default=[0.0, 0.3, 0.5, 1.0], help="story weights to compare")
    p.add_argument("--views", nargs="+", choices=("char", "morph"), default=["char"],
                   help="story views to compare (char: the shipped one; morph: Kiwi morphemes)")
    p.add_argument("--dimensions", type=int, default=None,
                   help="LSA dimensions (default: the catalog's stored char view; 64 for morph)")
    p.add_argument("--ab-pairs", help="folder (outside the project) for blind A/B pairs and their key")
    p.add_argument("--ab-weight", type=float, default=0.5)
    p.add_argument("--queries", type=int, default=40)
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args(argv)

    from hub.recommender import Recommender

    rec = Recommender.from_dataset(args.songs)
    ids = [str(s) for s in rec.songs["song_id"]]
    records = {}
    if args.lyrics:
        with open(args.lyrics, encoding="utf-8") as f:
            records = {str(r["song_id"]): r for r in map(json.loads, f) if r.get("lyrics")}
        lyrics = [records[s]["lyrics"] for s in ids]
    elif rec.lyrics is not None:
        lyrics = list(rec.lyrics)
    else:
        raise SystemExit(f"{args.songs} stores no lyrics: give the lyrics file it was built from with --lyrics")
    genres = np.array([records[s].get("genre") or "" for s in ids]) if records and any(
        r.get("genre") for r in records.values()) else None
    years = rec.songs["year"].to_numpy(dtype=float, na_value=np.nan)
    years = None if np.isnan(years).all() else years

    emotion = unit_rows(rec._spaces.get("centred").vectors)
    print(f"{len(ids):,} songs, every one a query (other artists only, versions collapsed)")
    print(f"{'view':>5} {'dims':>5} {'CPU s':>6} {'story weight':>12} {'random pairs':>13} {'top-1':>7} {'same genre':>11} "
          f"{'year gap':>9} {'most recommended':>17}")
    first = {}
    for name in args.views:
        cpu = time.process_time()
        story = (char_stories(rec, lyrics, args.dimensions) if name == "char"
                 else morpheme_stories(lyrics, args.dimensions or 64))
        cpu = time.process_time() - cpu
        for weight in args.weights:
            tops = top10s(rec, emotion, story, weight)
            if not first:
                first.update(story=story, tops={})
            if story is first["story"]:
                first["tops"][weight] = tops
            f = figures(rec, emotion, story, weight, tops, genres, years, np.random.default_rng(0))
            print(f"{name:>5} {story.shape[1]:5d} {cpu:6.1f} {weight:12.2f} {f['random pairs median']:13.3f} "
                  f"{f['top-1 median']:7.3f} {f.get('same genre', float('nan')):11.3f} "
                  f"{f.get('year gap median', float('nan')):9.1f} {f['most recommended']:16.2%}")
    if args.ab_pairs:
        story, tops = first["story"], first["tops"]
        blend = tops.get(args.ab_weight)
        if blend is None:
            blend = top10s(rec, emotion, story, args.ab_weight)
        alone = tops.get(0.0)
        if alone is None:
            alone = top10s(rec, emotion, story, 0.0)
        changed = write_ab_pairs(Path(args.ab_pairs), ids, lyrics, alone, blend, args.queries, args.seed)
        print(f"\nA/B pairs in {args.ab_pairs}: the blend ({args.ab_weight}) changes the first recommendation of "
              f"{changed:,} songs")


if __name__ == "__main__":
    main()
