"""Finding songs by name the way fans type them (hub.search.names, through Recommender.search), on a small catalog
written for gasa: the titles are made up; the artist names are real names used as names only."""
import numpy as np
import pytest

from hub.recommender import Recommender
from hub.search.names import SongNames, compact, initials, letter_names, romanise, words

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
    assert initials("이웃") == ""  # two syllables: too short to be abbreviated, and "iu" would find it
    assert words("Hello IU!") == ["hello", "iu"] and words("봄날") == [] and words("다시 만난 봄") == ["다시", "만난", "봄"]
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
    assert ids(rec, "iu") == ["n3", "n8"]  # read as 아이유; "Genius Bus" only holds the letters: not found
    assert ids(rec, "bts") == ["n1"]  # not "Subtsy Night"
    assert ids(rec, "봄") == ["n6", "n4"]  # "봄날의 노래" starts with it; "다시 만난 봄" has the word
    assert ids(rec, "ubt") == []  # inside "Subtsy" (and 방탄's romanisation "bangtan" holds no "ubt")
    assert ids(rec, "subt") == ["n7"]  # four letters: inside a name again
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


# made up for gasa: fictional artists and titles, some holding short queries inside their words
FICTIONAL = [
    ("f1", "Stadium Lights", "Delirious Crew", None),  # "iu" only inside words
    ("f2", "이웃집 창문", "바람소리", None),  # romanised "iutjip...", initials "ijcm"
    ("f3", "Iuvenis", "Latin Choir", None),  # a name that starts with "iu"
    ("f4", "Hello IU", "Moonlit Band", None),  # the word IU
    ("f5", "푸른 새벽", "한여울", ["Yeoul", "Han Yeo-ul"]),
    ("f6", "Sea Glass", "Jun Kim", None),  # "jk" is neither a word nor a start
    ("f7", "구름 위 산책", "제이케이", ["JK"]),  # JK read as letters is 제이케이
    ("f9", "가을 편지", "이우", None),  # romanised "iu": listed before 아이유's song, found after it
    ("f8", "유리 정원", "아이유", None),
    ("f10", "Night Bus (feat. Mina of DBS)", "Solo Singer", None),  # the word DBS
    ("f11", "바람 노래", "달빛소년단", None),  # initials dbsnd
]


@pytest.fixture(scope="module")
def fictional():
    return SongNames([t for _, t, _, _ in FICTIONAL], [a for _, _, a, _ in FICTIONAL], [x for *_, x in FICTIONAL])


def found(names, text) -> list[str]:
    return [FICTIONAL[r][0] for r in names.find(text)[0]]


def test_a_short_latin_query_matches_whole_names_words_and_starts(fictional):
    # 아이유 (read as letters) first, then a name starting with iu, then the word IU; never "Stadium",
    # "Delirious" or 이웃집 (whose romanisation starts with iu)
    assert found(fictional, "iu") == ["f8", "f9", "f3", "f4"]  # then 이우, romanised "iu"
    assert found(fictional, "IU") == found(fictional, " i u ") == ["f8", "f9", "f3", "f4"]
    assert found(fictional, "dbs") == ["f11", "f10"]  # the group by its initials before a title crediting it
    assert found(fictional, "jk") == ["f7"]  # an alias and the reading of the letters, not "Jun Kim"
    assert found(fictional, "ium") == [] and found(fictional, "dad") == []  # inside words only: nothing
    assert found(fictional, "iut") == ["f2"]  # three letters: the start of a romanisation counts
    assert found(fictional, "yeo") == ["f5"]  # a word of an alias


def test_longer_queries_stay_forgiving(fictional):
    assert found(fictional, "stadium") == ["f1"] and found(fictional, "dium") == ["f1"]  # inside a name, four letters
    assert found(fictional, "delirious crew") == found(fictional, "DeliriousCrew") == ["f1"]
    assert found(fictional, "iutjip") == ["f2"] and found(fictional, "changmun") == ["f2"]  # romanised, start or inside
    assert found(fictional, "hanyeoul") == ["f5"] and found(fictional, "han yeo ul") == ["f5"]
    assert found(fictional, "새벽") == ["f5"] and found(fictional, "웃집") == ["f2"]  # Hangul: inside words too
    assert found(fictional, "moonlit") == ["f4"]
