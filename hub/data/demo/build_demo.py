"""Rebuild the demo catalog (``gasa_demo_catalog/``) from ``demo_lyrics.jsonl`` with the offline Korean engine.

    python -m hub.data.demo.build_demo

The lyrics are original lines written for gasa (fictional titles, artists and years), so the
demo catalog keeps them (``lyrics`` column); real catalogs never do unless asked.
"""
from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent
DEMO_NOTE = ("\n**Demo data.** The songs, artists, years and lyrics are fictional: original lines written for "
             "gasa to show the app offline. They are not real songs.\n")


def main() -> None:
    from hub.predictor import load_predictor
    from hub.song_dataset import build_song_dataset, save_song_dataset
    from training.crawl_melon import read_lyrics_jsonl

    songs = read_lyrics_jsonl(HERE / "demo_lyrics.jsonl")
    predictor = load_predictor("gasa-korean-engine")
    vectors = predictor.predict([s["lyrics"] for s in songs], progress=True)
    ds = build_song_dataset(songs, vectors, list(predictor.labels), model_name="gasa-korean-engine",
                            model_revision="demo", include_lyrics=True)
    out = save_song_dataset(ds, HERE / "gasa_demo_catalog", pretty_name="gasa demo catalog (fictional songs)",
                            license="mit", description=DEMO_NOTE)
    print(f"wrote {len(ds)} demo songs to {out}")


if __name__ == "__main__":
    main()
