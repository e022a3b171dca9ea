"""Push the Gradio app to a Hugging Face Space.

    python -m training.push_space --repo ORG/NAME [--korean-model ID] [--english-model ID] [--songs ID]
                                  [--eval-model ID ...] [--private] [--dry-run] [--output DIR]

Stages exactly what the Space runs — ``app.py``, the ``hub/`` package with its data (the offline Korean
dictionary and the demo catalog; ``hub/`` never imports ``training/``, which stays home), the README with
its Space front matter, ``space_requirements.txt`` as the Space's ``requirements.txt`` and a
``packages.txt`` asking for a Hangul font — then creates the Space (sdk gradio) if needed, uploads the
folder, and stores the model / dataset choices as Space variables (``GASA_KOREAN_MODEL`` ...), which
``app.py`` reads. The front matter's ``models`` and ``datasets`` lists are rewritten to exactly what
the configured Space loads from the Hub (none for the embedded default: the built-in model and the
demo catalog travel in ``hub/``), so that the Hub links the Space to what it uses, and its
``preload_from_hub`` lists the Hub models, which the Space then downloads when it is built rather
than on a visitor's first request. Needs a token (``hf auth login`` or HF_TOKEN); ``--dry-run`` only
stages (into ``--output``) and prints what would be pushed.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from hub.models.registry import BUILTIN_PREDICTORS
from hub.sources import is_hub_id

ROOT = Path(__file__).resolve().parent.parent
SPACE_FILES = ["app.py", "README.md"]
SPACE_TREES = ["hub"]  # hub/space/ holds the page's tabs
APT_PACKAGES = ["fonts-nanum"]  # Hangul glyphs for the matplotlib figures


class SpaceError(ValueError):
    """A Space that cannot be staged or pushed; the message says why."""


def is_hub_model(name: str | None) -> bool:
    """An ``org/name`` Hub id (not a local folder, not a built-in model)."""
    return bool(name) and name not in BUILTIN_PREDICTORS and is_hub_id(name)


def space_variables(korean_model=None, english_model=None, songs=None, eval_models=()) -> dict[str, str]:
    named = [("GASA_KOREAN_MODEL", korean_model), ("GASA_ENGLISH_MODEL", english_model), ("GASA_SONGS", songs),
             *(("GASA_EVAL_MODELS", m) for m in eval_models)]
    for key, value in named:  # each eval model on its own: the joined list is never an org/name id
        if value and not is_hub_id(value) and value not in BUILTIN_PREDICTORS:
            raise SpaceError(f"{key}={value!r} is a local path: a Space can only reach Hub ids (org/name) "
                             "or built-in engines; push the model or dataset to the Hub first.")
    out = {"GASA_KOREAN_MODEL": korean_model, "GASA_ENGLISH_MODEL": english_model, "GASA_SONGS": songs,
           "GASA_EVAL_MODELS": ",".join(eval_models) if eval_models else None}
    return {k: v for k, v in out.items() if v}


def _copy_tree(src: Path, dst: Path) -> None:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints"))


def stage_space(output: Path, korean_model=None, english_model=None, songs=None, eval_models=()) -> Path:
    """Write the Space's files into ``output`` (which must be empty or absent) and return it."""
    from huggingface_hub import RepoCard

    output = Path(output)
    if output.exists() and any(output.iterdir()):
        raise SpaceError(f"{output} is not empty; give a new folder for the staged Space.")
    output.mkdir(parents=True, exist_ok=True)
    for name in SPACE_FILES:
        (output / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, output / name)
    for tree in SPACE_TREES:
        _copy_tree(ROOT / tree, output / tree)
    shutil.copy2(ROOT / "space_requirements.txt", output / "requirements.txt")
    (output / "packages.txt").write_text("\n".join(APT_PACKAGES) + "\n", encoding="utf-8")

    card = RepoCard.load(output / "README.md", repo_type="space")
    if getattr(card.data, "sdk", None) != "gradio" or getattr(card.data, "app_file", None) != "app.py":
        raise SpaceError("README.md's front matter must say sdk: gradio and app_file: app.py")
    hub = hub_repos(korean_model, english_model, songs, eval_models)
    card.data.models = hub["models"]
    card.data.datasets = hub["datasets"]
    if hub["models"]:
        card.data.preload_from_hub = list(hub["models"])  # a copy: YAML would write an alias
    elif hasattr(card.data, "preload_from_hub"):
        del card.data.preload_from_hub
    card.save(output / "README.md")
    return output


def hub_repos(korean_model=None, english_model=None, songs=None, eval_models=()) -> dict[str, list[str]]:
    """The Hub models and datasets a Space with these settings loads (unset: the app's defaults,
    ``gasa-korean-kote`` and the demo catalog, which load nothing from the Hub)."""
    models = list(dict.fromkeys(m for m in [korean_model, english_model, *eval_models] if is_hub_model(m)))
    return {"models": models, "datasets": [songs] if songs and is_hub_id(songs) else []}


def push_space(repo: str, staged: Path, variables: dict[str, str], private: bool = False) -> str:
    from huggingface_hub import HfApi

    api = HfApi()
    api.create_repo(repo, repo_type="space", space_sdk="gradio", private=private, exist_ok=True)
    # training/** too: Spaces pushed before hub/evaluation.py existed carry a training/ folder
    info = api.upload_folder(repo_id=repo, repo_type="space", folder_path=str(staged),
                             commit_message="Upload the gasa app", delete_patterns=["hub/**", "training/**"])
    for key, value in variables.items():
        api.add_space_variable(repo, key, value)
    return str(info)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.push_space", description=__doc__.split("\n\n")[0])
    p.add_argument("--repo", required=True, help="Space id ORG/NAME")
    p.add_argument("--korean-model", help="Hub id for the Korean model (default: the offline engine)")
    p.add_argument("--english-model", help="Hub id of a GoEmotions model for the English lines (default: the built-in "
                                           "gasa-english-goemotions)")
    p.add_argument("--songs", help="Hub id of a song-vector dataset (default: the demo catalog)")
    p.add_argument("--eval-model", action="append", default=[], help="extra model for the evaluation tab")
    p.add_argument("--private", action="store_true")
    p.add_argument("--dry-run", action="store_true", help="stage only; print the files")
    p.add_argument("--output", help="folder for the staged Space (default: a temporary folder)")
    args = p.parse_args(argv)
    if args.repo.count("/") != 1:
        print(f"error: --repo must be ORG/NAME, got {args.repo!r}", file=sys.stderr)
        return 2
    try:
        variables = space_variables(args.korean_model, args.english_model, args.songs, args.eval_model)
        with tempfile.TemporaryDirectory() as tmp:
            staged = stage_space(Path(args.output or Path(tmp) / "space"), args.korean_model, args.english_model,
                                 args.songs, args.eval_model)
            files = sorted(str(f.relative_to(staged)) for f in staged.rglob("*") if f.is_file())
            print(f"staged {len(files)} files in {staged}; Space variables: {variables or '(defaults)'}")
            if args.dry_run:
                print("\n".join(files))
                return 0
            print(push_space(args.repo, staged, variables, args.private))
    except SpaceError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
