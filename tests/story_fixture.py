"""Made-up lyrics about a few subjects, for the story view's tests (phrases written for gasa).

Each song is about one subject: most of its lines come from that subject's phrases, a few from the everyday lines
every song shares. Deterministic for a given seed."""
from __future__ import annotations

import random

SUBJECTS = {
    "sea": ["파도 소리가 밀려와", "바닷가 모래 위에", "등대 불빛이 깜빡여", "갈매기 날아가는 섬", "소금기 머금은 바람",
            "수평선 너머 배 한 척", "the waves roll in tonight", "salt on the ocean breeze"],
    "city": ["지하철 막차를 놓쳐", "네온사인 아래 골목", "빌딩 숲 사이 신호등", "택시 창밖의 도시", "편의점 불빛 새벽",
             "횡단보도 위의 사람들", "city lights on the subway", "downtown traffic all night"],
    "school": ["교실 창가 자리에서", "칠판 위에 쓴 낙서", "운동장 끝 벤치", "졸업식 날 교복", "시험 끝난 오후 매점",
               "복도 끝 사물함 앞", "school bell rings again", "notebook full of homework"],
    "winter": ["하얀 눈이 쌓인 길", "입김이 나는 겨울밤", "장갑 낀 두 손", "눈사람 만들던 골목", "얼어붙은 호수 위",
               "목도리 두른 너", "snowflakes fall on the window", "cold december morning"],
}
EVERYDAY = ["오늘도 하루가 가네", "그냥 그런 날이야", "시간은 흘러가고", "one more day goes by"]


def subject_songs(per_subject: int = 15, lines: int = 10, seed: int = 0) -> list[dict]:
    """``per_subject`` songs per subject: dicts with song_id, title, artist, year, lyrics and subject."""
    rng = random.Random(seed)
    songs = []
    for s, (subject, phrases) in enumerate(SUBJECTS.items()):
        for n in range(per_subject):
            text = [rng.choice(phrases) if rng.random() < 0.8 else rng.choice(EVERYDAY) for _ in range(lines)]
            stanzas = ["\n".join(text[i:i + 4]) for i in range(0, lines, 4)]
            songs.append({"song_id": f"{subject}-{n}", "title": f"{subject} song {n}", "artist": f"가수 {(s * 7 + n) % 11}",
                          "year": 1990 + (s * 5 + n) % 30, "lyrics": "\n\n".join(stanzas), "subject": subject})
    return songs
