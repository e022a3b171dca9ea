from hub.korean_text import content_words, has_korean, preprocess, preprocess_many, resolve_word, KoreanTextError

import pytest


def keys(sentences):
    return [[m.key for m in s] for s in sentences]


def test_lines_and_sentences_are_split_and_function_words_dropped():
    out = preprocess("비 오는 밤에 혼자 울었다. 그래도 내일은 웃을래\n\n창문을 닫아")
    assert keys(out) == [["비/NNG", "밤/NNG", "혼자/NNG", "울/VV"], ["내일/NNG", "웃/VV"], ["창문/NNG", "닫/VV"]]


def test_negation_and_intensifiers_are_marked():
    (happy_not,), (not_happy,), (very_sad,) = preprocess("행복하지 않아\n안 행복해\n너무 슬퍼")
    assert happy_not.key == "행복/NNG" and happy_not.negated
    assert not_happy.key == "행복/NNG" and not_happy.negated
    assert very_sad.key == "슬프/VA" and very_sad.intensified and not very_sad.negated


def test_content_words_are_readable_and_emoticons_kept():
    assert content_words("외로워서 울었어 ㅜㅜㅜ") == ["외롭다", "울다", "ㅠㅠ"]


def test_no_korean_gives_nothing_and_batches_keep_order():
    assert not has_korean("I love you!! :)")
    assert preprocess("I love you!! :)") == []
    docs = preprocess_many(["hello", "눈물", "", "슬픔"])
    assert [keys(d) for d in docs] == [[], [["눈물/NNG"]], [], [["슬픔/NNG"]]]


def test_resolve_word_rejects_words_without_korean_content():
    assert resolve_word("외롭다").key == "외롭/VA"
    with pytest.raises(KoreanTextError, match="sad"):
        resolve_word("sad")
