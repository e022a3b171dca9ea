"""Text before any model reads it: one module per step.

* :mod:`hub.text.clean` — cleaning and checking pasted or crawled lyrics (``clean_lyrics``,
  ``check_lyrics``, :class:`LyricsError`);
* :mod:`hub.text.language` — which part of a song a model of a given language reads, and how much
  of the song that is (``readable_part``, ``mostly_latin``);
* :mod:`hub.text.segment` — the one segmenter: stanzas (blank lines), blocks of lines for lyrics
  without blank lines, and token windows cut at line breaks for encoders with a length limit.
"""
