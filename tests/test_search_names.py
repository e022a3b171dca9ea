"""Finding songs by name the way fans type them (hub.search.names, through Recommender.search), on a small catalog
written for gasa: the titles are made up; the artist names are real names used as names only."""
import numpy as np
import pytest

from hub.recommender import Recommender
from hub.search.names import SongNames, compact, initials, letter_names, romanise

SONGS = [  # titles written for gasa
    ("n1", "별빛 정거장", "방탄소년단"),
    ("n2", "Genius Bus", "Someone"),  # holds "iu" and "bts"-like letters inside words
    ("n3", "좋은 아침", "아이유"),
    ("n4", "다시 만난 봄", "소녀시대 (GIRLS' GENERATION)"),
    ("n5", "바다 편지", "BoA"),
    ("n6", "봄날의 노래 (Spring Song)", "동방신기"),
    ("n7", "Subtsy Night", "Nobody"),
    ("n8", "아이유 생각", "다른 가수"),  # a title naming the artist: found, after her own songs
]


@pytest.fixture(scope="module")
def rec():
    songs = [{"song_id": i, "title": t, "artist": a, "year": 2000 + n} for n, (i, t, a) in enumerate(SONGS)]
    vectors = np.random.default_rng(0).dirichlet(np.ones(4), size=len(SONGS))
    return Recommender(vectors, songs, ["joy", "sadness", "anger", "calm"])


def ids(rec, text, **kwargs) -> list[str]:
    return list(rec.search(text, **kwargs)["song_id"])


def test_the_name_forms():
    assert compact(" 소녀 시대 (GIRLS' GENERATION) ") == "소녀시대girlsgeneration" and compact("ＢｏＡ") == "boa"
    assert romanise("방탄소년단") == "bangtansonyeondan" and romanise("아이유") == "aiyu"
    assert romanise("소녀시대") == "sonyeosidae" and romanise("꽃길") == "kkotgil"
    assert initials("방탄소년단") == "btsnd" and initials("소녀시대") == "snsd" and initials("동방신기") == "dbsg"
    assert initials("봄") == "" and initials("bts") == ""
    assert letter_names("iu") == "아이유" and letter_names("bts") == "비티에스" and letter_names("longname") == ""


@pytest.mark.parametrize("typed, first", [
    ("소녀 시대", "n4"),  # spacing
    ("소녀시대", "n4"),
    ("girls generation", "n4"),  # the Latin part of the artist field, its apostrophe ignored
    ("GIRLS'", "n4"),
    ("boa", "n5"), ("BOA", "n5"), ("BoA", "n5"),  # case
    ("bts", "n1"),  # initials of the romanised syllables, ahead of "Subtsy Night" that merely holds the letters
    ("snsd", "n4"), ("dbsg", "n6"),
    ("bangtan", "n1"), ("sonyeosidae", "n4"), ("sidae", "n4"),  # romanised, whole, start or inside
    ("aiyu", "n3"),
    ("iu", "n3"), ("IU", "n3"),  # Latin letters read by their Korean names, ahead of "Genius Bus"
    ("spring song", "n6"),  # a bracketed English title
    ("별빛정거장", "n1"),
])
def test_fans_find_the_song(rec, typed, first):
    assert ids(rec, typed)[0] == first


def test_exact_and_prefix_matches_rank_first(rec):
    assert ids(rec, "아이유") == ["n3", "n8"]  # the artist herself (exact), then a title starting with her name
    assert ids(rec, "iu") == ["n3", "n8", "n2"]  # read as 아이유 first; "Genius" only holds the letters
    assert ids(rec, "bts") == ["n1", "n7"]
    assert ids(rec, "봄") == ["n6", "n4"]  # "봄날의 노래" starts with it; "다시 만난 봄" holds it
    assert ids(rec, "bts", limit=1) == ["n1"]


def test_short_romanised_queries_do_not_match_inside_names(rec):
    # "ae" is inside romanised 소녀시대 (sonyeosidae) and 별빛 정거장; too short to count there
    assert ids(rec, "ae") == []
    assert ids(rec, "zzz") == [] and ids(rec, "   ") == [] and ids(rec, "!!") == []


def test_aliases_are_searched_when_the_catalog_has_them(rec):
    aliases = [["BTS", "Bangtan Boys"], None, ["IU", "Lee Ji-eun"], "SNSD", [], "TVXQ", None, None]  # per song, in order
    assert ids(rec, "bangtan boys", aliases=aliases) == ["n1"]
    assert ids(rec, "lee ji eun", aliases=aliases) == ["n3"]
    assert ids(rec, "tvxq", aliases=aliases) == ["n6"]  # a plain string is one name
    assert ids(rec, "tvxq") == []  # without the column, the catalog's names only
    names = SongNames([t for _, t, _ in SONGS], [a for _, _, a in SONGS], aliases)
    rows, tiers = names.find("BTS")
    assert rows[0] == 0 and tiers[0] == 0  # an alias "BTS" is an exact match


def test_repeated_values_are_worked_out_once():
    """1,000 songs of 2 artists: keys are computed per distinct value, and the songs keep their catalog order."""
    titles = [f"노래 {i}" for i in range(1000)]
    artists = ["방탄소년단" if i % 2 else "아이유" for i in range(1000)]
    names = SongNames(titles, artists)
    rows, _ = names.find("bts")
    assert list(rows[:3]) == [1, 3, 5] and len(rows) == 500
