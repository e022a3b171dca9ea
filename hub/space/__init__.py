"""The Gradio Space, piece by piece; ``app.py`` at the repository root assembles the page from them.

* :mod:`hub.space.config` — the flags and ``GASA_*`` environment variables (:class:`AppConfig`);
* :mod:`hub.space.state` — what the tabs share: the configured models (loaded on first use, with
  progress steps, and cached) and the song catalog (:class:`State`);
* :mod:`hub.space.ui` — status lines (``✓`` / ``⚠``), empty tables and figure hand-off;
* one module per tab, each with its handlers and a small ``tab(page, state)`` builder:
  :mod:`hub.space.analysis`, :mod:`hub.space.similar`, :mod:`hub.space.evaluation`,
  :mod:`hub.space.catalog`.

Handlers take the :class:`State` first (``analysis.analyze(state, lyrics, "auto")``), so tests and
scripts call them without a page; models, metrics, similarity and plots live elsewhere in ``hub/``.
"""
