"""What the tabs share: the configured models and the song catalog, each loaded on first use and cached.

A model that cannot be loaded is remembered as a message naming the flag to fix, so one bad model
never stops the other tabs. A first load reports progress steps (Kiwi, the weights, a first run),
and the bar keeps creeping within a step, so a cold start never sits at one figure.
"""
from __future__ import annotations

import contextvars
import logging
import math
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import pandas as pd

from hub.models.base import EmotionPredictor, ModelLoadError
from hub.models.registry import class_attribute, load_predictor
from hub.space.config import DEFAULT_KOREAN_MODEL, AppConfig

MAX_DROPDOWN_SONGS = 500
logger = logging.getLogger("gasa.app")


class AppError(Exception):
    """Something the user can act on; its message is shown in the page as is."""


# --- progress while a model loads -------------------------------------------------------------------

@contextmanager
def progress_step(progress, start: float, end: float, desc: str, expected_s: float):
    """Show ``desc`` at ``start`` and let the bar creep towards ``end`` while the block runs (a step of
    about ``expected_s`` seconds gets about two thirds of the way), so the page shows it is working."""
    if progress is None:
        yield
        return
    progress(start, desc=desc)
    done = threading.Event()
    began = time.perf_counter()

    def creep():
        while not done.wait(0.25):
            share = 1 - math.exp(-(time.perf_counter() - began) / expected_s)
            progress(start + (end - start) * share, desc=desc)

    # the progress callback finds its event through context variables: run the ticker in this context
    ticker = threading.Thread(target=contextvars.copy_context().run, args=(creep,), daemon=True)
    ticker.start()
    try:
        yield
    finally:
        done.set()
        ticker.join()


def reads_with_kiwi(name: str) -> bool:
    """Does the model of this kind tokenize Korean with Kiwi (the built-in and saved Korean models do;
    transformer models bring their own tokenizer)? Asked of its class, before the model loads."""
    return class_attribute(name, "uses_kiwi", False)


def load_model(name: str, english: bool = False, progress=None) -> EmotionPredictor:
    """Load ``name`` in steps the progress bar shows: Kiwi (Korean engines), the model, a first run."""
    if not english and reads_with_kiwi(name):
        from hub.korean_text import get_kiwi

        # two steps: Kiwi's C++ code holds the interpreter, so the bar cannot creep within them
        with progress_step(progress, 0.02, 0.2, "starting Kiwi, the Korean morphological analyzer (first use)", 1.0):
            kiwi = get_kiwi()
        with progress_step(progress, 0.2, 0.4, "Kiwi: loading its language model (first use)", 1.5):
            kiwi.tokenize("처음 불러올 때 형태소 분석기를 준비합니다")
    with progress_step(progress, 0.4, 0.8, f"loading {name} (first use; cached afterwards)", 2.0):
        if english:
            from hub.models.bilingual import load_english

            predictor = load_english(name)
        else:
            predictor = load_predictor(name)
    if predictor.language == "ko":
        with progress_step(progress, 0.8, 0.9, f"{name}: first run", 0.5):
            predictor.predict_texts(["처음 불러올 때 형태소 분석기를 준비합니다"])
    return predictor


