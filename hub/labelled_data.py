"""Reading labelled text sets: AI-Hub 감성대화말뭉치 (JSON, zipped JSON, xlsx) and plain
CSV / TSV / JSONL files with ``text`` and ``label`` columns.

Every reader returns :class:`LabelledTexts` with label ids in a :class:`hub.labels.Taxonomy`'s
order, or raises :class:`DataFormatError` naming the file, the row and the problem.
"""
from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .labels import AIHUB, Taxonomy

PERSON_TURNS = ("HS01", "HS02", "HS03")
XLSX_PERSON_COLUMNS = ("사람문장1", "사람문장2", "사람문장3")
XLSX_LABEL_COLUMNS = ("감정_대분류", "감정_소분류")
MAX_REPORTED_ROWS = 5


class DataFormatError(ValueError):
    """A data file that cannot be read as labelled texts; the message names file, row and problem."""


@dataclass
class LabelledTexts:
    texts: list[str]
    labels: np.ndarray
    taxonomy: Taxonomy
    source: str

    def __len__(self) -> int:
        return len(self.texts)


def _fail(path, problems: list[str]):
    shown = "; ".join(problems[:MAX_REPORTED_ROWS])
    more = f" (and {len(problems) - MAX_REPORTED_ROWS} more)" if len(problems) > MAX_REPORTED_ROWS else ""
    raise DataFormatError(f"{path}: {shown}{more}")


def _finish(path, texts, labels, problems, taxonomy) -> LabelledTexts:
    if problems:
        _fail(path, problems)
    if not texts:
        raise DataFormatError(f"{path}: the file holds no labelled rows")
    return LabelledTexts(texts=texts, labels=np.array(labels, dtype=np.int64), taxonomy=taxonomy, source=str(path))


# --- AI-Hub JSON ------------------------------------------------------------------------------

def _read_json_records(path: Path):
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                members = [m for m in archive.namelist() if m.lower().endswith(".json")]
                if len(members) != 1:
                    raise DataFormatError(f"{path}: expected one .json file in the zip, found {len(members)}")
                raw = archive.read(members[0])
        else:
            raw = path.read_bytes()
        return json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DataFormatError(f"{path}: not a UTF-8 JSON file ({e})") from None


def read_aihub_json(path, taxonomy: Taxonomy = AIHUB) -> LabelledTexts:
    """AI-Hub 감성대화말뭉치 JSON: the person's turns (HS01-HS03) joined, label = emotion type."""
    path = Path(path)
    return _aihub_texts(path, _read_json_records(path), taxonomy)


def _aihub_texts(path: Path, records, taxonomy: Taxonomy) -> LabelledTexts:
    """Texts and labels of parsed AI-Hub dialogue records (``path`` names them in messages)."""
    if not isinstance(records, list):
        raise DataFormatError(f"{path}: expected a JSON list of dialogue records, got {type(records).__name__}")
    texts, labels, problems = [], [], []
    for i, record in enumerate(records):
        try:
            code = record["profile"]["emotion"]["type"]
            content = record["talk"]["content"]
        except (KeyError, TypeError):
            problems.append(f"record {i}: missing profile.emotion.type or talk.content")
            continue
        text = " ".join(str(content.get(k) or "").strip() for k in PERSON_TURNS).strip()
        try:
            label = taxonomy.index(code)
        except KeyError as e:
            problems.append(f"record {i}: {e.args[0]}")
            continue
        if not text:
            problems.append(f"record {i}: the person's sentences (HS01-HS03) are all empty")
            continue
        texts.append(" ".join(text.split()))
        labels.append(label)
    return _finish(path, texts, labels, problems, taxonomy)


# --- AI-Hub xlsx ------------------------------------------------------------------------------

def _xlsx_label(taxonomy: Taxonomy, group: str, name: str) -> int:
    """Map (감정_대분류, 감정_소분류) to a label id. Two names occur in two groups (고립된,
    혼란스러운); in 당황 they are the labels written with '(당황한)'."""
    for candidate in (name, f"{name}({group}한)"):
        if candidate in taxonomy.label2id and taxonomy.group_of(candidate) == group:
            return taxonomy.label2id[candidate]
    if name in taxonomy.label2id and not group:
        return taxonomy.label2id[name]
    raise KeyError(f"unknown emotion {group}/{name}")


