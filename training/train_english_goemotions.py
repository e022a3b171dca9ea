"""Train gasa-english-goemotions, the offline English emotion model learned from GoEmotions (28 labels).

    python -m training.train_english_goemotions [--train ../shared/data/goemotions/train.tsv]
        [--test ../shared/data/goemotions/dev.tsv] [--stanzas training/data/gasa_lyric_stanzas_en.jsonl | none]
        [--stanza-repeats 2] [--calibration stanzas|stanzas-spread|comments|none] [--kote ../shared/data/kote]
        [--output DIR] [--folds 3] [--seed 0] [--C 1.0] [--ablation] [--limit N]

The model is :class:`hub.kote_model.KoteClassifier` over English (TF-IDF of words and of character
n-grams, no Kiwi), with one logistic regression per GoEmotions label and one per KOTE emotion group,
behind :class:`hub.kote_model.EnglishEmotionModel`. Data: GoEmotions' comments, and English translations of
the lyric stanzas written for gasa (``--stanzas``; their Korean originals train ``gasa-korean-kote``), fitted
``--stanza-repeats`` times each: comments teach the labels, the stanzas how songs say them. What it does:

1. fits it with per-label thresholds chosen on the comments' out-of-fold predictions (``--folds``) and
   measures it on ``--test`` (never seen in fitting or tuning): 28-label macro/micro-F1 at those
   thresholds and at 0.5, against a frequency baseline, and on the held-out stanzas (the ones
   ``train_korean_kote`` holds out) how often its top group is the stanza's; with ``--ablation``, each view
   alone and the comments without the stanzas;
2. learns how its readings, put into KOTE's labels through :data:`hub.labels.GOEMOTIONS_TO_KOTE`, go onto the
   Korean model's scale (``kote_calibration``, :class:`hub.models.bilingual.KoteSpace`): from each translated
   stanza and its original, by least squares (``stanzas``, the default) or keeping the Korean readings' spread
   (``stanzas-spread``), from comments of both languages (``comments``), or not at all; all of them are written
   to ``calibrations.json`` for the benchmarks to compare;
3. writes the model (the one measured) with its card and GoEmotions' notice, into a temporary folder swapped
   in at the end, so an interrupted run keeps the old model.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from scipy.special import logit
from sklearn.base import clone

from hub.kote_model import (ENGLISH_DATA_DIR, ENGLISH_KIND, ENGLISH_MODEL_NAME, EnglishEmotionModel, KoteClassifier,
                            KoteModelConfig)
from hub.labelled_data import DataFormatError, load_kote
from hub.labels import GOEMOTIONS, KOTE, goemotions_in_kote, kote_group_targets
from hub.metrics import multilabel_scores, shared_group_agreement
from hub.models.bilingual import CALIBRATIONS_FILE  # every calibration the trainer learned, for benchmarks
from hub.sources import staged_folder
from training.goemotions import GoEmotionsDataError, GoEmotionsSplit, read_goemotions_tsv
from training.train_korean_kote import THRESHOLD_GRID, fit_with_thresholds, run_and_report, to_model

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
DEFAULT_TRAIN = SHARED / "goemotions" / "train.tsv"
DEFAULT_TEST = SHARED / "goemotions" / "dev.tsv"
DEFAULT_KOTE = SHARED / "kote"
# The English model's settings: words (1-2) and characters within words (2-5), at most 100,000 n-grams a
# view, C = 1 (C 0.5, 1 and 4 were tried with thresholds tuned on one half of dev and scored on the other: macro-F1 0.461, 0.481, 0.473).
SETTINGS = dict(word_ngrams=[1, 2], char_ngrams=[2, 5], morph_ngrams=[0, 0], embedding_anchors=0,
                max_features=100_000, C=1.0, label_set="goemotions")
CALIBRATIONS = ("stanzas", "stanzas-spread", "comments", "none")
DEFAULT_STANZAS = Path(__file__).resolve().parent / "data" / "gasa_lyric_stanzas_en.jsonl"
STANZA_REPEATS = 2
GOEMOTIONS_LICENSE = """GoEmotions (Demszky et al., 2020, "GoEmotions: A Dataset of Fine-Grained Emotions")
Copyright 2020 Google LLC. Licensed under the Apache License, Version 2.0; you may not use the data except in
compliance with the License. You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, the data is distributed on an "AS IS" BASIS, WITHOUT
WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the License for the specific language
governing permissions and limitations under the License.

