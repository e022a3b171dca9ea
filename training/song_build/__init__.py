"""The song-vector build (``python -m training.build_song_vectors``), in the pieces its two engines share:

* :mod:`training.song_build.core` - reading every song with a model (statuses, read shares), writing
  the dataset with its card and ``skipped.jsonl``, the scoring options and the model revision.

The local engine and the command line are :mod:`training.build_song_vectors`; the Ray engine is
:mod:`training.ray_build`. The lyrics file they read is :mod:`hub.lyrics_file`.
"""