# --- the models -------------------------------------------------------------------------------------

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
        self._reader_lock = threading.Lock()

    @staticmethod
    def flag_of(role: str) -> str:
        return {"korean": "--korean-model / GASA_KOREAN_MODEL",
                "english": "--english-model / GASA_ENGLISH_MODEL"}.get(role, "--eval-model / GASA_EVAL_MODELS")

    def get(self, role: str, progress=None) -> EmotionPredictor:
        if role not in self.names:
            logger.warning("no model is configured for %s (%s)", role, self.flag_of(role))
            raise AppError("이 모델은 이 앱에서 쓸 수 없습니다. '자동'을 골라 주세요 / This model is not available in this "
                           "app: choose 자동 / Auto.")
        with self._locks[role]:
            if role in self._loaded:
                return self._loaded[role]
            if role in self._failed:
                raise AppError(self._failed[role])
            name = self.names[role]
            try:
                predictor = load_model(name, english=role == "english", progress=progress)
            except Exception as e:  # noqa: BLE001 - any load failure becomes a message; other tabs keep working
                message = str(e).splitlines()[0] if str(e) else type(e).__name__
                if not isinstance(e, ModelLoadError):
                    message = f"could not load the model {name!r} ({type(e).__name__}: {message})"
                offline = f"; '{DEFAULT_KOREAN_MODEL}' works offline" if role != "english" else ""
                # the operator's fix goes to the log; the visitor learns what does not work and what still does
                logger.error("%s. Check the id or folder, the network (HF_HUB_OFFLINE=1 allows only cached models), "
                             "or set %s to another model%s.", message.rstrip("."), self.flag_of(role), offline)
                self._failed[role] = (f"모델 `{name}`을(를) 불러오지 못했습니다 / The model `{name}` could not be "
                                      f"loaded ({message.rstrip('.')}). 다른 탭은 그대로 쓸 수 있습니다 / The other "
                                      "tabs still work.")
                raise AppError(self._failed[role]) from None
            self._loaded[role] = predictor
            return predictor


    def reader(self, progress=None) -> EmotionPredictor:
        """What reads a visitor's lyrics by default: the Korean and the English model together, each line by the
        model of its language (:class:`hub.models.bilingual.BilingualModel`), or the Korean model alone where
        there is no English model or its labels are not KOTE's. An English model that fails to load is logged
        and the Korean model reads alone."""
        from hub.models.bilingual import BilingualModel, reads_bilingual

        with self._reader_lock:
            if "reader" in self._loaded:
                return self._loaded["reader"]
            korean = self.get("korean", progress)
            reader = korean
            if "english" in self.names and reads_bilingual(korean):
                try:
                    reader = BilingualModel(korean, self.get("english", progress))
                except (AppError, ModelLoadError) as e:
                    logger.warning("English lines will not be read: %s", e)
            self._loaded["reader"] = reader
            return reader


# --- the song catalog -------------------------------------------------------------------------------

def song_label(row) -> str:
    year = "" if pd.isna(row.year) else f" ({int(row.year)})"
    return f"{row.title} — {row.artist}{year}"


@dataclass
class Catalog:
    recommender: object
    lyrics: dict[str, str]
    model: str
    source: str
    demo: bool
    urls: dict[str, str] = field(default_factory=dict)  # song id -> its page, from the optional url column
    aliases: list | None = None  # per song, other names (the optional aliases column), for search

    @property
    def labels(self) -> list[str]:
        return self.recommender.labels

    def choices(self, frame: pd.DataFrame | None = None, limit: int = MAX_DROPDOWN_SONGS):
        frame = self.recommender.songs if frame is None else frame
        return [(song_label(row), str(row.song_id)) for row in frame.head(limit).itertuples()]


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
                # with its source: the statistics and the story view stored beside it (pasted lyrics get a story)
                recommender = Recommender.from_dataset(ds, source=self.config.songs)
            except Exception as e:  # noqa: BLE001 - SongDatasetError and friends: say what and how to fix
                logger.error("the song catalog %r could not be loaded (%s). Set --songs / GASA_SONGS to a song-vector "
                             "dataset folder or Hub id, or leave it unset for the demo catalog.", self.config.songs, e)
                self._error = ("노래 카탈로그를 불러오지 못했습니다 / The song catalog could not be loaded "
                               f"({str(e).splitlines()[0] if str(e) else type(e).__name__}). 가사 분석 탭은 그대로 쓸 수 "
                               "있습니다 / The lyric analysis tab still works.")
                raise AppError(self._error) from None
            lyrics = dict(zip(ds["song_id"], ds["lyrics"])) if "lyrics" in ds.column_names else {}
            models = sorted(set(ds["model"])) if len(ds) else []
            urls = {i: u for i, u in zip(ds["song_id"], ds["url"]) if u} if "url" in ds.column_names else {}
            aliases = list(ds["aliases"]) if "aliases" in ds.column_names else None
            self._catalog = Catalog(recommender, lyrics, ", ".join(models), self.config.songs, self.config.demo_catalog,
                                    urls, aliases)
            return self._catalog

    def choices(self) -> list[tuple[str, str]]:
        """The song pickers' choices ([] when the catalog cannot be loaded: the catalog tab says why)."""
        try:
            return self.get().choices()
        except AppError:
            return []


class State:
    """Everything the handlers share: the configuration, the models and the catalog."""

    def __init__(self, config: AppConfig):
        self.config = config
        self.models = Models(config)
        self.catalog = CatalogStore(config)
