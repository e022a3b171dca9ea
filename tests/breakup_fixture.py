"""A small breakup-lyric corpus for tests, built from original phrases (tests/fixtures/breakup_phrases.json).

Each song leans on one emotion: its lines join a scene and a phrase, or two phrases, of that emotion,
with an occasional line of another emotion. Deterministic for a given seed.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
EMOTIONS = ("슬픔", "부정", "분노", "무관심")


def phrases() -> dict:
    return json.loads((FIXTURES / "breakup_phrases.json").read_text(encoding="utf-8"))


def make_songs(n_songs: int = 64, lines_per_song: int = 12, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    p = phrases()
    songs = []
    for n in range(n_songs):
        main = EMOTIONS[n % len(EMOTIONS)]
        lines = []
        for _ in range(lines_per_song):
            emotion = main if rng.random() < 0.85 else rng.choice(EMOTIONS)
            a, b = rng.sample(p[emotion], 2)
            lines.append(f"{rng.choice(p['scenes'])} {a}" if rng.random() < 0.5 else f"{a} {b}")
        songs.append({"song_id": f"s{n:03d}", "title": f"테스트 노래 {n}", "artist": f"가수 {n % 7}",
                      "year": 1991 + n % 24, "lyrics": "\n".join(lines), "emotion": main})
    return songs


def write_jsonl(path: Path, songs: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(s, ensure_ascii=False) for s in songs) + "\n", encoding="utf-8")
    return path


def emotion_lines() -> list[tuple[str, str]]:
    rows = (FIXTURES / "korean_emotion_lines.tsv").read_text(encoding="utf-8").splitlines()
    return [tuple(r.split("\t", 1)) for r in rows if r.strip() and not r.startswith("#")]
