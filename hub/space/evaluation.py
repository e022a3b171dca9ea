"""평가 / Evaluation: the configured models on a built-in demo set (KOTE- or AI-Hub-labelled) or an
uploaded labelled file — macro-F1 and top-group agreement for every label set, the multi-label or
single-label figures, and the label similarity S as a heatmap."""
from __future__ import annotations

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

# the label sets a model of the app can be measured on, and their built-in demo sets (hub.labels)
TAXONOMY_CHOICES = {name: TAXONOMIES[name] for name in ("kote", "aihub", "goemotions")}
DEMO_LABELLED = {name: DEMO_DIR / t.demo_set for name, t in TAXONOMY_CHOICES.items() if t.demo_set}
FILE_TYPES = [".csv", ".tsv", ".jsonl", ".json", ".xlsx", ".zip"]
COLUMNS = ["모델 / Model", "rows", "macro-F1", "top-group agreement"]
# report key -> table column, in order; a row shows what its model was measured on
FIGURES = {"rows": "rows", "unread_rows": "unread rows", "accuracy": "accuracy", "macro_f1": "macro-F1",
           "micro_f1": "micro-F1", "macro_f1@0.5": "macro-F1 @0.5", "cross_entropy": "cross-entropy",
           "bce": "BCE", "similarity_weighted": "L", "top_group_agreement": "top-group agreement"}


def _labelled_file(source: str, upload, taxonomy) -> Path:
    if source == "upload":
        if not upload:
            raise AppError("upload a labelled file (CSV/TSV/JSONL with text and label columns, KOTE TSV, or "
                           "AI-Hub JSON/ZIP/XLSX), or choose the built-in demo set.")
        return Path(upload if isinstance(upload, str) else upload.name)
    if taxonomy.name not in DEMO_LABELLED:
        raise AppError(f"there is no built-in demo set with the {taxonomy.name} labels (there are KOTE and "
                       "AI-Hub ones): choose one of those label sets, or upload a file.")
    return DEMO_LABELLED[taxonomy.name]


def _user_message(message: str, source: str, upload) -> str:
    """The demo set and the user's file by name, never the server's paths."""
    for demo in DEMO_LABELLED.values():
        message = message.replace(str(demo), "the built-in demo set")
    if source == "upload" and upload:
        uploaded = Path(upload if isinstance(upload, str) else upload.name)
        message = message.replace(str(uploaded), uploaded.name)
    return message


def evaluate(state: State, roles: list[str], source: str, upload, taxonomy_name: str, similarity: str,
             progress=gr.Progress(track_tqdm=True)):
    """status, results table, S heatmap."""
    from hub.labelled_data import DataFormatError
    from hub.evaluation import LabelMismatchError, evaluate as score

    taxonomy = TAXONOMY_CHOICES.get(taxonomy_name, TAXONOMIES["aihub"])
    try:
        if not roles:
            raise AppError("tick at least one model to evaluate.")
        path = _labelled_file(source, upload, taxonomy)
        predictors = {state.models.names[r]: state.models.get(r, progress) for r in roles}
        if similarity == "embedding" and not any(hasattr(p, "tokenizer") for p in predictors.values()):
            raise AppError("the 'embedding' S embeds label names with a transformer model's encoder, and none of "
                           "the ticked models is one (the Korean engine is a dictionary): choose identity or "
                           "taxonomy, or configure a transformer model.")
        progress(0.9, desc="scoring the labelled set")
        rows, s = score(list(predictors), path, similarity=similarity, taxonomy=taxonomy, predictors=predictors)
    except (AppError, DataFormatError, LabelMismatchError, LyricsError, ValueError) as e:
        return problem(_user_message(str(e), source, upload)), empty_table(COLUMNS), None
    shown = [k for k in FIGURES if any(k in r for r in rows)]
    name = lambda k: f"L (S={similarity})" if k == "similarity_weighted" else FIGURES[k]  # noqa: E731
    table = pd.DataFrame([{"모델 / Model": r["model"], **{name(k): round(r[k], 4) if isinstance(r.get(k), float)
                                                         else r.get(k, "–") for k in shown}} for r in rows])
    heatmap = figure(plots.plot_similarity_matrix(s, list(taxonomy.labels), f"Label similarity S = {similarity}"))
    data = "built-in demo set (fictional sentences)" if source != "upload" else Path(path).name
    return ok(f"{len(rows)} model(s) on {rows[0]['rows']} rows of {data}"), table, heatmap


def tab(page: gr.Blocks, state: State) -> None:
    label_set = class_attribute(state.config.korean_model, "label_set") or "kote"
    with gr.Tab("평가 / Evaluation", id="evaluation"):
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
                                      label="유사도 행렬 S / Label similarity S (identity: mean probability of the "
                                            "true label; taxonomy: 0.5 within a group; embedding: label-name embeddings)")
                button = gr.Button("평가 / Evaluate", variant="primary", elem_id="eval-btn")
        status = gr.Markdown(elem_id="eval-status")
        table = gr.Dataframe(empty_table(COLUMNS), label="결과 / Results", interactive=False, elem_id="eval-table")
        heatmap = gr.Plot(show_label=False, label="S 히트맵 / S heatmap", elem_id="eval-heatmap", format="png")

    upload.upload(lambda f: "upload", [upload], [source], api_visibility="private")
    button.click(bind(evaluate, state), [models, source, upload, labels, similarity], [status, table, heatmap],
                 api_name="evaluate")
