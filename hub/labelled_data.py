"""Reading labelled text sets: AI-Hub 감성대화말뭉치 (JSON, zipped JSON, xlsx), KOTE (TSV, or the
Parquet that the Hub converts) and plain CSV / TSV / JSONL files with ``text`` and ``label`` columns.

Every reader returns :class:`LabelledTexts` with label ids in a :class:`hub.labels.Taxonomy`'s
order (single-label: one id per row; multi-label: a 0/1 row per text), or raises
:class:`DataFormatError` naming the file, the row and the problem.

KOTE comes in two shapes:

* TSV without a header, ``id<TAB>text<TAB>comma-separated label ids`` (the data set's own files,
  e.g. ``../shared/data/kote/val.tsv``); texts may be CSV-quoted.
* the Hub data set ``searle-j/kote``: its loading script does not run on ``datasets`` >= 4, so
  :func:`load_kote` reads the Parquet files the Hub converts (branch ``refs/convert/parquet``,
  config ``dichotomized``; columns ``ID``, ``text``, ``labels`` = list of label ids).
"""
from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .labels import AIHUB, GOEMOTIONS, KOTE, Taxonomy
from .sources import is_hub_id

PERSON_TURNS = ("HS01", "HS02", "HS03")
XLSX_PERSON_COLUMNS = ("사람문장1", "사람문장2", "사람문장3")
XLSX_LABEL_COLUMNS = ("감정_대분류", "감정_소분류")
MAX_REPORTED_ROWS = 5


class DataFormatError(ValueError):
    """A data file that cannot be read as labelled texts; the message names file, row and problem."""


@dataclass
class LabelledTexts:
    """Texts with labels: ``labels`` is ``(n,)`` label ids, or ``(n, n_labels)`` 0/1 for multi-label sets."""

    texts: list[str]
    labels: np.ndarray
    taxonomy: Taxonomy
    source: str

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def multi_label(self) -> bool:
        return self.labels.ndim == 2

    def subset(self, rows) -> "LabelledTexts":
        rows = np.asarray(rows, dtype=int)
        return LabelledTexts([self.texts[i] for i in rows], self.labels[rows], self.taxonomy, self.source)


def _fail(path, problems: list[str]):
    shown = "; ".join(problems[:MAX_REPORTED_ROWS])
    more = f" (and {len(problems) - MAX_REPORTED_ROWS} more)" if len(problems) > MAX_REPORTED_ROWS else ""
    raise DataFormatError(f"{path}: {shown}{more}")


def _not_utf8(path, e: UnicodeDecodeError, what: str = "a UTF-8 text file") -> str:
    """One sentence for bytes that do not decode: a file cut short inside a character, or not UTF-8."""
    if e.reason == "unexpected end of data":  # the bytes stop in the middle of a character
        return (f"{path}: the file is cut short (it ends inside a character at byte {e.start}); "
                "download or export it again.")
    return f"{path}: not {what} (byte {e.start} is not valid UTF-8; is it binary?); save it as UTF-8 text."


def json_reason(e: json.JSONDecodeError) -> str:
    """``json``'s reason without its dangling "at" ("Unterminated string starting at")."""
    return re.sub(r"\s+(starting\s+)?at$", "", e.msg).lower()


def _not_json(path, e: json.JSONDecodeError) -> str:
    rest = e.doc[e.pos:]
    if not rest.strip() or (e.msg.startswith("Unterminated string") and '"' not in rest[1:]):  # it stops early
        return (f"{path}: the JSON ends early at line {e.lineno} ({json_reason(e)}), so the file is cut short; "
                "download or export it again.")
    return (f"{path}: not valid JSON at line {e.lineno}, column {e.colno} ({json_reason(e)}); "
            "fix that spot or export the file again.")


def _jsonl_problem(path, text: str) -> str | None:
    """The first line of a JSONL text that is not one JSON object, as one sentence (None when all are)."""
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            return (f"{path}: line {n}: not valid JSON ({json_reason(e)} at column {e.colno}); each line must be "
                    'one JSON object like {"text": "...", "label": "..."}.')
        if not isinstance(record, dict):
            return (f"{path}: line {n}: a JSON {type(record).__name__}, not an object; each line must be one "
                    'JSON object like {"text": "...", "label": "..."}.')
    return None


