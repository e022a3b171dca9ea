"""평가 / Evaluation: the configured models on a built-in demo set (KOTE- or AI-Hub-labelled) or an
uploaded labelled file — macro-F1 and top-group agreement for every label set, the multi-label or
single-label figures, and the label similarity S as a heatmap."""
from __future__ import annotations

import logging
from pathlib import Path

import gradio as gr
import pandas as pd

from hub import plots
from hub.labels import SIMILARITY_KINDS, TAXONOMIES
from hub.models.registry import class_attribute
from hub.text.clean import LyricsError
from hub.space.config import DEMO_DIR
from hub.space.state import AppError, State
from hub.space.ui import bind, empty_table, figure, ok, problem

log = logging.getLogger(__name__)

# what the figures mean, beside the results (hub.metrics and hub.evaluation compute them)
HELP = """**정확도·F1·교차 엔트로피 / Accuracy, F1, cross-entropy** — 모델의 답을 사람이 붙인 정답과 비교합니다.
The model's answers compared with the emotions people gave each sentence.

- **macro-F1**: 감정마다 F1(있는 감정을 찾아낸 비율과, 찾았다고 한 것이 맞은 비율의 균형)을 내고 평균합니다. 드문 감정도 흔한
  감정과 똑같이 칩니다. 0–1, 높을수록 좋습니다. Per emotion, F1 balances finding the emotion where it is and being right when
  claiming it; macro averages over emotions, so rare ones count as much as common ones. 0–1, higher is better.
- **micro-F1**: 모든 판단을 한데 모아 낸 F1, 흔한 감정이 더 크게 반영됩니다. 높을수록 좋습니다. F1 over all answers pooled, so
  common emotions weigh more. Higher is better. **@0.5**: 감정별 기준 대신 확률 0.5를 넘으면 '있다'로 본 경우. With every emotion
  called present from probability 0.5 instead of the model's own per-emotion thresholds.
- **accuracy / 정확도** (문장마다 정답이 하나인 데이터 / one emotion per sentence): 가장 높은 감정이 정답인 비율. 높을수록 좋습니다.
  The share of sentences whose top emotion is the right one. Higher is better.
- **top-group agreement / 그룹 일치율**: 모델이 가장 강하다고 본 감정 그룹(기쁨 슬픔 분노 불안 상처 당황)이 정답 감정의 그룹인
  비율. 감정 목록이 다른 모델끼리도 비교할 수 있습니다. 높을수록 좋습니다. How often the model's strongest emotion group is the
  group of a right answer; it compares models with different emotion lists. Higher is better.
- **cross-entropy / 교차 엔트로피**, **BCE** (정답이 여럿일 수 있는 데이터 / several emotions per sentence): 정답에 얼마나 낮은
  확률을 줬는지의 평균(−log). 낮을수록 좋고, 0이면 늘 확신하며 맞힌 것입니다. How little probability the right answers got, on
  average (−log): lower is better, 0 = always sure and right.
- **unread rows / 읽지 못한 문장**: 모델이 읽을 수 없던 문장(예: 한글이 없는 문장)은 '답 없음'으로 계산합니다. Sentences the
  model could not read (such as ones without Hangul) count as no answer.

**L (S=…) 유사도 가중 점수 / similarity-weighted score** (정답이 하나인 데이터 / one emotion per sentence) — 거의 맞힌 답에 부분
점수를 줍니다. 정답이 '슬픔'인데 '우울한'에 확률을 줬다면 완전히 틀린 것이 아니죠. 감정끼리 얼마나 닮았는지 적은 표 S로,
각 감정에 준 확률 × 정답과의 닮음을 더합니다. 0–1, 높을수록 좋습니다. A near miss earns partial credit: probability put on
'우울한' (depressed) when the answer is '슬픔' (sadness) is not all wrong. The table S says how alike two emotions are;
L = the average over sentences of Σ probability × S(right answer, that emotion).

- **S = identity**: 정답만 1점, 부분 점수 없음 → 정답에 준 확률의 평균. Only the right emotion counts: the average probability of the
  right answer.
- **S = taxonomy**: 같은 그룹의 감정(예: 슬픔 그룹의 '우울한')은 절반(0.5) 점수. Emotions of the same group get half credit.
- **S = embedding**: 감정 이름의 뜻을 언어 모델로 비교해 닮은 만큼 점수(트랜스포머 모델이 있어야 합니다). Credit by how alike the
  emotion names are to a language model (label-name embeddings; needs a transformer model).

아래 히트맵이 고른 S입니다: 칸이 밝을수록 두 감정을 닮았다고 봅니다. The heatmap below is the chosen S: the brighter a cell, the
more alike the two emotions count."""

