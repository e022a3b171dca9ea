"""The second process of the local build's story vectors (:func:`training.song_build.core.song_stories_ahead`):

    python -m training.song_build.story_process TEXTS.pickle STORIES.pickle

reads the songs' story texts (a pickled list of strings), writes ``(view, vectors)`` of
:func:`training.song_build.core.stories_of` (pickled) and exits 0; anything else is a failure the build
reports before making the stories itself. Files, not pipes: the build never waits to hand the texts over.
"""
from __future__ import annotations

import os
import pickle
import signal
import sys
from pathlib import Path


def main(argv=None) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the build's to handle: it stops this process
    given, made = map(Path, argv if argv is not None else sys.argv[1:])
    from training.song_build.core import stories_of

    stories = stories_of(pickle.loads(given.read_bytes()))
    partial = made.with_suffix(".partial")  # whole or not there: the build never reads half a file
    partial.write_bytes(pickle.dumps(stories, protocol=pickle.HIGHEST_PROTOCOL))
    os.replace(partial, made)
    return 0


if __name__ == "__main__":
    sys.exit(main())