def _finish(path, texts, labels, problems, taxonomy) -> LabelledTexts:
    """``labels``: one id per text, or one list of ids per text (multi-label, stored 0/1)."""
    if problems:
        _fail(path, problems)
    if not texts:
        raise DataFormatError(f"{path}: the file holds no labelled rows")
    if labels and isinstance(labels[0], (list, tuple)):
        multi_hot = np.zeros((len(labels), len(taxonomy)), dtype=np.int64)
        for row, ids in enumerate(labels):
            multi_hot[row, list(ids)] = 1
        return LabelledTexts(texts=texts, labels=multi_hot, taxonomy=taxonomy, source=str(path))
    return LabelledTexts(texts=texts, labels=np.array(labels, dtype=np.int64), taxonomy=taxonomy, source=str(path))


def _label_ids(value, taxonomy: Taxonomy) -> list[int]:
    """The label ids of one cell: one label, or (multi-label sets) several separated by commas or
    given as a list; names, codes and ids all work. Raises KeyError naming a bad one."""
    if isinstance(value, (list, tuple, np.ndarray)):
        parts = list(value)
    elif taxonomy.multi_label and isinstance(value, str):
        # a name may itself hold a comma only in AI-Hub ("가난한, 불우한"), which is single-label
        parts = [v for v in value.split(",") if v.strip()]
    else:
        parts = [value]
    if not parts:
        raise KeyError("no label given")
    ids = []
    for part in parts:
        if isinstance(part, float) and part.is_integer():
            part = int(part)
        ids.append(taxonomy.index(part.strip() if isinstance(part, str) else part))
    if len(ids) > 1 and not taxonomy.multi_label:
        raise KeyError(f"{len(ids)} labels given, but {taxonomy.name} is single-label")
    return sorted(set(ids))


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
    except UnicodeDecodeError as e:
        raise DataFormatError(_not_utf8(path, e, "a UTF-8 JSON file")) from None
    except json.JSONDecodeError as e:
        raise DataFormatError(_not_json(path, e)) from None


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
        if isinstance(e, ImportError) or zipfile.is_zipfile(path):  # a workbook it cannot open: say why
            raise DataFormatError(f"{path}: not a readable .xlsx file ({type(e).__name__}: {e})") from None
        raise DataFormatError(f"{path}: not a readable .xlsx file, because its content is not an Excel .xlsx file "
                              "(perhaps another format renamed); save it as .xlsx from a spreadsheet program, or "
                              "use CSV, TSV or JSONL.") from None
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
    except UnicodeDecodeError as e:
        raise DataFormatError(_not_utf8(path, e)) from None
    try:
        if suffix in (".jsonl", ".json"):
            frame = pd.read_json(io.StringIO(text), lines=suffix == ".jsonl", dtype=False)
        else:
            frame = pd.read_csv(io.StringIO(text), sep="\t" if suffix == ".tsv" else ",", dtype=str,
                                keep_default_na=False)
    except (ValueError, TypeError) as e:  # TypeError: pandas given a JSONL line that is not an object
        problem = _jsonl_problem(path, text) if suffix == ".jsonl" else None  # name the line pandas does not
        raise DataFormatError(problem or f"{path}: could not parse as {suffix.lstrip('.').upper()} ({e})") from None
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
            ids = _label_ids(lab, taxonomy)
        except (KeyError, ValueError) as e:
            problems.append(f"row {i + 1}: {e.args[0]}")
            continue
        if not t:
            problems.append(f"row {i + 1}: empty text")
            continue
        texts.append(t)
        labels.append(ids if taxonomy.multi_label else ids[0])
    return _finish(path, texts, labels, problems, taxonomy)


# --- KOTE -------------------------------------------------------------------------------------

KOTE_HUB_ID = "searle-j/kote"
KOTE_HUB_CONFIG = "dichotomized"
KOTE_SPLITS = ("train", "validation", "test")
KOTE_FIELDS = 3  # id, text, label ids


def kote_hub_files(split: str, repo_id: str = KOTE_HUB_ID) -> str:
    """The ``hf://`` pattern of one split's Parquet files in the Hub's converted branch."""
    return f"hf://datasets/{repo_id}@refs%2Fconvert%2Fparquet/{KOTE_HUB_CONFIG}/{split}/*.parquet"


def read_kote_tsv(path, data: bytes | None = None) -> LabelledTexts:
    """KOTE's TSV: no header, ``id<TAB>text<TAB>label ids`` (comma-separated ids 0-43)."""
    path = Path(path)
    raw = data if data is not None else path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DataFormatError(_not_utf8(path, e, "UTF-8 text")) from None
    texts, labels, problems = [], [], []
    for n, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter="\t"), 1):
        if not row or row == [""]:
            continue
        if len(row) != KOTE_FIELDS:
            problems.append(f"row {n}: expected {KOTE_FIELDS} tab-separated fields (id, text, comma-separated "
                            f"label ids), found {len(row)}")
            continue
        try:
            ids = _kote_ids(row[2].split(","))
        except KeyError as e:
            problems.append(f"row {n}: {e.args[0]}")
            continue
        if not row[1].strip():
            problems.append(f"row {n}: empty text")
            continue
        texts.append(row[1].strip())
        labels.append(ids)
    return _finish(path, texts, labels, problems, KOTE)