# the label sets a model of the app can be measured on, and their built-in demo sets (hub.labels)
TAXONOMY_CHOICES = {name: TAXONOMIES[name] for name in ("kote", "aihub", "goemotions")}
DEMO_LABELLED = {name: DEMO_DIR / t.demo_set for name, t in TAXONOMY_CHOICES.items() if t.demo_set}
HEATMAP_FORMAT = "png"
FILE_TYPES = [".csv", ".tsv", ".jsonl", ".json", ".xlsx", ".zip"]
MODEL, FIGURE = "모델 / Model", "지표 / Figure"
# The page shows one row per figure and one column per model: a model's ten figures side by side need the
# width of a desktop, while a column per model fits a phone (400 px) for the two or three models a page offers.
COLUMNS = [FIGURE, MODEL]
# report key -> figure name, in order (a column of evaluate()'s table, a row of the page's); a model shows the
# figures of what it was measured on
FIGURES = {"rows": "rows", "unread_rows": "unread rows", "accuracy": "accuracy", "macro_f1": "macro-F1",
           "micro_f1": "micro-F1", "macro_f1@0.5": "macro-F1 @0.5", "cross_entropy": "cross-entropy",
           "bce": "BCE", "similarity_weighted": "L", "top_group_agreement": "top-group agreement"}


def _labelled_file(source: str, upload, taxonomy) -> Path:
    if source == "upload":
        if not upload:
            raise AppError("평가할 파일을 올리거나 내장 데모 세트를 고르세요 / upload a labelled file (CSV/TSV/JSONL "
                           "with text and label columns, KOTE TSV, or AI-Hub JSON/ZIP/XLSX), or choose the built-in "
                           "demo set.")
        return Path(upload if isinstance(upload, str) else upload.name)
    if taxonomy.name not in DEMO_LABELLED:
        raise AppError(f"이 레이블 체계에는 내장 데모 세트가 없습니다 / there is no built-in demo set with the "
                       f"{taxonomy.name} labels (there are KOTE and AI-Hub ones): choose one of those label sets, or "
                       "upload a file.")
    return DEMO_LABELLED[taxonomy.name]


def _user_message(message: str, source: str, upload) -> str:
    """The demo set and the user's file by name, never the server's paths; the page's own menu where a
    message written for the command line names a flag."""
    message = message.replace(" (--labels)", " (레이블 체계 / Label set)")
    for demo in DEMO_LABELLED.values():
        message = message.replace(str(demo), "the built-in demo set")
    if source == "upload" and upload:
        uploaded = Path(upload if isinstance(upload, str) else upload.name)
        message = message.replace(str(uploaded), uploaded.name)
    return message


def _model(state: State, role: str, progress):
    """The ticked model, or a message for the visitor (what went wrong for the operator goes to the log)."""
    try:
        return state.models.get(role, progress)
    except AppError as e:
        log.warning("evaluation tab: %s", e)
        raise AppError(f"모델을 불러오지 못했습니다 / the model {state.models.names[role]!r} could not be loaded "
                       "here: untick it and evaluate the others.") from None


