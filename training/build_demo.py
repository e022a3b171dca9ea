"""Rebuild the demo catalog (``gasa_demo_catalog/``) from ``demo_lyrics.jsonl`` with the app's default model.

    python -m training.build_demo [--model gasa-korean-kote]

Both live in ``hub/data/demo/`` (they travel with the Space); this script stays home in ``training/``.
The lyrics are original lines written for gasa (fictional titles, artists and years), so the
demo catalog keeps them (``lyrics`` column); real catalogs never do unless asked.
"""
from __future__ import annotations

import argparse

from hub.space.config import DEMO_DIR, DEMO_SONGS
from training.build_song_vectors import DEFAULT_MODEL, build

DEMO_NOTE = ("\n**Demo data.** The songs, artists, years and lyrics are fictional: original lines written for "
             "gasa to show the app offline. They are not real songs.\n")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=DEFAULT_MODEL, help=f"model that scores the songs (default {DEFAULT_MODEL})")
    args = parser.parse_args(argv)
    ds, counts = build(args.model, str(DEMO_DIR / "demo_lyrics.jsonl"), str(DEMO_SONGS),
                       include_lyrics=True, revision="demo", pretty_name="gasa demo catalog (fictional songs)",
                       license="mit", note=DEMO_NOTE)
    print(f"wrote {len(ds)} demo songs ({', '.join(f'{n} {s}' for s, n in counts.items())}) to {DEMO_SONGS}")


if __name__ == "__main__":
    main()