def read_aihub_xlsx(path, taxonomy: Taxonomy = AIHUB) -> LabelledTexts:
    """AI-Hub 감성대화말뭉치 xlsx: 사람문장1-3 joined, label from 감정_대분류 + 감정_소분류."""
    import pandas as pd

    path = Path(path)
    try:
        frame = pd.read_excel(path, dtype=str).fillna("")
    except Exception as e:  # openpyxl raises many types for non-xlsx input
        raise DataFormatError(f"{path}: not a readable .xlsx file ({type(e).__name__}: {e})") from None
    missing = [c for c in XLSX_PERSON_COLUMNS[:1] + XLSX_LABEL_COLUMNS if c not in frame.columns]
    if missing:
        raise DataFormatError(
            f"{path}: missing column(s) {', '.join(missing)}; found {', '.join(map(str, frame.columns))}"
        )
    texts, labels, problems = [], [], []
    for i, row in frame.iterrows():
        text = " ".join(row.get(c, "").strip() for c in XLSX_PERSON_COLUMNS).strip()
        group, name = row["감정_대분류"].strip(), row["감정_소분류"].strip()
        try:
            label = _xlsx_label(taxonomy, group, name)
        except KeyError as e:
            problems.append(f"row {i + 2}: {e.args[0]}")
            continue
        if not text:
            problems.append(f"row {i + 2}: 사람문장1-3 are all empty")
            continue
        texts.append(" ".join(text.split()))
        labels.append(label)
    return _finish(path, texts, labels, problems, taxonomy)


# --- plain tables -----------------------------------------------------------------------------

TEXT_COLUMNS = ("text", "sentence", "lyrics")
LABEL_COLUMNS = ("label", "labels", "emotion")


def read_table(path, taxonomy: Taxonomy, data: bytes | None = None) -> LabelledTexts:
    """CSV / TSV / JSONL with a text column (text|sentence|lyrics) and a label column
    (label|labels|emotion) holding label names, E-codes or ids."""
    import pandas as pd

    path = Path(path)
    raw = data if data is not None else path.read_bytes()
    suffix = path.suffix.lower()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataFormatError(f"{path}: not a UTF-8 text file (is it binary?)") from None
    try:
        if suffix in (".jsonl", ".json"):
            frame = pd.read_json(io.StringIO(text), lines=suffix == ".jsonl", dtype=False)
        else:
            frame = pd.read_csv(io.StringIO(text), sep="\t" if suffix == ".tsv" else ",", dtype=str,
                                keep_default_na=False)
    except ValueError as e:
        raise DataFormatError(f"{path}: could not parse as {suffix.lstrip('.').upper()} ({e})") from None
    text_col = next((c for c in TEXT_COLUMNS if c in frame.columns), None)
    label_col = next((c for c in LABEL_COLUMNS if c in frame.columns), None)
    if text_col is None or label_col is None:
        raise DataFormatError(
            f"{path}: needs a text column ({'/'.join(TEXT_COLUMNS)}) and a label column "
            f"({'/'.join(LABEL_COLUMNS)}); found {', '.join(map(str, frame.columns)) or 'no columns'}"
        )
    texts, labels, problems = [], [], []
    for i, (t, lab) in enumerate(zip(frame[text_col], frame[label_col])):
        t = "" if t is None else str(t).strip()
        try:
            label = taxonomy.index(lab if not isinstance(lab, float) else int(lab))
        except (KeyError, ValueError) as e:
            problems.append(f"row {i + 1}: {e.args[0]}")
            continue
        if not t:
            problems.append(f"row {i + 1}: empty text")
            continue
        texts.append(t)
        labels.append(label)
    return _finish(path, texts, labels, problems, taxonomy)


def read_labelled(path, taxonomy: Taxonomy = AIHUB) -> LabelledTexts:
    """Read any supported labelled file, choosing the reader from its extension and shape."""
    path = Path(path)
    if not path.is_file():
        raise DataFormatError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return read_aihub_xlsx(path, taxonomy)
    if suffix in (".zip",):
        return read_aihub_json(path, taxonomy)
    if suffix == ".json":
        records = _read_json_records(path)
        if not isinstance(records, list):
            raise DataFormatError(f"{path}: expected a JSON list (AI-Hub dialogue records, or rows with text "
                                  f"and label), got a JSON {type(records).__name__}")
        if records and isinstance(records[0], dict) and ("profile" in records[0] or "talk" in records[0]):
            return _aihub_texts(path, records, taxonomy)
    if suffix in (".csv", ".tsv", ".jsonl", ".json"):
        return read_table(path, taxonomy)
    raise DataFormatError(
        f"{path}: unsupported file type {suffix or '(none)'}; use AI-Hub .json/.zip/.xlsx, "
        "or .csv/.tsv/.jsonl with text and label columns"
    )
