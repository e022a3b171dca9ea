"""gasa (가사) — the Gradio Space: emotion in song lyrics, and songs whose lyrics feel alike.

    python app.py [--korean-model ID_OR_DIR] [--english-model ID_OR_DIR] [--songs DATASET_DIR_OR_REPO]
                  [--eval-model ID_OR_DIR ...] [--host HOST] [--port PORT]

Every flag has an environment variable (``GASA_KOREAN_MODEL``, ``GASA_ENGLISH_MODEL``, ``GASA_SONGS``,
``GASA_EVAL_MODELS`` comma-separated, ``GASA_HOST``, ``GASA_PORT``); flags win. With nothing set the
app runs offline on its embedded default: the Korean emotion model learned from people's labels
(``gasa-korean-kote``, KOTE's 44 emotions; the 60-label dictionary engine ``gasa-korean-engine`` stays
selectable) and a small demo catalog and labelled sets of fictional lines written for gasa (``hub/data/demo``).

Tabs: 가사 분석 / Lyric analysis, 유사곡 찾기 / Similar songs, 평가 / Evaluation, 카탈로그 / Catalog.
The app only wires the UI: models, metrics, similarity and plots live in ``hub/``.
"""
from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported: no phoning home

import argparse  # noqa: E402
import logging  # noqa: E402
import re  # noqa: E402
import threading  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402

import gradio as gr  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from hub import plots  # noqa: E402  (sets the Hangul font for every figure)
from hub.labels import AIHUB, GOEMOTIONS, KOTE, SIMILARITY_KINDS, taxonomy_for_labels  # noqa: E402
from hub.korean_text import HANGUL_SYLLABLE  # noqa: E402
from hub.predictor import EmotionPredictor, LyricsError, ModelLoadError, check_lyrics, load_predictor  # noqa: E402

logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)  # one line per missing fallback font

HERE = Path(__file__).resolve().parent
DEMO_DIR = HERE / "hub" / "data" / "demo"
DEMO_SONGS = DEMO_DIR / "gasa_demo_catalog"
DEMO_LABELLED = {"aihub": DEMO_DIR / "labelled_demo.csv", "kote": DEMO_DIR / "labelled_demo_kote.tsv"}
DEFAULT_KOREAN_MODEL = "gasa-korean-kote"
TOP_K = 10
MAX_DROPDOWN_SONGS = 500
TAXONOMY_CHOICES = {"kote": KOTE, "aihub": AIHUB, "goemotions": GOEMOTIONS}
EVAL_FILE_TYPES = [".csv", ".tsv", ".jsonl", ".json", ".xlsx", ".zip"]


class AppError(Exception):
    """Something the user can act on; its message is shown in the UI as is."""


# --- configuration --------------------------------------------------------------------------

@dataclass
class AppConfig:
    korean_model: str = DEFAULT_KOREAN_MODEL
    english_model: str | None = None
    songs: str = str(DEMO_SONGS)
    eval_models: list[str] = field(default_factory=list)
    host: str | None = None
    port: int | None = None

    @property
    def demo_catalog(self) -> bool:
        return Path(self.songs).resolve() == DEMO_SONGS


def parse_config(argv=None, environ=None) -> AppConfig:
    """Flags first, then ``GASA_*`` environment variables, then the embedded defaults."""
    env = os.environ if environ is None else environ
    p = argparse.ArgumentParser(prog="python app.py", description="gasa: emotion in song lyrics (Gradio app)")
    p.add_argument("--korean-model", default=env.get("GASA_KOREAN_MODEL") or DEFAULT_KOREAN_MODEL,
                   help="Korean model: Hub id, local folder or built-in engine name (env GASA_KOREAN_MODEL; "
                        f"default {DEFAULT_KOREAN_MODEL}, offline)")
    p.add_argument("--english-model", default=env.get("GASA_ENGLISH_MODEL") or None,
                   help="GoEmotions model for mostly-English lyrics, e.g. SamLowe/roberta-base-go_emotions "
                        "(env GASA_ENGLISH_MODEL; default none)")
    p.add_argument("--songs", default=env.get("GASA_SONGS") or str(DEMO_SONGS),
                   help="song-vector dataset: folder or Hub dataset id (env GASA_SONGS; default the demo catalog)")
    p.add_argument("--eval-model", action="append", default=None,
                   help="extra model offered on the evaluation tab (repeatable; env GASA_EVAL_MODELS, comma-separated)")
    p.add_argument("--host", default=env.get("GASA_HOST") or None,
                   help="address to listen on (env GASA_HOST; default Gradio's: 127.0.0.1, 0.0.0.0 on Spaces)")
    p.add_argument("--port", type=int, default=int(env["GASA_PORT"]) if env.get("GASA_PORT") else None,
                   help="port (env GASA_PORT; default Gradio's, 7860)")
    a = p.parse_args(argv)
    eval_models = a.eval_model if a.eval_model is not None else \
        [m.strip() for m in env.get("GASA_EVAL_MODELS", "").split(",") if m.strip()]
    return AppConfig(korean_model=a.korean_model, english_model=a.english_model, songs=a.songs,
                     eval_models=eval_models, host=a.host, port=a.port)


