"""Lyrics of realistic shape for the benchmarks, from original lines written for gasa (never real songs).

Real Korean chart lyrics (DESIGN.md): median about 660 characters and 50 lines, up to about 3,500
characters; stanzas separated by blank lines; about one song in four has an English stanza. The
generator draws a line count from a log-normal around that median, cuts it into stanzas of 4-8
lines, repeats a chorus as songs do, and gives a quarter of the songs one English stanza.
"""
from __future__ import annotations

import random

KOREAN_LINES = [
    "비가 오는 밤이면 너의 목소리가 들려", "창문을 두드리는 빗소리처럼 조용히", "우리가 걷던 골목길에 가로등이 켜지면",
    "나는 아직도 그 자리에 서 있어", "시간이 멈춘 것처럼 너를 기다려", "손끝에 남은 온기가 사라지기 전에",
    "한 번만 더 웃어 줄래", "바람이 불어와 내 마음을 흔들어", "떠나간 계절은 다시 돌아오는데",
    "너는 왜 돌아오지 않니", "밤하늘의 별을 세며 잠이 들던 날", "작은 방 안에 가득했던 우리의 노래",
    "괜찮다고 말하면서 눈물이 흘러", "어제보다 오늘 더 보고 싶어", "햇살이 눈부신 아침에 너를 만나",
    "세상이 온통 환하게 빛났지", "두 손을 꼭 잡고 달려가던 바닷가", "파도 소리에 우리 웃음이 섞였어",
    "다시는 그런 날이 오지 않을까 봐", "가슴 한쪽이 자꾸만 시려 와", "멀리서라도 행복하길 바랄게",
    "잊으려 할수록 더 선명해지는 얼굴", "오늘도 나는 너의 이름을 불러", "대답 없는 메아리만 돌아와",
    "신나는 리듬에 몸을 맡겨 봐", "모든 걱정은 잠시 내려놓고", "우리 함께 춤을 춰 밤이 새도록",
    "반짝이는 불빛 아래서 노래해", "화가 나서 문을 세게 닫았어", "그래도 결국 네가 그리워져",
    "거짓말 같은 하루가 또 지나가", "지겨운 잔소리는 이제 그만해", "두근거리는 마음을 숨길 수 없어",
    "너 없는 거리는 너무 조용해",
]
ENGLISH_LINES = [
    "baby don't you walk away tonight", "I keep on dancing in the rain", "say my name one more time",
    "we were young and we were free", "hold me close until the morning light", "oh oh oh never let me go",
]


def make_song(rng: random.Random, english_share: float = 0.25, lines: list[str] = KOREAN_LINES) -> str:
    """A song from ``lines``; with probability ``english_share`` one English stanza (0: none, and no
    draw spent on it)."""
    n_lines = max(12, min(200, int(rng.lognormvariate(3.56, 0.5))))  # median about 35 lines, 660 characters
    chorus = [rng.choice(lines) for _ in range(rng.randint(4, 6))]
    stanzas, count = [], 0
    while count < n_lines:
        if stanzas and rng.random() < 0.3:
            stanza = chorus
        else:
            stanza = [rng.choice(lines) for _ in range(rng.randint(4, 8))]
        stanzas.append("\n".join(stanza))
        count += len(stanza)
    if english_share and rng.random() < english_share:
        english = "\n".join(rng.choice(ENGLISH_LINES) for _ in range(rng.randint(2, 4)))
        stanzas.insert(rng.randrange(1, len(stanzas) + 1), english)
    return "\n\n".join(stanzas)


def make_songs(n: int, seed: int = 0, english_share: float = 0.25) -> list[str]:
    rng = random.Random(seed)
    return [make_song(rng, english_share) for _ in range(n)]
