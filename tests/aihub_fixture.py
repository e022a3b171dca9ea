"""Small AI-Hub 감성대화말뭉치-shaped files written for the project (original sentences).

The real corpus cannot be redistributed; these files have its two shapes: the JSON list of
dialogue records and the xlsx with one row per dialogue.
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

from hub.labels import AIHUB

# (E-code, person's sentences HS01-HS03). The third turn may be empty, as in the corpus.
DIALOGUES = [
    ("E10", "친구가 약속을 또 어겨서 정말 화가 나.", "몇 번째인지 모르겠어.", ""),
    ("E10", "동료가 내 아이디어를 자기 것처럼 발표했어.", "너무 화가 나서 잠이 안 와.", ""),
    ("E13", "옆집 공사 소리 때문에 하루 종일 짜증 나.", "주말인데 쉬지를 못하네.", "정말 성가셔."),
    ("E13", "버스가 또 늦게 와서 지각했어.", "아침부터 짜증이 나.", ""),
    ("E20", "오랫동안 키운 강아지가 떠나서 너무 슬퍼.", "집에 오면 자꾸 생각나.", ""),
    ("E20", "할머니 댁에 가도 이제 할머니가 안 계셔.", "마음이 텅 빈 것 같아.", ""),
    ("E24", "요즘은 아무것도 하기 싫고 우울해.", "하루 종일 누워만 있어.", ""),
    ("E24", "창밖만 보고 있으면 눈물이 날 것 같아.", "기운이 하나도 없어.", ""),
    ("E30", "내일 발표가 있는데 잘할 수 있을지 불안해.", "자꾸 실수할 것 같아.", ""),
    ("E30", "건강검진 결과가 나올 때까지 마음이 불안해.", "", ""),
    ("E37", "딸이 밤늦게까지 연락이 안 돼서 걱정돼.", "무슨 일 있는 건 아닐까.", ""),
    ("E37", "회사가 어려워져서 일자리를 잃을까 걱정이야.", "", ""),
    ("E42", "믿었던 친구가 내 비밀을 다른 사람에게 말했어.", "배신감이 들어.", ""),
    ("E42", "동업자가 몰래 돈을 빼돌렸다는 걸 알았어.", "믿은 내가 바보야.", ""),
    ("E43", "이사 온 뒤로 아무도 나에게 말을 걸지 않아.", "혼자 남겨진 기분이야.", ""),
    ("E43", "모임에서 나만 빼고 다들 연락하고 있었어.", "", ""),
    ("E50", "회의 중에 이름을 잘못 불러서 너무 당황했어.", "얼굴이 화끈거렸어.", ""),
    ("E50", "계산하려는데 지갑을 안 가져온 걸 알았어.", "어떻게 해야 할지 몰랐어.", ""),
    ("E51", "새 부서에서 나만 아는 사람이 없어서 당황스러웠어.", "", ""),
    ("E51", "전학 첫날 점심을 혼자 먹게 돼서 당황했어.", "", ""),
    ("E60", "시험에 합격해서 정말 기뻐!", "그동안 노력한 보람이 있어.", ""),
    ("E60", "오랜만에 가족이 다 모여서 행복했어.", "웃음이 끊이지 않았어.", ""),
    ("E61", "아플 때 친구가 죽을 사 와서 정말 고마웠어.", "", ""),
    ("E61", "이웃이 우리 아이를 돌봐 줘서 감사해.", "큰 도움이 됐어.", ""),
]


def records(dialogues=DIALOGUES) -> list[dict]:
    out = []
    for i, (code, *turns) in enumerate(dialogues):
        content = {}
        for n, sentence in enumerate(turns, start=1):
            content[f"HS0{n}"] = sentence
            content[f"SS0{n}"] = "그랬군요. 더 이야기해 주세요." if sentence else ""
        out.append({
            "profile": {
                "persona-id": f"Pro_{i:05d}",
                "persona": {"persona-id": f"A02_G01_C01_{i}", "human": ["A02", "G01"], "computer": ["A02", "G01"]},
                "emotion": {"emotion-id": f"S06_D02_{code}", "type": code, "situation": ["S06", "D02"]},
            },
            "talk": {"id": {"profile-id": f"Pro_{i:05d}", "talk-id": f"Pro_{i:05d}_{i:05d}"}, "content": content},
        })
    return out


def write_json(path, dialogues=DIALOGUES) -> Path:
    path = Path(path)
    path.write_text(json.dumps(records(dialogues), ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def write_zip(path, dialogues=DIALOGUES) -> Path:
    path = Path(path)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("감성대화말뭉치(최종데이터)_Training.json", json.dumps(records(dialogues), ensure_ascii=False))
    return path


def write_xlsx(path, dialogues=DIALOGUES) -> Path:
    import pandas as pd

    rows = []
    for i, (code, hs1, hs2, hs3) in enumerate(dialogues):
        label = AIHUB.labels[AIHUB.index(code)]
        group = AIHUB.group_of(code)
        rows.append({
            "번호": i + 1, "연령": "청년", "성별": "여성", "상황키워드": "대인관계", "신체질환": "해당없음",
            "감정_대분류": group, "감정_소분류": label.replace(f"({group}한)", ""),
            "사람문장1": hs1, "시스템문장1": "그랬군요.", "사람문장2": hs2, "시스템문장2": "",
            "사람문장3": hs3, "시스템문장3": "",
        })
    pd.DataFrame(rows).to_excel(path, index=False)
    return Path(path)