# --- models: loaded on first use, cached, failures remembered as messages -------------------------

def _load(name: str, english: bool) -> EmotionPredictor:
    if english:
        from hub.english import EnglishTagger

        return EnglishTagger.from_pretrained(name)
    return load_predictor(name)


class Models:
    """The configured models by role (``korean``, ``english``, ``eval:N``), loaded lazily and cached."""

    def __init__(self, config: AppConfig):
        self.names = {"korean": config.korean_model}
        if config.english_model:
            self.names["english"] = config.english_model
        for i, name in enumerate(config.eval_models):
            if name not in self.names.values():
                self.names[f"eval:{i}"] = name
        self._loaded: dict[str, EmotionPredictor] = {}
        self._failed: dict[str, str] = {}
        self._locks = {role: threading.Lock() for role in self.names}  # one model loading never blocks another

    def flag_of(self, role: str) -> str:
        return {"korean": "--korean-model / GASA_KOREAN_MODEL",
                "english": "--english-model / GASA_ENGLISH_MODEL"}.get(role, "--eval-model / GASA_EVAL_MODELS")

    def get(self, role: str, progress=None) -> EmotionPredictor:
        if role not in self.names:
            raise AppError("no English model is configured: start the app with --english-model "
                           "SamLowe/roberta-base-go_emotions (or set GASA_ENGLISH_MODEL) to analyze English lyrics."
                           if role == "english" else f"no model configured for {role}")
        with self._locks[role]:
            if role in self._loaded:
                return self._loaded[role]
            if role in self._failed:
                raise AppError(self._failed[role])
            name = self.names[role]
            if progress is not None:
                progress(0.05, desc=f"loading {name} (first use; cached afterwards)")
            try:
                predictor = _load(name, english=role == "english")
                if predictor.language == "ko":  # Korean models tokenize with Kiwi: build it now, under this lock
                    predictor.predict_texts(["처음 불러올 때 형태소 분석기를 준비합니다"])
            except Exception as e:  # noqa: BLE001 - any load failure becomes a message; other tabs keep working
                message = str(e).splitlines()[0] if str(e) else type(e).__name__
                if not isinstance(e, ModelLoadError):
                    message = f"could not load the model {name!r} ({type(e).__name__}: {message})"
                offline = f"; '{DEFAULT_KOREAN_MODEL}' works offline" if role != "english" else ""
                self._failed[role] = (
                    f"{message.rstrip('.')}. "
                    f"Check the id or folder, the network (HF_HUB_OFFLINE=1 allows only cached models), "
                    f"or set {self.flag_of(role)} to another model{offline}.")
                raise AppError(self._failed[role]) from None
            self._loaded[role] = predictor
            return predictor


# --- the song catalog ----------------------------------------------------------------------------

@dataclass
class Catalog:
    recommender: object
    lyrics: dict[str, str]
    model: str
    source: str
    demo: bool

    @property
    def labels(self) -> list[str]:
        return self.recommender.labels

    def choices(self, frame: pd.DataFrame | None = None, limit: int = MAX_DROPDOWN_SONGS):
        frame = self.recommender.songs if frame is None else frame
        return [(song_label(row), str(row.song_id)) for row in frame.head(limit).itertuples()]


def song_label(row) -> str:
    year = "" if pd.isna(row.year) else f" ({int(row.year)})"
    return f"{row.title} — {row.artist}{year}"