def _kote_ids(values) -> list[int]:
    """KOTE label ids must be integers 0-43 (names are not used in KOTE's files)."""
    ids = []
    for value in values:
        value = str(value).strip()
        if not value.lstrip("-").isdigit():
            raise KeyError(f"label id {value!r} is not an integer (KOTE ids are 0-{len(KOTE) - 1})")
        ids.append(KOTE.index(int(value)))
    if not ids:
        raise KeyError("no label ids")
    return sorted(set(ids))


def read_kote_parquet(files, source: str | None = None) -> LabelledTexts:
    """KOTE rows from Parquet (a local file, a glob, or ``hf://`` files such as :func:`kote_hub_files`)."""
    from datasets import load_dataset

    source = source or str(files)
    try:
        ds = load_dataset("parquet", data_files={"rows": files}, split="rows")
    except Exception as e:  # noqa: BLE001 - missing files, offline Hub, not Parquet: say which and why
        raise DataFormatError(f"{source}: could not read KOTE Parquet ({type(e).__name__}: {e})") from None
    missing = [c for c in ("text", "labels") if c not in ds.column_names]
    if missing:
        raise DataFormatError(f"{source}: missing column(s) {', '.join(missing)}; KOTE Parquet has ID, text and "
                              f"labels (found {', '.join(ds.column_names)})")
    texts, labels, problems = [], [], []
    for n, (t, ids) in enumerate(zip(ds["text"], ds["labels"]), 1):
        try:
            ids = _kote_ids(ids or [])
        except KeyError as e:
            problems.append(f"row {n}: {e.args[0]}")
            continue
        if not (t or "").strip():
            problems.append(f"row {n}: empty text")
            continue
        texts.append(t.strip())
        labels.append(ids)
    return _finish(source, texts, labels, problems, KOTE)


@dataclass
class LyricStanzas:
    """Lyric stanzas written for gasa, each with its dominant group by design (``groups``) and its KOTE labels
    (``rows``: a multi-label :class:`LabelledTexts`)."""

    rows: LabelledTexts
    groups: list[str]

    def __len__(self) -> int:
        return len(self.groups)

    def subset(self, rows) -> "LyricStanzas":
        return LyricStanzas(self.rows.subset(rows), [self.groups[i] for i in np.asarray(rows, dtype=int)])