This model was trained on the GoEmotions data (https://github.com/google-research/google-research/tree/master/goemotions)
by gasa; the model's weights are a work derived from it, distributed under the same license.
"""


def measure(probs, targets, thresholds, group_scores) -> dict:
    """28-label macro/micro-F1 at the thresholds and at 0.5, and top KOTE-group agreement with the groups of
    the labels people gave (through the map)."""
    tuned, half = multilabel_scores(probs, targets, thresholds), multilabel_scores(probs, targets, 0.5)
    out = {"macro_f1": tuned["macro_f1"], "micro_f1": tuned["micro_f1"],
           "macro_f1@0.5": half["macro_f1"], "micro_f1@0.5": half["micro_f1"]}
    people = np.nan_to_num(goemotions_in_kote(targets))  # the KOTE labels people gave, through the map
    out.update(shared_group_agreement(group_scores, KOTE.group_order, people, KOTE))
    return out


def frequency_baseline(train: GoEmotionsSplit, test: GoEmotionsSplit) -> dict:
    """Every row gets each label's training frequency (thresholds tuned on the training rows)."""
    from hub.metrics import tune_thresholds

    prior = train.targets.mean(0)
    thresholds = tune_thresholds(np.broadcast_to(prior, train.targets.shape), train.targets, grid=THRESHOLD_GRID)
    groups = kote_group_targets(train.targets, "goemotions").mean(0)
    return measure(np.broadcast_to(prior, test.targets.shape), test.targets, thresholds,
                   np.broadcast_to(groups, (len(test), len(groups))))


def log_odds(p) -> np.ndarray:
    return logit(np.clip(np.asarray(p, dtype=np.float64), 1e-6, 1 - 1e-6))


def _rounded(scale, shift, kind: str) -> dict:
    return {"kind": kind, "scale": [round(float(v), 5) for v in scale], "shift": [round(float(v), 5) for v in shift]}


def calibration_from_stanzas(english_readings: np.ndarray, korean_readings: np.ndarray) -> dict:
    """Per KOTE label then group, the line in log-odds that best turns the English model's reading of a translated
    stanza (through the map, uncalibrated) into the Korean model's reading of the original (least squares over
    the pairs; a slope kept between 0.1 and 3, so that no column is flattened or blown up by a weak fit)."""
    source, target = log_odds(english_readings), log_odds(korean_readings)
    centred = source - source.mean(0)
    slope = (centred * (target - target.mean(0))).sum(0) / np.maximum((centred ** 2).sum(0), 1e-9)
    scale = np.clip(slope, 0.1, 3.0)
    return _rounded(scale, target.mean(0) - scale * source.mean(0), "stanzas")


def calibration_from_stanzas_spread(english_readings: np.ndarray, korean_readings: np.ndarray) -> dict:
    """Per KOTE label then group, the line in log-odds that gives the English model's readings of the translated
    stanzas (through the map, uncalibrated) the mean and the standard deviation of the Korean model's readings of
    the originals ("moment matching"): slope = sd(Korean) / sd(English), signed by their correlation.

    Why not least squares (``stanzas``): its slope is r * sd(Korean) / sd(English), so where the two readings
    agree only loosely (r about 0.6) it pulls every English reading towards the column's mean. English songs then
    read alike (their spread a third of Korean songs') and the recommender finds each one's nearest neighbours
    among the other English songs. Least squares is the best guess of the Korean reading of one stanza; a
    recommender needs readings that differ as much as Korean ones do, which this keeps. A column whose readings
    run against each other (r <= 0) gets the floor slope: the English model says nothing there that can be put on
    the Korean scale. Slopes are kept between 0.1 and 3, as in ``stanzas``.

    The price: where the correlation is weak but positive (out of fold, r about 0.1-0.2 for 어이없음, 우쭐댐/무시함,
    없음, ...), what the English model says there is mostly noise, and this gives the noise the Korean readings'
    full spread (a line about the weather reads 33 % 어이없음 against a typical song's 2 %). Not the default for
    that reason (README "English lines" has the measurements)."""
    source, target = log_odds(english_readings), log_odds(korean_readings)
    sd_source, sd_target = source.std(0), target.std(0)
    centred = (source - source.mean(0)) * (target - target.mean(0))
    sign = np.where(centred.sum(0) > 0, 1.0, -1.0)
    scale = np.clip(sign * sd_target / np.maximum(sd_source, 1e-9), 0.1, 3.0)
    return _rounded(scale, target.mean(0) - scale * source.mean(0), "stanzas-spread")


def calibration_from_comments(english_readings: np.ndarray, korean_readings: np.ndarray) -> dict:
    """Per column, the shift in log-odds that gives English comments (read through the map) the mean of Korean
    comments read by the Korean model: one emotion about as common among comments of either language."""
    source, target = log_odds(english_readings), log_odds(korean_readings)
    return _rounded(np.ones(source.shape[1]), target.mean(0) - source.mean(0), "comments")


def in_kote(model, probs_and_groups) -> np.ndarray:
    """The English model's readings in KOTE's labels then groups, uncalibrated (the map alone)."""
    from hub.models.bilingual import KoteSpace

    return np.hstack(KoteSpace(model, calibration={})(*probs_and_groups))


def korean_readings(texts: list[str]) -> np.ndarray:
    """``gasa-korean-kote``'s labels then groups for Korean texts."""
    from hub.models.registry import load_predictor

    return np.hstack(load_predictor("gasa-korean-kote").predict_with_groups(texts, progress=True))


def load_parallel_stanzas(english: str, holdout: float, seed: int, limit: int = 0):
    """The English stanzas and their Korean originals, each split as ``train_korean_kote`` splits the Korean ones
    (the same seed holds out the same stanzas): ``(english (fit, held), korean (fit, held), note)``, or Nones."""
    from training.common import LYRIC_STANZAS, load_stanzas

    if str(english).lower() in ("", "none"):
        return (None, None), (None, None), ""
    en_fit, en_held, en_all, _ = load_stanzas(english, holdout, seed, limit)
    ko_fit, ko_held, ko_all, _ = load_stanzas(str(LYRIC_STANZAS), holdout, seed, limit)
    if len(en_all) != len(ko_all) or en_all.groups != ko_all.groups:
        raise DataFormatError(f"{english} must hold one translation per stanza of {LYRIC_STANZAS.name}, in its "
                              f"order ({len(en_all)} against {len(ko_all)} stanzas, or other groups)")
    note = (f"; and {len(en_all):,} English translations of gasa's lyric stanzas (`{Path(english).name}`), "
            f"{len(en_held):,} held out")
    return (en_fit, en_held), (ko_fit, ko_held), note


def run(args) -> dict:
    from hub.labels import kote_in_goemotions
    from training.common import stanza_agreement

    started = time.time()
    train, test = read_goemotions_tsv(args.train), read_goemotions_tsv(args.test)
    if args.limit:
        train, test = train.subset(range(min(args.limit, len(train)))), test.subset(range(min(args.limit, len(test))))
    (stanzas, held_stanzas), (originals, _), stanza_note = load_parallel_stanzas(args.stanzas, args.holdout,
                                                                                 args.seed, args.limit)
    config = KoteModelConfig(model_type=ENGLISH_KIND, name=ENGLISH_MODEL_NAME, labels=list(GOEMOTIONS.labels),
                             lines_per_block=KoteModelConfig().lines_per_block, **{**SETTINGS, "C": args.C})
    classifier = KoteClassifier(**config.classifier_params())
    description = (f"GoEmotions `{Path(args.train).name}` ({len(train):,} comments) fitted, `{Path(args.test).name}` "
                   f"({len(test):,}) held out{stanza_note}")
    print(description, file=sys.stderr)
    # the fitting rows: the comments, then the stanzas (labels: the map read backwards; groups: their own)
    repeats = args.stanza_repeats if stanzas is not None else 0
    texts = train.texts + (stanzas.rows.texts * repeats if repeats else [])
    targets = np.vstack([train.targets] + [kote_in_goemotions(stanzas.rows.labels)] * repeats)
    groups = np.vstack([kote_group_targets(train.targets, "goemotions")]
                       + [kote_group_targets(stanzas.rows.labels, "kote")] * repeats)

    def measured(fitted) -> dict:
        probs, group_scores = fitted.predict_proba_with_groups(test.texts)
        out = measure(probs, test.targets, fitted.thresholds, group_scores)
        if held_stanzas is not None:
            out.update(stanza_agreement(fitted.predict_proba_with_groups(held_stanzas.rows.texts)[1], held_stanzas))
        return out

    def fit(params: dict, desc: str, with_stanzas: bool = True):
        rows = len(texts) if with_stanzas else len(train)
        return fit_with_thresholds(clone(classifier).set_params(**params), texts[:rows], targets[:rows], args.folds,
                                   args.seed, desc=desc, tuned_on=len(train), group_targets=groups[:rows])

    chosen = fit({}, "(shipped model)")
    figures = {"model": measured(chosen), "frequency_baseline": frequency_baseline(train, test)}
    ablation = [dict(variant="words (1-2) + characters (2-5), comments + lyric stanzas, tuned thresholds (shipped)",
                     **figures["model"])]
    if args.ablation:
        for variant, overrides, with_stanzas in (("words (1-2) only", {"char_ngrams": [0, 0]}, True),
                                                 ("characters (2-5) only", {"word_ngrams": [0, 0]}, True),
                                                 ("comments only, without the lyric stanzas", {}, False)):
            if with_stanzas or stanzas is not None:
                ablation.append(dict(variant=variant, **measured(fit(overrides, variant, with_stanzas))))
    probs, group_scores = chosen.predict_proba_with_groups(test.texts)
    ablation.append(dict(variant="the same, every threshold 0.5",
                         **measure(probs, test.targets, np.full(len(GOEMOTIONS), 0.5), group_scores)))

    model = to_model(chosen, replace(config, training={
        "data": "GoEmotions", "description": description, "rows": len(texts), "comments": len(train),
        "held_out_rows": len(test), "train": Path(args.train).name, "test": Path(args.test).name,
        "stanzas": len(stanzas) if stanzas is not None else 0, "stanza_repeats": repeats,
        "held_out_stanzas": len(held_stanzas) if held_stanzas is not None else 0,
        "folds": args.folds, "seed": args.seed, "features": chosen.weight_.shape[0]}), model_class=EnglishEmotionModel)
    # the calibrations into the Korean model's scale: each learned here, the one chosen shipped in the config
    calibrations = {"none": {}}
    if stanzas is not None:  # the English model's out-of-fold readings of the translations against the originals'
        oof = chosen.out_of_fold_[len(train):len(train) + len(stanzas)]
        english, korean = (in_kote(model, (oof[:, :len(GOEMOTIONS)], oof[:, len(GOEMOTIONS):])),
                           korean_readings(originals.rows.texts))
        calibrations["stanzas"] = calibration_from_stanzas(english, korean)
        calibrations["stanzas-spread"] = calibration_from_stanzas_spread(english, korean)
    comments = train.texts[: args.calibration_rows]
    calibrations["comments"] = calibration_from_comments(
        in_kote(model, model.predict_with_groups(comments, progress=True)),
        korean_readings(load_kote(args.kote, "validation").texts[: args.calibration_rows]))
    if args.calibration not in calibrations:
        raise DataFormatError(f"--calibration {args.calibration} needs the lyric stanzas (--stanzas)")
    model.config.kote_calibration = calibrations[args.calibration]
    model.config.training.update(calibration_comments=len(comments), seconds=round(time.time() - started, 1))
    model.config.metrics = {name: {k: round(v, 4) if isinstance(v, float) else v for k, v in f.items()}
                            for name, f in figures.items()}
    write_model(model, Path(args.output), ablation, calibrations)
    return {"figures": figures, "ablation": ablation, "output": str(args.output)}


def write_model(model: EnglishEmotionModel, output: Path, ablation: list[dict], calibrations: dict) -> None:
    """Save next to ``output`` and swap it in only when complete (the previous model survives a crash); the
    calibrations measured beside the shipped one go to ``calibrations.json``."""
    with staged_folder(output) as staging:
        (staging / CALIBRATIONS_FILE).write_text(json.dumps(calibrations), encoding="utf-8")
        model.save_pretrained(staging, card=model_card(model, ablation))
        (staging / "LICENSE").write_text(GOEMOTIONS_LICENSE, encoding="utf-8")
        (staging / "ablation.json").write_text(json.dumps(ablation, indent=1, ensure_ascii=False), encoding="utf-8")


def model_card(model: EnglishEmotionModel, ablation: list[dict]) -> str:
    """The model card (``README.md``): data, license, figures, the map into KOTE, usage."""
    from huggingface_hub import EvalResult, ModelCard, ModelCardData

    from hub.labels import GOEMOTIONS_TO_KOTE
    from training.cards import markdown_table

    m, base, training = model.config.metrics["model"], model.config.metrics["frequency_baseline"], model.config.training
    results = [EvalResult(task_type="text-classification", dataset_type="google-research-datasets/go_emotions",
                          dataset_name="GoEmotions", dataset_split=f"{training['test']} ({training['held_out_rows']} rows)",
                          metric_type="f1", metric_name=name, metric_value=round(float(m[key]), 4))
               for name, key in (("macro-F1 (28 labels, tuned thresholds)", "macro_f1"),
                                 ("micro-F1 (28 labels, tuned thresholds)", "micro_f1"))]
    data = ModelCardData(language="en", license="apache-2.0", library_name="gasa",
                         datasets=["google-research-datasets/go_emotions"],
                         tags=["emotion", "text-classification", "multi-label", "english", "lyrics"],
                         pipeline_tag="text-classification", model_name=model.name, eval_results=results)
    rows = [{k: (f"{v:.3f}" if isinstance(v, float) else v) for k, v in r.items()
             if k in ("variant", "macro_f1", "micro_f1", "macro_f1@0.5", "top_group_agreement",
                      "stanza_group_agreement")} for r in ablation]
    map_rows = [{"GoEmotions": label, "KOTE": ", ".join(GOEMOTIONS_TO_KOTE[label]),
                 "threshold": f"{t:.2f}"} for label, t in zip(model.labels, model.config.thresholds)]
    calibration = model.config.kote_calibration
    body = f"""
# {model.name}

English emotion for song lyrics, on a CPU, offline: the English half of **gasa** (가사, "lyrics"), which reads the
emotion in K-pop lyrics (Korean and English lines mixed) and recommends songs whose lyrics feel alike.

It gives 28 independent probabilities, one per [GoEmotions](https://github.com/google-research/google-research/tree/master/goemotions)
label, per-label decision thresholds, and one probability per KOTE emotion group (기쁨, 슬픔, 분노, 불안, 상처, 당황,
기타), so that gasa reads a song's English lines into the same vector as its Korean ones (`gasa-korean-kote`).

## Model

- Features: TF-IDF of English words (1-2, lower-cased) and of character n-grams within words (2-5), at most
  {model.config.max_features:,} n-grams a view; {training['features']:,} features in all.
- One L2 logistic regression per label (C = {model.config.C}) and per KOTE group; per-label thresholds that maximize
  each label's F1 on out-of-fold predictions ({training['folds']} folds of the training rows).
- Stored as `model.safetensors` + JSON (no pickle), float16 weights, about {model.weight_megabytes:.1f} MB.

## Training data

GoEmotions (Demszky et al. 2020): 58k English Reddit comments labelled with 27 emotions + neutral, multi-label.
Fitted on `{training['train']}` ({training['comments']:,} comments), measured on `{training['test']}`
({training['held_out_rows']:,} rows), which neither fitting nor threshold tuning saw. GoEmotions is released under
the Apache License 2.0; its notice is kept in `LICENSE`.
{stanza_paragraph(training)}

## Evaluation

| on {training['test']} | this model | frequency baseline |
|---|---|---|
| macro-F1, 28 labels (tuned thresholds) | {m['macro_f1']:.3f} | {base['macro_f1']:.3f} |
| micro-F1 | {m['micro_f1']:.3f} | {base['micro_f1']:.3f} |
| top KOTE group among people's (through the map) | {m['top_group_agreement']:.3f} | {base['top_group_agreement']:.3f} |
{held_stanza_row(m, training)}
For comparison (DESIGN.md): BERT-base fine-tuned on all of GoEmotions, macro-F1 0.46; roberta-base 0.45 at 0.5.

### Ablation (same split)

{markdown_table(rows)}

## Into KOTE's labels: one song, one vector

gasa reads each line of a song with the model of its language and puts English readings into KOTE's 44 labels
(`hub.labels.GOEMOTIONS_TO_KOTE`, written down once with its reasoning; `hub.models.bilingual.KoteSpace`): each KOTE
label takes its strongest GoEmotions source; a KOTE label without one takes this model's estimate of its group.
{CALIBRATION_NOTES[calibration.get('kind', 'none')]} The calibrations measured beside it are in `{CALIBRATIONS_FILE}`
(README "English lines" in gasa compares them on real chart songs).

{markdown_table(map_rows)}

## How to use

```python
from hub.models.registry import load_predictor      # gasa
model = load_predictor("{model.name}")
probs = model.predict(["I can't stop thinking about you tonight"])  # (1, 28)
```

In gasa the app, the catalog build and the song dataset read every song with this model and `gasa-korean-kote`
together; `--english-model` replaces it with a Hub model. Retrain: `python -m training.train_english_goemotions --ablation`.

## Limitations

GoEmotions is Reddit comments, not lyrics: {GOEMOTIONS.limitations.split(': ', 1)[1]} The map into KOTE's labels
is a judgement of meaning, and the calibration is learned from {training.get('stanzas', 0):,} stanzas.
"""
    return str(ModelCard(f"---\n{data.to_yaml()}\n---\n{body}"))


CALIBRATION_NOTES = {
    "stanzas": "Calibration (`stanzas`): per KOTE label and group, a line in log-odds (slope and shift, least squares) "
               "that turns this model's out-of-fold reading of a translated stanza into `gasa-korean-kote`'s reading of "
               "its Korean original: both models then say the same of the same feeling.",
    "stanzas-spread": "Calibration (`stanzas-spread`): per KOTE label and group, a line in log-odds that gives this "
                      "model's out-of-fold readings of the translated stanzas the mean and the spread (standard "
                      "deviation, slope signed by the correlation) of `gasa-korean-kote`'s readings of their Korean "
                      "originals, where least squares (`stanzas`) shrinks each column by its correlation (median slope "
                      "0.6) and English songs read alike.",
    "comments": "Calibration (`comments`): per KOTE label and group, a shift in log-odds that gives English comments "
                "read through the map the mean of Korean KOTE comments read by `gasa-korean-kote`.",
    "none": "No calibration: the map's readings are used as they are.",
}


def stanza_paragraph(training: dict) -> str:
    if not training.get("stanzas"):
        return ""
    return (f"\nLyric stanzas: {training['stanzas']:,} English translations of the original lyric stanzas written for "
            f"gasa (`training/data/gasa_lyric_stanzas_en.jsonl`, released with gasa), fitted {training['stanza_repeats']} "
            "times each beside the comments: their GoEmotions labels are their KOTE labels read back through the map, "
            "their group heads learn the stanza's own groups; thresholds and label frequencies come from the comments "
            f"only. {training['held_out_stanzas']:,} stanzas are held out (the ones `gasa-korean-kote`'s trainer holds "
            "out).\n")


def held_stanza_row(m: dict, training: dict) -> str:
    if "stanza_group_agreement" not in m:
        return ""
    return (f"| held-out translated stanzas ({m['stanza_rows']}): top group = the stanza's group | "
            f"{m['stanza_group_agreement']:.3f} | |\n")



def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.train_english_goemotions", description=__doc__.split("\n")[0])
    p.add_argument("--train", default=str(DEFAULT_TRAIN), help=f"GoEmotions TSV to fit on (default {DEFAULT_TRAIN})")
    p.add_argument("--test", default=str(DEFAULT_TEST), help=f"GoEmotions TSV to measure on (default {DEFAULT_TEST})")
    p.add_argument("--kote", default=str(DEFAULT_KOTE),
                   help="KOTE comments the calibration matches (default ../shared/data/kote)")
    p.add_argument("--output", default=str(ENGLISH_DATA_DIR), help=f"model folder (default: the built-in {ENGLISH_DATA_DIR})")
    p.add_argument("--folds", type=int, default=3, help="folds for the out-of-fold thresholds")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--C", type=float, default=SETTINGS["C"], help="inverse L2 regularization per label")
    p.add_argument("--stanzas", default=str(DEFAULT_STANZAS),
                   help="English translations of gasa's lyric stanzas, fitted beside the comments and the pairs the "
                        "calibration learns from (default training/data/gasa_lyric_stanzas_en.jsonl; 'none')")
    p.add_argument("--stanza-repeats", type=int, default=STANZA_REPEATS, help="times each stanza is fitted")
    p.add_argument("--holdout", type=float, default=0.2, help="share of the stanzas held out (as train_korean_kote)")
    p.add_argument("--calibration", choices=CALIBRATIONS, default="stanzas",
                   help="how English readings are put on the Korean model's scale: learned from the translated "
                        "stanzas and their originals by least squares (stanzas, the default) or keeping the Korean "
                        "readings' spread (stanzas-spread), from comments of both languages, or none")
    p.add_argument("--calibration-rows", type=int, default=5000, help="comments of each language the 'comments' "
                                                                      "calibration is learned on")
    p.add_argument("--ablation", action="store_true", help="also measure each view alone (a few minutes more)")
    p.add_argument("--limit", type=int, default=0, help="use only the first N rows of each file (quick runs, tests)")
    return run_and_report(run, p.parse_args(argv), (DataFormatError, GoEmotionsDataError))


if __name__ == "__main__":
    sys.exit(main())