def evaluate(state: State, roles: list[str], source: str, upload, taxonomy_name: str, similarity: str,
             progress=gr.Progress(track_tqdm=True)):
    """status, results table, S heatmap."""
    from hub.labelled_data import DataFormatError
    from hub.evaluation import LabelMismatchError, evaluate as score

    taxonomy = TAXONOMY_CHOICES.get(taxonomy_name, TAXONOMIES["aihub"])
    try:
        if not roles:
            raise AppError("모델을 하나 이상 고르세요 / tick at least one model to evaluate.")
        path = _labelled_file(source, upload, taxonomy)
        predictors = {state.models.names[r]: _model(state, r, progress) for r in roles}
        if similarity == "embedding" and not any(hasattr(p, "tokenizer") for p in predictors.values()):
            raise AppError("embedding S에는 트랜스포머 모델이 필요합니다 / the 'embedding' S compares label names with "
                           "a transformer model, and none of the ticked models is one: choose identity or taxonomy.")
        progress(0.9, desc="scoring the labelled set")
        rows, s = score(list(predictors), path, similarity=similarity, taxonomy=taxonomy, predictors=predictors)
    except (AppError, DataFormatError, LabelMismatchError, LyricsError, ValueError) as e:
        message = _user_message(str(e), source, upload)
        if isinstance(e, AppError):  # the tab's own messages: Korean and English already
            return problem(message), empty_table(COLUMNS), None
        return problem(f"평가하지 못했습니다 / {message}"), empty_table(COLUMNS), None
    shown = [k for k in FIGURES if any(k in r for r in rows)]
    name = lambda k: f"L (S={similarity})" if k == "similarity_weighted" else FIGURES[k]  # noqa: E731
    table = pd.DataFrame([{MODEL: r["model"], **{name(k): round(r[k], 4) if isinstance(r.get(k), float)
                                               else r.get(k, "–") for k in shown}} for r in rows])
    heatmap = figure(plots.plot_similarity_matrix(s, list(taxonomy.labels), f"Label similarity S = {similarity}"))
    data = "내장 데모 세트 / built-in demo set (fictional sentences)" if source != "upload" else Path(path).name
    return ok(f"모델 {len(rows)}개 / {len(rows)} model(s) · {rows[0]['rows']} rows of {data}"), table, heatmap


def by_figure(table: pd.DataFrame) -> pd.DataFrame:
    """The results as the page shows them: a row per figure, a column per model (:data:`COLUMNS`)."""
    if table.empty:  # no results: the page's headers
        return empty_table(COLUMNS)
    return table.set_index(MODEL).T.rename_axis(FIGURE).reset_index().rename_axis(columns=None)


def evaluate_on_page(state: State, roles: list[str], source: str, upload, taxonomy_name: str, similarity: str,
                     progress=gr.Progress(track_tqdm=True)):
    """:func:`evaluate` as the page shows it (:func:`by_figure`)."""
    status, table, heatmap = evaluate(state, roles, source, upload, taxonomy_name, similarity, progress)
    return status, by_figure(table), heatmap


OWN_DATA = ("내 데이터로 재려면 / To measure on your own data: 문장과 정답 감정이 든 파일을 올리고 평가 / Evaluate를 "
            "누르세요 / upload a file of sentences with the emotion people gave each (CSV, TSV or JSONL with `text` "
            "and `label` columns, a KOTE TSV, or AI-Hub JSON / ZIP / XLSX) and press 평가 / Evaluate.")
FIRST_VISIT = f"{OWN_DATA}  \n또는 내장 데모 세트로 바로 재 보세요 / or press it now for the built-in demo set."


class NoExample(Exception):
    """The worked example could not be drawn (its status says why)."""


_examples: dict[tuple[State, str], tuple] = {}


def drawn_example(state: State, label_set: str, progress=None):
    """The worked example, computed once per page and label set (about 0.7 s, and as long again to turn the
    heatmap into a picture, which is kept as one): every visitor sees the same figures."""
    if (state, label_set) not in _examples:
        status, table, heatmap = evaluate_on_page(state, ["korean"], "demo", None, label_set, "taxonomy", progress)
        if heatmap is None:
            raise NoExample(status)
        _examples[state, label_set] = status, table, gr.Plot(format=HEATMAP_FORMAT).postprocess(heatmap)
    return _examples[state, label_set]