def read_lyric_stanzas(path) -> LyricStanzas:
    """A JSONL file of lyric stanzas, one object a line: ``{"text": "...", "group": "슬픔", "labels": ["슬픔",
    "서러움"], ...}`` (``group`` one of KOTE's six shared groups, ``labels`` KOTE label names); see
    ``training/data/README.md``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise DataFormatError(_not_utf8(path, e)) from None
    problem = _jsonl_problem(path, text)
    if problem:
        raise DataFormatError(problem)
    texts, labels, groups, problems = [], [], [], []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        record = json.loads(line)
        stanza, group, names = record.get("text"), record.get("group"), record.get("labels")
        if not isinstance(stanza, str) or not stanza.strip():
            problems.append(f"line {n}: no text")
        elif group not in KOTE.shared_groups:
            problems.append(f"line {n}: group {group!r} is not one of {', '.join(KOTE.shared_groups)}")
        elif not isinstance(names, list) or not names or any(name not in KOTE.label2id for name in names):
            problems.append(f"line {n}: labels {names!r} must be a list of KOTE label names")
        else:
            row = np.zeros(len(KOTE), dtype=np.int64)
            row[[KOTE.index(name) for name in names]] = 1
            texts.append(stanza)
            labels.append(row)
            groups.append(group)
    if problems:
        _fail(path, problems)
    if not texts:
        raise DataFormatError(f"{path} holds no stanzas")
    return LyricStanzas(LabelledTexts(texts, np.array(labels), KOTE, str(path)), groups)


def load_kote(source, split: str = "train") -> LabelledTexts:
    """One KOTE split from a folder (``{split}.tsv``; ``val.tsv`` for validation), a ``.tsv`` or
    ``.parquet`` file, or a Hub data set id (``searle-j/kote``: the converted Parquet)."""
    source = str(source)
    path = Path(source)
    if path.is_dir():
        names = [f"{split}.tsv"] + (["val.tsv"] if split == "validation" else [])
        for name in names:
            if (path / name).is_file():
                return read_kote_tsv(path / name)
        found = ", ".join(sorted(p.name for p in path.glob("*.tsv"))) or "none"
        raise DataFormatError(f"{path}: no {' or '.join(names)} for the {split!r} split (TSV files here: {found})")
    if path.is_file():
        if path.suffix.lower() == ".parquet":
            return read_kote_parquet(str(path))
        return read_kote_tsv(path)
    if is_hub_id(source):
        if split not in KOTE_SPLITS:
            raise DataFormatError(f"{source}: unknown split {split!r}; the Hub data set has {', '.join(KOTE_SPLITS)}")
        return read_kote_parquet(kote_hub_files(split, source), source=f"{source} ({split})")
    raise DataFormatError(f"{source!r} is neither a KOTE folder or file nor a Hub data set id like {KOTE_HUB_ID!r}")


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
    if suffix == ".parquet" and taxonomy is KOTE:
        return read_kote_parquet(str(path))
    if suffix == ".tsv" and taxonomy is KOTE and _headerless_kote(path):
        return read_kote_tsv(path)
    if suffix == ".tsv" and taxonomy is GOEMOTIONS and _headerless_kote(path):
        split = read_goemotions_tsv(path)
        return LabelledTexts(split.texts, split.targets, GOEMOTIONS, str(path))
    if suffix in (".csv", ".tsv", ".jsonl", ".json"):
        return read_table(path, taxonomy)
    raise DataFormatError(
        f"{path}: unsupported file type {suffix or '(none)'}; use AI-Hub .json/.zip/.xlsx, KOTE .tsv/.parquet, "
        "or .csv/.tsv/.jsonl with text and label columns"
    )


# --- GoEmotions TSV (text<TAB>comma-separated label ids<TAB>comment id, no header) ------------------

class GoEmotionsDataError(DataFormatError):
    """A GoEmotions file or request that cannot be used; the message names the file and row."""


@dataclass
class GoEmotionsSplit:
    """Texts with 0/1 targets over the 28 GoEmotions labels."""

    texts: list[str]
    targets: np.ndarray  # (n, 28) float32 0/1
    ids: list[str]
    path: str = ""

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, index) -> "GoEmotionsSplit":
        index = np.asarray(index, dtype=int)
        return GoEmotionsSplit([self.texts[i] for i in index], self.targets[index],
                               [self.ids[i] for i in index], self.path)


def read_goemotions_tsv(path) -> GoEmotionsSplit:
    """Read a GoEmotions TSV; raise :class:`GoEmotionsDataError` naming the row on bad input."""
    path = Path(path)
    if not path.is_file():
        raise GoEmotionsDataError(f"{path}: no such file (expected a GoEmotions TSV such as train.tsv).")
    texts, rows, ids = [], [], []
    with path.open(encoding="utf-8", newline="") as f:
        for line_no, row in enumerate(csv.reader(f, delimiter="\t"), start=1):
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line
            if len(row) != 3:
                raise GoEmotionsDataError(
                    f"{path}, row {line_no}: {len(row)} tab-separated columns, expected 3 "
                    "(text, comma-separated label ids, comment id)."
                )
            text, label_field, comment_id = row
            if not text.strip():
                raise GoEmotionsDataError(f"{path}, row {line_no}: the text is empty.")
            try:
                labels = [int(x) for x in label_field.split(",") if x.strip()]
            except ValueError:
                raise GoEmotionsDataError(
                    f"{path}, row {line_no}: labels {label_field!r} are not comma-separated integer ids."
                ) from None
            if not labels:
                raise GoEmotionsDataError(f"{path}, row {line_no}: no label ids.")
            bad = [x for x in labels if not 0 <= x < len(GOEMOTIONS)]
            if bad:
                raise GoEmotionsDataError(
                    f"{path}, row {line_no}: label id(s) {bad} outside 0-{len(GOEMOTIONS) - 1} "
                    f"(GoEmotions has {len(GOEMOTIONS)} labels)."
                )
            texts.append(text)
            rows.append(labels)
            ids.append(comment_id)
    if not texts:
        raise GoEmotionsDataError(f"{path}: the file holds no rows.")
    targets = np.zeros((len(texts), len(GOEMOTIONS)), dtype=np.float32)
    for i, labels in enumerate(rows):
        targets[i, labels] = 1.0
    return GoEmotionsSplit(texts, targets, ids, str(path))


def _headerless_kote(path: Path) -> bool:
    """A KOTE-shaped TSV starts with a data row (no text/label header)."""
    with path.open("rb") as f:
        first = f.readline().decode("utf-8-sig", errors="replace").rstrip("\r\n").split("\t")
    return not any(c.strip().lower() in TEXT_COLUMNS + LABEL_COLUMNS for c in first)