class CatalogStore:
    def __init__(self, config: AppConfig):
        self.config = config
        self._catalog: Catalog | None = None
        self._error: str | None = None
        self._lock = threading.Lock()

    def get(self) -> Catalog:
        with self._lock:
            if self._catalog is not None:
                return self._catalog
            if self._error is not None:
                raise AppError(self._error)
            from hub.recommender import Recommender
            from hub.song_dataset import load_song_vectors

            try:
                ds = load_song_vectors(self.config.songs)
                recommender = Recommender.from_dataset(ds)
            except Exception as e:  # noqa: BLE001 - SongDatasetError and friends: say what and how to fix
                self._error = (f"the song catalog {self.config.songs!r} could not be loaded ({e}). Set --songs / "
                               f"GASA_SONGS to a song-vector dataset folder or Hub id, or leave it unset for the demo catalog.")
                raise AppError(self._error) from None
            lyrics = dict(zip(ds["song_id"], ds["lyrics"])) if "lyrics" in ds.column_names else {}
            models = sorted(set(ds["model"])) if len(ds) else []
            self._catalog = Catalog(recommender, lyrics, ", ".join(models), self.config.songs, self.config.demo_catalog)
            return self._catalog


# --- helpers ---------------------------------------------------------------------------------------

def mostly_latin(text: str) -> bool:
    """True when Latin letters clearly outnumber Hangul (a syllable counts as two letters)."""
    hangul = len(HANGUL_SYLLABLE.findall(text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return latin > 2 * hangul


def _fig(fig):
    """Hand a figure to Gradio without keeping it in pyplot's registry (no leak across requests)."""
    plots.plt.close(fig)
    return fig


OK_MARK, PROBLEM_MARK = "✓", "⚠"  # plain symbols: common text fonts have them, unlike emoji


def ok(text: str) -> str:
    return f"{OK_MARK} {text}"


def problem(text: str) -> str:
    """A message for the status box (and a toast)."""
    gr.Warning(text, duration=6)
    return f"{PROBLEM_MARK} **{text}**"


def _label_with_group(taxonomy, label: str) -> str:
    return plots.group_label(taxonomy, taxonomy.group_of(label)) if taxonomy is not None else ""


def emotion_name(taxonomy, label: str) -> str:
    """``슬픔 (sadness)`` where the label set has English names."""
    en = taxonomy.label_en(label) if taxonomy is not None else label
    return f"{label} ({en})" if en != label else label


def top_table(top, taxonomy) -> pd.DataFrame:
    """The ranked ``(label, probability)`` pairs as the analysis table."""
    return pd.DataFrame(dict(zip(ANALYSIS_COLUMNS, [
        range(1, len(top) + 1), [emotion_name(taxonomy, label) for label, _ in top],
        [_label_with_group(taxonomy, label) for label, _ in top], [round(p, 4) for _, p in top]])))


def analysis_figures(analysis, top, taxonomy):
    """Top-10 bars, group scores and emotion arc of an analysis (arc only with stanzas)."""
    bars = _fig(plots.plot_top_emotions(top, taxonomy, "Top-10 emotions / 상위 10개 감정"))
    mix = arc = None
    if taxonomy is not None and analysis.groups is not None:
        title = ("Emotion groups: probability people would name one / 감정 그룹" if taxonomy.multi_label
                 else "Emotion group mix / 감정 그룹 비율")
        mix = _fig(plots.plot_group_mix(dict(zip(analysis.groups, analysis.group_scores.tolist())), taxonomy, title))
    if analysis.segment_probs is not None and len(analysis.segment_probs):
        arc = _fig(plots.plot_emotion_arc(analysis.segment_probs, taxonomy, analysis.labels,
                                          title="Emotion arc, stanza by stanza / 연별 감정 흐름",
                                          group_scores=analysis.segment_group_scores, groups=analysis.groups))
    return bars, mix, arc


def reading_note(analysis) -> str:
    """What the model read and found, for the status line."""
    notes = []
    if analysis.read_share < 0.999:
        unread = int(np.isnan(analysis.segment_probs[:, 0]).sum()) if analysis.segment_probs is not None else 0
        notes.append(f"read {analysis.read_share:.0%} of the song (its lines with Hangul"
                     + (f"; {unread} stanza(s) without Korean not read)" if unread else ")"))
    if not analysis.evidence:
        notes.append("**no emotional evidence found**: none of its emotions reaches the model's threshold, so the "
                     "ranking below is a weak guess")
    return "".join(f" · {n}" for n in notes)


# --- tab handlers ----------------------------------------------------------------------------------

MODEL_AUTO, MODEL_KOREAN, MODEL_ENGLISH = "auto", "korean", "english"
ANALYSIS_COLUMNS = ["순위 / Rank", "감정 / Emotion", "그룹 / Group", "확률 / Probability"]
SIMILAR_COLUMNS = ["순위 / Rank", "제목 / Title", "가수 / Artist", "연도 / Year", "유사도 / Similarity",
                   "주요 감정 / Top emotions"]
EVAL_COLUMNS = ["모델 / Model", "rows", "macro-F1", "top-group agreement"]
# report key -> table column, in order; a row shows what its model was measured on
EVAL_FIGURES = {"rows": "rows", "unread_rows": "unread rows", "accuracy": "accuracy", "macro_f1": "macro-F1",
                "micro_f1": "micro-F1", "macro_f1@0.5": "macro-F1 @0.5", "cross_entropy": "cross-entropy",
                "bce": "BCE", "similarity_weighted": "L", "top_group_agreement": "top-group agreement"}


class App:
    def __init__(self, config: AppConfig):
        self.config = config
        self.models = Models(config)
        self.catalog = CatalogStore(config)

    # 가사 분석 / Lyric analysis
    def pick_role(self, text: str, choice: str) -> str:
        if choice != MODEL_AUTO:
            return choice
        if mostly_latin(text) and "english" in self.models.names:
            return MODEL_ENGLISH
        if not HANGUL_SYLLABLE.search(text):
            raise AppError("these lyrics have no Korean, and no English model is configured: start the app with "
                           "--english-model SamLowe/roberta-base-go_emotions (or set GASA_ENGLISH_MODEL), "
                           "or paste Korean lyrics.")
        return MODEL_KOREAN  # mixed lyrics: the Korean model reads the lines with Hangul, and the page says how much

    def analyze(self, lyrics: str, choice: str, progress=gr.Progress(track_tqdm=True)):
        """status, top-10 table, top-10 plot, group-mix plot, arc plot."""
        try:
            text = check_lyrics(lyrics or "")
            role = self.pick_role(text, choice or MODEL_AUTO)
            predictor = self.models.get(role, progress)
            progress(0.5, desc="analyzing")
            analysis = predictor.analyze(text)
        except (LyricsError, AppError) as e:
            return problem(str(e)), pd.DataFrame(columns=ANALYSIS_COLUMNS), None, None, None
        top, taxonomy = analysis.top(TOP_K), taxonomy_for_labels(analysis.labels)
        bars, mix, arc = analysis_figures(analysis, top, taxonomy)
        best, p = top[0]
        lang = "English" if role == MODEL_ENGLISH else "한국어"
        group = analysis.top_group()
        group = f" · top group {plots.group_label(taxonomy, group)}" if group and taxonomy is not None else ""
        status = ok(f"**{emotion_name(taxonomy, best)}** ({p:.1%}){group} · model `{predictor.name}` ({lang}) · "
                    f"{len(analysis.segments)} stanza(s) / 연{reading_note(analysis)}")
        return status, top_table(top, taxonomy), bars, mix, arc

    def catalog_song_lyrics(self, song_id: str):
        """Fill the lyrics box with a catalog song (the demo catalog carries its fictional lyrics)."""
        if not song_id:
            return gr.update(), ""
        try:
            catalog = self.catalog.get()
        except AppError as e:
            return gr.update(), problem(str(e))
        from hub.recommender import RecommenderError

        try:
            catalog.recommender.row_of(song_id)
        except RecommenderError as e:
            return gr.update(), problem(str(e))
        text = catalog.lyrics.get(song_id, "")
        if not text:
            return gr.update(), problem("this catalog stores no lyric text (lyrics are copyrighted): paste the lyrics, "
                                        "or use 유사곡 찾기 / Similar songs with the stored emotion vector.")
        return text, ok("catalog lyrics loaded" + (" (demo data: fictional lines)" if catalog.demo else "")
                        + " — press 분석 / Analyze")

    # 유사곡 찾기 / Similar songs
    def search(self, query: str):
        try:
            catalog = self.catalog.get()
        except AppError as e:
            return gr.update(choices=[], value=None), problem(str(e))
        found = catalog.recommender.search(query) if (query or "").strip() else catalog.recommender.songs
        if len(found) == 0:
            return gr.update(choices=[], value=None), problem(f"no song title or artist contains {query!r}")
        choices = catalog.choices(found)
        more = f" (showing {len(choices)})" if len(found) > len(choices) else ""
        return gr.update(choices=choices, value=choices[0][1]), ok(f"{len(found)} song(s) found{more}")

    def similar(self, mode: str, song_id: str, lyrics: str, query_year, method: str, top1_weight: float,
                other_artists: bool, min_year_gap: float, progress=gr.Progress(track_tqdm=True)):
        """status, results table, heatmap of query + results."""
        from hub.catalog_views import plot_similarity_heatmap
        from hub.recommender import Recommender, RecommenderError

        try:
            catalog = self.catalog.get()
            rec = catalog.recommender
            filters = dict(method=method, top1_weight=float(top1_weight), k=TOP_K,
                           exclude_same_artist=bool(other_artists), min_year_gap=int(min_year_gap or 0))
            if mode == "lyrics":
                text = check_lyrics(lyrics or "")
                predictor = self.predictor_for_catalog(catalog, text, progress)
                vector = predictor.predict([text])[0]  # the lines it reads (Korean lines for a Korean model)
                if filters["exclude_same_artist"]:
                    filters["exclude_same_artist"] = False  # pasted lyrics have no artist to exclude
                year = int(query_year) if query_year not in (None, "") and float(query_year) > 0 else None
                if filters["min_year_gap"] > 0 and year is None:
                    raise AppError("a minimum year gap needs your song's year: fill in 연도 / Year, or set the gap to 0.")
                results = rec.recommend(vector=vector, query_year=year, **filters)
                query = {"song_id": "__query__", "title": "입력 가사 / your lyrics", "artist": "query", "year": year}
            else:
                if not song_id:
                    raise AppError("pick a song first: type part of a title or artist and press 검색 / Search.")
                results = rec.recommend(song_id=song_id, **filters)
                vector = rec.vectors[rec.row_of(song_id)]
                query = rec.songs.iloc[rec.row_of(song_id)][["song_id", "title", "artist", "year"]].to_dict()
        except (AppError, LyricsError, RecommenderError) as e:
            return problem(str(e)), pd.DataFrame(columns=SIMILAR_COLUMNS), None
        if results.empty:
            return (problem("no song passes the filters: lower the year gap or allow the same artist."),
                    pd.DataFrame(columns=SIMILAR_COLUMNS), None)
        table = pd.DataFrame(dict(zip(SIMILAR_COLUMNS, [
            range(1, len(results) + 1), results["title"], results["artist"],
            results["year"].astype("string").fillna("?"), results["similarity"].round(4),
            [", ".join(t) for t in results["top_labels"]]])))
        # heatmap over the query and its results, through the same similarity code
        ids = [query["song_id"]] + list(results["song_id"])
        vectors = np.vstack([vector] + [rec.vectors[rec.row_of(s)] for s in results["song_id"]])
        songs = [query] + results[["song_id", "title", "artist", "year"]].to_dict("records")
        local = Recommender(vectors, songs, rec.labels, index="exact")
        heatmap = _fig(plot_similarity_heatmap(local, ids, method=method, top1_weight=float(top1_weight)))
        note = " · demo catalog (fictional songs)" if catalog.demo else ""
        return ok(f"top-{len(results)} for **{query['title']}** ({method}){note}"), table, heatmap

    def predictor_for_catalog(self, catalog: Catalog, text: str, progress) -> EmotionPredictor:
        """The configured model whose labels are the catalog's (vectors must be comparable)."""
        roles = [MODEL_ENGLISH, MODEL_KOREAN] if mostly_latin(text) else [MODEL_KOREAN, MODEL_ENGLISH]
        tried = []
        for role in roles:
            if role not in self.models.names:
                continue
            predictor = self.models.get(role, progress)
            if list(predictor.labels) == catalog.labels:
                return predictor
            tried.append(f"{predictor.name} ({len(predictor.labels)} labels)")
        raise AppError(f"the catalog's vectors have {len(catalog.labels)} labels (model {catalog.model}); no configured "
                       f"model matches ({', '.join(tried) or 'none'}). Configure the model that built the catalog.")

    # 평가 / Evaluation
    def evaluate(self, roles: list[str], source: str, upload, taxonomy_name: str, similarity: str,
                 progress=gr.Progress(track_tqdm=True)):
        """status, results table, S heatmap."""
        from hub.labelled_data import DataFormatError
        from training.evaluate import LabelMismatchError, evaluate

        taxonomy = TAXONOMY_CHOICES.get(taxonomy_name, AIHUB)
        try:
            if not roles:
                raise AppError("tick at least one model to evaluate.")
            if source == "upload":
                if not upload:
                    raise AppError("upload a labelled file (CSV/TSV/JSONL with text and label columns, KOTE TSV, or "
                                   "AI-Hub JSON/ZIP/XLSX), or choose the built-in demo set.")
                path = Path(upload if isinstance(upload, str) else upload.name)
            else:
                if taxonomy.name not in DEMO_LABELLED:
                    raise AppError(f"there is no built-in demo set with the {taxonomy.name} labels (there are KOTE and "
                                   "AI-Hub ones): choose one of those label sets, or upload a file.")
                path = DEMO_LABELLED[taxonomy.name]
            predictors = {self.models.names[r]: self.models.get(r, progress) for r in roles}
            if similarity == "embedding" and not any(hasattr(p, "tokenizer") for p in predictors.values()):
                raise AppError("the 'embedding' S embeds label names with a transformer model's encoder, and none of "
                               "the ticked models is one (the Korean engine is a dictionary): choose identity or "
                               "taxonomy, or configure a transformer model.")
            progress(0.3, desc="scoring the labelled set")
            rows, s = evaluate(list(predictors), path, similarity=similarity, taxonomy=taxonomy, predictors=predictors)
        except (AppError, DataFormatError, LabelMismatchError, LyricsError, ValueError) as e:
            message = str(e)
            for demo in DEMO_LABELLED.values():
                message = message.replace(str(demo), "the built-in demo set")
            if source == "upload" and upload:  # show the user's file name, not the server's temp path
                uploaded = Path(upload if isinstance(upload, str) else upload.name)
                message = message.replace(str(uploaded), uploaded.name)
            return problem(message), pd.DataFrame(columns=EVAL_COLUMNS), None
        shown = [k for k in EVAL_FIGURES if any(k in r for r in rows)]
        name = lambda k: f"L (S={similarity})" if k == "similarity_weighted" else EVAL_FIGURES[k]  # noqa: E731
        table = pd.DataFrame([{"모델 / Model": r["model"], **{name(k): round(r[k], 4) if isinstance(r.get(k), float)
                                                             else r.get(k, "–") for k in shown}} for r in rows])
        heatmap = _fig(plots.plot_similarity_matrix(s, list(taxonomy.labels), f"Label similarity S = {similarity}"))
        data = "built-in demo set (fictional sentences)" if source != "upload" else Path(path).name
        return ok(f"{len(rows)} model(s) on {rows[0]['rows']} rows of {data}"), table, heatmap

    # 카탈로그 / Catalog
    def catalog_summary(self) -> str:
        try:
            c = self.catalog.get()
        except AppError as e:
            return f"{PROBLEM_MARK} **{e}**"
        years = c.recommender.songs["year"].dropna()
        span = f", {int(years.min())}–{int(years.max())}" if len(years) else ""
        demo = ("\n\n**데모 데이터 / Demo data**: fictional songs and lyrics written for gasa, not real songs."
                if c.demo else "")
        return (f"**{len(c.recommender):,} songs**{span} · {len(c.labels)} emotion labels · vectors by `{c.model}` · "
                f"source `{Path(c.source).name if c.demo else c.source}`{demo}")

    def catalog_views(self, k: float, method: str, progress=gr.Progress(track_tqdm=True)):
        """status, recommendation histogram, emotion map."""
        from hub.catalog_views import plot_emotion_map, plot_recommendation_histogram, recommendation_distribution

        try:
            catalog = self.catalog.get()
        except AppError as e:
            return problem(str(e)), None, None
        if len(catalog.recommender) < 2:
            return problem("the catalog needs at least two songs to recommend anything."), None, None
        dist = recommendation_distribution(catalog.recommender, k=int(k), method=method, progress=True)
        counts = dist["counts"]
        most = catalog.recommender.songs.iloc[int(np.argmax(counts))]
        status = ok(f"coverage **{dist['coverage']:.1%}** (songs recommended at least once) · Gini **{dist['gini']:.3f}** "
                    f"(0 = even) · most recommended: {song_label(most)} ×{int(counts.max())} "
                    f"({counts.max() / max(counts.sum(), 1):.1%} of all recommendations)")
        return (status, _fig(plot_recommendation_histogram(dist)), _fig(plot_emotion_map(catalog.recommender)))

    # page load: fill the song pickers
    def on_load(self):
        try:
            choices = self.catalog.get().choices()
        except AppError:
            choices = []
        return gr.update(choices=choices), gr.update(choices=choices), self.catalog_summary()


# --- the UI ------------------------------------------------------------------------------------------

INTRO = """# 가사 gasa — 가사 속 감정 / emotion in song lyrics
가사를 붙여 넣으면 감정을 읽고, 감정이 닮은 노래를 시대를 넘어 찾아 줍니다.
Paste lyrics to read their emotion; find songs whose lyrics feel alike, decades apart."""


def config_note(config: AppConfig) -> str:
    english = f"`{config.english_model}`" if config.english_model else \
        "none (set `--english-model` / `GASA_ENGLISH_MODEL` for English lyrics)"
    demo = (" · **데모 데이터 / Demo data**: the catalog and the evaluation set are fictional lines written for "
            "gasa, not real songs" if config.demo_catalog else "")
    return (f"한국어 모델 / Korean model: `{config.korean_model}` · English model: {english} · "
            f"카탈로그 / Catalog: `{'demo' if config.demo_catalog else config.songs}`{demo}")


def build_app(config: AppConfig) -> gr.Blocks:
    app = App(config)
    model_choices = [("자동 / Auto (Korean, or English for mostly-Latin lyrics)", MODEL_AUTO),
                     (f"한국어 / Korean: {config.korean_model}", MODEL_KOREAN)]
    if config.english_model:
        model_choices.append((f"English: {config.english_model}", MODEL_ENGLISH))
    eval_choices = [(name, role) for role, name in app.models.names.items()]
    default_label_set = "aihub" if config.korean_model == "gasa-korean-engine" else "kote"

    with gr.Blocks(title="gasa 가사 — emotion in song lyrics") as demo:
        demo.gasa = app  # for tests and benchmarks
        gr.Markdown(INTRO)
        gr.Markdown(config_note(config), elem_id="config-note")
        with gr.Tabs():
            with gr.Tab("가사 분석 / Lyric analysis", id="analysis"):
                with gr.Row():
                    with gr.Column(scale=1):
                        lyrics = gr.Textbox(label="가사 / Lyrics", lines=12, elem_id="lyrics",
                                            placeholder="가사를 붙여 넣으세요 (연은 빈 줄로 나눕니다) / Paste lyrics "
                                                        "(blank lines separate stanzas)")
                        pick = gr.Dropdown(label="또는 카탈로그 곡 / or a catalog song", choices=[], value=None,
                                           allow_custom_value=True, elem_id="analysis-song")
                        model = gr.Radio(model_choices, value=MODEL_AUTO, label="모델 / Model", elem_id="analysis-model")
                        analyze_btn = gr.Button("분석 / Analyze", variant="primary", elem_id="analyze-btn")
                    with gr.Column(scale=1):
                        a_status = gr.Markdown(elem_id="analysis-status")
                        a_table = gr.Dataframe(label="상위 10개 감정 / Top-10 emotions", interactive=False,
                                               elem_id="analysis-table")
                with gr.Row():
                    a_bars = gr.Plot(show_label=False, label="상위 10개 감정 / Top-10 emotions",
                                     elem_id="top10-plot", format="png")
                    a_mix = gr.Plot(show_label=False, label="감정 그룹 / Group mix",
                                    elem_id="group-plot", format="png")
                a_arc = gr.Plot(show_label=False, label="감정 흐름 / Emotion arc", elem_id="arc-plot", format="png")
                analyze_btn.click(app.analyze, [lyrics, model], [a_status, a_table, a_bars, a_mix, a_arc],
                                  api_name="analyze")
                pick.change(app.catalog_song_lyrics, [pick], [lyrics, a_status], api_name="catalog_lyrics")

            with gr.Tab("유사곡 찾기 / Similar songs", id="similar"):
                with gr.Row():
                    with gr.Column(scale=1):
                        mode = gr.Radio([("카탈로그 곡 / Catalog song", "song"), ("가사 붙여넣기 / Pasted lyrics", "lyrics")],
                                        value="song", label="질의 / Query", elem_id="similar-mode")
                        with gr.Row():
                            query = gr.Textbox(label="제목·가수 검색 / Search title or artist", elem_id="similar-search",
                                               scale=3)
                            search_btn = gr.Button("검색 / Search", elem_id="search-btn", scale=1)
                        song = gr.Dropdown(label="곡 / Song", choices=[], value=None, allow_custom_value=True,
                                           elem_id="similar-song")
                        s_lyrics = gr.Textbox(label="가사 / Lyrics (pasted-lyrics query)", lines=5,
                                              elem_id="similar-lyrics")
                        s_year = gr.Number(label="연도 / Year of the pasted song (optional, for the year gap)",
                                           value=None, precision=0, elem_id="similar-year")
                    with gr.Column(scale=1):
                        method = gr.Radio([("코사인 / Cosine", "cosine"), ("가중 코사인 / Weighted cosine", "weighted")],
                                          value="cosine", label="유사도 / Similarity", elem_id="similar-method")
                        weight = gr.Slider(1, 5, value=2, step=0.5, label="가중치 / Top-1 emotion weight (weighted)")
                        other = gr.Checkbox(label="다른 가수만 / Other artists only", value=False, elem_id="other-artists")
                        gap = gr.Slider(0, 30, value=0, step=1, label="최소 연도 차 / Minimum year gap",
                                        elem_id="year-gap")
                        similar_btn = gr.Button("유사곡 찾기 / Find similar songs", variant="primary",
                                                elem_id="similar-btn")
                s_status = gr.Markdown(elem_id="similar-status")
                s_table = gr.Dataframe(label="유사곡 top-10 / Top-10 similar songs", interactive=False,
                                       elem_id="similar-table", wrap=True)
                s_heat = gr.Plot(show_label=False, label="유사도 히트맵 / Similarity heatmap",
                                 elem_id="similar-heatmap", format="png")
                search_btn.click(app.search, [query], [song, s_status], api_name="search")
                query.submit(app.search, [query], [song, s_status])
                similar_btn.click(app.similar, [mode, song, s_lyrics, s_year, method, weight, other, gap],
                                  [s_status, s_table, s_heat], api_name="similar")

            with gr.Tab("평가 / Evaluation", id="evaluation"):
                with gr.Row():
                    with gr.Column(scale=1):
                        e_models = gr.CheckboxGroup(eval_choices, value=["korean"], label="모델 / Models",
                                                    elem_id="eval-models")
                        e_source = gr.Radio([("내장 데모 세트 / Built-in demo set (fictional sentences)", "demo"),
                                             ("업로드 / Uploaded file", "upload")], value="demo",
                                            label="평가 데이터 / Labelled set", elem_id="eval-source")
                        e_file = gr.File(label="CSV / TSV / JSONL (text, label), KOTE TSV (id, text, label ids) or "
                                               "AI-Hub JSON / ZIP / XLSX",
                                         file_types=EVAL_FILE_TYPES, elem_id="eval-file")
                    with gr.Column(scale=1):
                        e_tax = gr.Dropdown([("KOTE 44 labels (multi-label)", "kote"), ("AI-Hub 60 labels", "aihub"),
                                             ("GoEmotions 28 labels", "goemotions")],
                                            value=default_label_set, label="레이블 체계 / Label set",
                                            elem_id="eval-taxonomy")
                        e_sim = gr.Radio(list(SIMILARITY_KINDS), value="taxonomy", elem_id="eval-similarity",
                                         label="유사도 행렬 S / Label similarity S (identity: mean probability of the "
                                               "true label; taxonomy: 0.5 within a group; embedding: label-name embeddings)")
                        eval_btn = gr.Button("평가 / Evaluate", variant="primary", elem_id="eval-btn")
                e_status = gr.Markdown(elem_id="eval-status")
                e_table = gr.Dataframe(label="결과 / Results", interactive=False, elem_id="eval-table")
                e_heat = gr.Plot(show_label=False, label="S 히트맵 / S heatmap", elem_id="eval-heatmap", format="png")
                e_file.upload(lambda f: "upload", [e_file], [e_source])
                eval_btn.click(app.evaluate, [e_models, e_source, e_file, e_tax, e_sim], [e_status, e_table, e_heat],
                               api_name="evaluate")

            with gr.Tab("카탈로그 / Catalog", id="catalog"):
                c_summary = gr.Markdown(elem_id="catalog-summary")
                with gr.Row():
                    c_k = gr.Slider(1, 20, value=TOP_K, step=1, label="top-k", elem_id="catalog-k")
                    c_method = gr.Radio([("코사인 / Cosine", "cosine"), ("가중 코사인 / Weighted cosine", "weighted")],
                                        value="cosine", label="유사도 / Similarity")
                    c_btn = gr.Button("분포 계산 / Compute distribution", variant="primary", elem_id="catalog-btn")
                c_status = gr.Markdown(elem_id="catalog-status")
                with gr.Row():
                    c_hist = gr.Plot(show_label=False, label="추천 분포 / How evenly songs get recommended",
                                     elem_id="catalog-hist",
                                     format="png")
                    c_map = gr.Plot(show_label=False, label="감정 지도 / Emotion map (PCA)",
                                    elem_id="catalog-map", format="png")
                c_btn.click(app.catalog_views, [c_k, c_method], [c_status, c_hist, c_map], api_name="catalog")

        demo.load(app.on_load, None, [pick, song, c_summary])
    return demo


def main(argv=None) -> None:
    config = parse_config(argv)
    demo = build_app(config)
    demo.queue(default_concurrency_limit=2).launch(server_name=config.host, server_port=config.port,
                                                   max_file_size="20mb", show_error=False)


if __name__ == "__main__":
    main()
