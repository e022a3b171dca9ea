"""Model cards and Hub pushes shared by the training scripts."""
from __future__ import annotations

from pathlib import Path

from huggingface_hub import ModelCard, ModelCardData

TEMPLATE = Path(__file__).resolve().parent.parent / "model_card.md"


def markdown_table(rows: list[dict], floatfmt: str = "{:.4f}") -> str:
    """A Markdown table from a list of dicts sharing their keys (floats formatted)."""
    if not rows:
        return "_no rows_"
    keys = list(rows[0])
    cell = lambda v: floatfmt.format(v) if isinstance(v, float) else str(v)  # noqa: E731
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(cell(r.get(k, "")) for k in keys) + " |" for r in rows]
    return "\n".join(lines)


def write_model_card(output_dir, card_data: ModelCardData, template_path=TEMPLATE, **fields) -> Path:
    """Fill the model card template (Jinja) and write it to ``output_dir/README.md``."""
    card = ModelCard.from_template(card_data, template_path=str(template_path), **fields)
    path = Path(output_dir) / "README.md"
    card.save(path)
    return path


def push_folder(folder, repo_id: str, repo_type: str = "model", message: str = "Upload from gasa",
                ignore_patterns: list[str] | None = None) -> str:
    """Create ``repo_id`` if needed and upload ``folder``, leaving out files matching ``ignore_patterns``
    (needs a token: `hf auth login` or HF_TOKEN)."""
    from huggingface_hub import HfApi

    api = HfApi()
    api.create_repo(repo_id, repo_type=repo_type, exist_ok=True)
    info = api.upload_folder(folder_path=str(folder), repo_id=repo_id, repo_type=repo_type,
                             commit_message=message, ignore_patterns=ignore_patterns)
    return str(info)
