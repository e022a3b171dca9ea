"""gasa (가사) — the Gradio Space: emotion in song lyrics, and songs whose lyrics feel alike.

    python app.py [--korean-model ID_OR_DIR] [--english-model ID_OR_DIR] [--songs DATASET_DIR_OR_REPO]
                  [--eval-model ID_OR_DIR ...] [--host HOST] [--port PORT]
    gradio app.py                   # reload mode while editing (flags after --)

Every flag has an environment variable (``GASA_KOREAN_MODEL``, ``GASA_ENGLISH_MODEL``, ``GASA_SONGS``,
``GASA_EVAL_MODELS`` comma-separated, ``GASA_HOST``, ``GASA_PORT``); flags win. With nothing set the
app runs offline on its embedded default: the Korean emotion model learned from people's labels
(``gasa-korean-kote``, KOTE's 44 emotions; the 60-label dictionary engine ``gasa-korean-engine`` stays
selectable) and a small demo catalog and labelled sets of fictional lines written for gasa (``hub/data/demo``).

This file is the page, top to bottom; each tab's handlers and widgets live in its own module under
``hub/space/``, and the models and the catalog they share in ``hub.space.state``. The module-level
``demo`` is built from the environment (what Spaces and ``gradio app.py`` use); ``main()`` adds the flags.
"""
from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported: no phoning home

import gradio as gr  # noqa: E402

from hub.space import analysis, catalog, evaluation, similar  # noqa: E402
from hub.space.config import AppConfig, config_note, parse_config  # noqa: E402
from hub.space.state import State  # noqa: E402

TITLE = "gasa 가사 — emotion in song lyrics"
INTRO = """# 가사 gasa — 가사 속 감정 / emotion in song lyrics
가사를 붙여 넣으면 감정을 읽고, 감정이 닮은 노래를 시대를 넘어 찾아 줍니다.
Paste lyrics to read their emotion; find songs whose lyrics feel alike, decades apart."""
MAX_UPLOAD = "20mb"
# A phone (up to 640 px): every row of a tab becomes one column, so inputs, tables and charts each take the
# screen's width; a figure drawn as a picture (the heatmaps) keeps its own size, readable, and scrolls sideways
# in its box rather than shrinking to a thumbnail. Tables already scroll inside their own box; their text is the
# page's font, a size smaller, with less padding, and Korean words wrap whole at spaces (keep-all) rather than
# letter by letter, so a header such as 유사도 / Similarity stays legible and a row is not a tall strip of syllables.
# Wider screens keep the side-by-side columns.
PAGE_CSS = """
@media (max-width: 640px) {
  #tabs .row > .block, #tabs .row > .form, #tabs .row > .column { min-width: 100% !important; }
  #tabs .matplotlib { overflow-x: auto; justify-content: flex-start; }
  #tabs .matplotlib img { max-width: none; width: auto; }
  #tabs .table-wrap th, #tabs .table-wrap th *, #tabs .table-wrap .body-cell, #tabs .table-wrap .cell-wrap span {
    font-family: var(--font); font-size: 12px; word-break: keep-all; overflow-wrap: break-word; }
  #tabs .table-wrap th, #tabs .table-wrap .body-cell { padding-left: 4px; padding-right: 4px; }
}
"""


def build_app(config: AppConfig) -> gr.Blocks:
    state = State(config)  # models and catalog: loaded on first use, then cached
    with gr.Blocks(title=TITLE) as page:
        gr.Markdown(INTRO)
        gr.Markdown(config_note(config), elem_id="config-note")
        with gr.Tabs(overflow_behavior="wrap", elem_id="tabs"):  # on a phone every tab stays in sight
            analysis.tab(page, state)     # 가사 분석 / Lyric analysis
            similar.tab(page, state)      # 유사곡 찾기 / Similar songs
            evaluation.tab(page, state)   # 평가 / Evaluation
            catalog.tab(page, state)      # 카탈로그 / Catalog
    return page.queue(default_concurrency_limit=2)


config = parse_config([])  # environment variables and defaults only: importing this file never reads flags
demo = build_app(config)


def main(argv=None) -> None:
    global demo
    flags = parse_config(argv)
    if flags != config:
        demo = build_app(flags)  # rebound, so reload mode finds the page it launched
    demo.launch(server_name=flags.host, server_port=flags.port, max_file_size=MAX_UPLOAD, show_error=False,
                css=PAGE_CSS)


if __name__ == "__main__":
    main()