def example(state: State, label_set: str, progress=gr.Progress()):
    """What a first visit sees: the built-in model on the built-in demo set of its label set, marked as an
    example, with what to upload for one's own; only that hint where the example cannot be drawn."""
    try:
        status, table, heatmap = drawn_example(state, label_set, progress)
    except NoExample as e:
        log.warning("evaluation tab: no example to show: %s", e)
        return FIRST_VISIT, empty_table(COLUMNS), None
    drawn = status.removeprefix(ok(""))
    return f"{ok(f'**예시 / Example** · {drawn}')}  \n{OWN_DATA}", table.copy(), heatmap


def first_opening(state: State, shown: bool, label_set: str, progress=gr.Progress()):
    """:func:`example` when the tab is first opened (``shown``: the example is already there; opening the tab
    again leaves what it shows, the visitor's own results included); status, table, heatmap, ``shown``."""
    if shown:
        return gr.update(), gr.update(), gr.update(), True
    status, table, heatmap = example(state, label_set, progress)
    return status, table, heatmap, heatmap is not None


def tab(page: gr.Blocks, state: State) -> None:
    label_set = class_attribute(state.config.korean_model, "label_set") or "kote"
    with gr.Tab("평가 / Evaluation", id="evaluation") as evaluation_tab:
        # inside the tab: a component between two tabs would shift the next tab's place on the tab bar, which
        # Gradio then shows twice
        example_shown = gr.State(False)
        with gr.Row():
            with gr.Column(scale=1):
                models = gr.CheckboxGroup([(name, role) for role, name in state.models.names.items()],
                                          value=["korean"], label="모델 / Models", elem_id="eval-models")
                source = gr.Radio([("내장 데모 세트 / Built-in demo set (fictional sentences)", "demo"),
                                   ("업로드 / Uploaded file", "upload")], value="demo",
                                  label="평가 데이터 / Labelled set", elem_id="eval-source")
                upload = gr.File(label="CSV / TSV / JSONL (text, label), KOTE TSV (id, text, label ids) or "
                                       "AI-Hub JSON / ZIP / XLSX", file_types=FILE_TYPES, elem_id="eval-file")
            with gr.Column(scale=1):
                labels = gr.Dropdown([(t.title, name) for name, t in TAXONOMY_CHOICES.items()], value=label_set,
                                     label="레이블 체계 / Label set", elem_id="eval-taxonomy")
                similarity = gr.Radio(list(SIMILARITY_KINDS), value="taxonomy", elem_id="eval-similarity",
                                      label="유사도 행렬 S / Label similarity S (identity: 정답만 / the right "
                                            "emotion only; taxonomy: 같은 그룹 절반 / half credit within a group; "
                                            "embedding: 감정 이름의 뜻 / label-name embeddings)")
                button = gr.Button("평가 / Evaluate", variant="primary", elem_id="eval-btn")
        status = gr.Markdown(FIRST_VISIT, elem_id="eval-status")
        table = gr.Dataframe(empty_table(COLUMNS), label="결과 / Results", interactive=False, elem_id="eval-table",
                             wrap=True)
        with gr.Accordion("숫자 읽는 법 / What the numbers mean", open=False, elem_id="eval-help"):
            gr.Markdown(HELP)
        heatmap = gr.Plot(show_label=False, label="S 히트맵 / S heatmap", elem_id="eval-heatmap",
                          format=HEATMAP_FORMAT)

    upload.upload(lambda f: "upload", [upload], [source], api_visibility="private")
    button.click(bind(evaluate_on_page, state), [models, source, upload, labels, similarity],
                 [status, table, heatmap], api_name="evaluate")
    # The tab opens on a worked example, drawn when first opened rather than with the page: a visitor who never
    # opens it costs nothing, and a first analysis is not kept waiting behind a model loaded for the example.
    evaluation_tab.select(bind(first_opening, state), [example_shown, labels], [status, table, heatmap, example_shown],
                          api_visibility="private")
