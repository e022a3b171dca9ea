"""The app's configuration: flags first, then ``GASA_*`` environment variables, then the embedded defaults."""
from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from pathlib import Path

from hub.models.bilingual import DEFAULT_ENGLISH_MODEL

DEMO_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"
DEMO_SONGS = DEMO_DIR / "gasa_demo_catalog"
DEFAULT_KOREAN_MODEL = "gasa-korean-kote"


@dataclass
class AppConfig:
    korean_model: str = DEFAULT_KOREAN_MODEL
    english_model: str | None = DEFAULT_ENGLISH_MODEL
    songs: str = str(DEMO_SONGS)
    eval_models: list[str] = field(default_factory=list)
    host: str | None = None
    port: int | None = None

    @property
    def demo_catalog(self) -> bool:
        return Path(self.songs).resolve() == DEMO_SONGS


def parse_config(argv=None, environ=None) -> AppConfig:
    """``argv`` (``sys.argv[1:]`` when None; ``[]`` for no flags) over ``environ`` (``os.environ``) over defaults."""
    env = os.environ if environ is None else environ
    p = argparse.ArgumentParser(prog="python app.py", description="gasa: emotion in song lyrics (Gradio app)")
    p.add_argument("--korean-model", default=env.get("GASA_KOREAN_MODEL") or DEFAULT_KOREAN_MODEL,
                   help="Korean model: Hub id, local folder or built-in engine name (env GASA_KOREAN_MODEL; "
                        f"default {DEFAULT_KOREAN_MODEL}, offline)")
    p.add_argument("--english-model", default=env.get("GASA_ENGLISH_MODEL") or DEFAULT_ENGLISH_MODEL,
                   help="GoEmotions model for the English lines, read beside the Korean model: built-in, folder or "
                        "Hub id such as SamLowe/roberta-base-go_emotions (env GASA_ENGLISH_MODEL; default "
                        f"{DEFAULT_ENGLISH_MODEL}, offline; 'none' reads Korean lines only)")
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
    english = None if a.english_model.strip().lower() in ("", "none") else a.english_model
    return AppConfig(korean_model=a.korean_model, english_model=english, songs=a.songs,
                     eval_models=eval_models, host=a.host, port=a.port)


def config_note(config: AppConfig) -> str:
    """The line under the title: which models and catalog this page runs on."""
    english = f"`{config.english_model}`" if config.english_model else "none (Korean lines only)"
    demo = (" · **데모 데이터 / Demo data**: the catalog and the evaluation set are fictional lines written for "
            "gasa, not real songs" if config.demo_catalog else "")
    return (f"한국어 모델 / Korean model: `{config.korean_model}` · English model: {english} · "
            f"카탈로그 / Catalog: `{'demo' if config.demo_catalog else catalog_name(config.songs)}`{demo}")


def catalog_name(songs: str) -> str:
    """What the page calls a catalog: a Hub id as it is, a local folder by its name (its path on the server
    means nothing to a visitor)."""
    path = Path(songs)
    return path.name if path.exists() else songs
