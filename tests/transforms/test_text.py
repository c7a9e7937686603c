import pandas as pd
import pytest
from feature_engines import three_ways
from hypothesis import given, settings
from hypothesis import strategies as st

import pipelinekit as pk
from pipelinekit.errors import InvalidValueError, UnknownNameError
from pipelinekit.transforms.text import (
    extract_pattern,
    extract_pattern_sql,
    text_stats,
    text_stats_sql,
    tfidf_top_terms,
)


def stats_three_ways(frame, engine=True):
    return three_ways(text_stats, frame, "t", query=text_stats_sql("t"), engine=engine)


def extract_three_ways(frame, engine=True, **kwargs):
    query = extract_pattern_sql("t", **kwargs)
    return three_ways(extract_pattern, frame, "t", query=query, engine=engine, **kwargs)


def test_length_and_word_count_golden():
    frame = pd.DataFrame({"t": ["two  words", "", "   ", "tab\tand\nnewline", "👍🏽 ok", None]})
    out = stats_three_ways(frame)
    assert out["t_length"].tolist()[:5] == [
        10,
        0,
        3,
        15,
        5,
    ]  # the skin tone is a code point of its own
    assert out["t_word_count"].tolist()[:5] == [2, 0, 0, 3, 2]
    assert out.iloc[5][["t_length", "t_word_count"]].isna().all()


def test_extract_golden_and_ecommerce():
    frame = pd.DataFrame({"t": ["SKU-000012", "sku 7", None, "x SKU-9 SKU-8"]})
    out = extract_three_ways(frame, pattern=r"SKU-0*(\d+)")
    assert out["t_match"].tolist()[0] == "12" and out["t_match"].tolist()[3] == "9"
    assert out["t_match"].isna().tolist() == [False, True, True, False]
    whole = extract_three_ways(frame, pattern=r"[a-z]+ \d", group=0, name="whole")
    assert whole["whole"].tolist()[1] == "sku 7"
    customers = pk.datasets.load("ecommerce", scale="tiny").customers[["email"]]
    domains = three_ways(
        extract_pattern,
        customers,
        "email",
        query=extract_pattern_sql("email", pattern="@(.+)$"),
        pattern="@(.+)$",
    )
    assert domains["email_match"].notna().all()


def test_empty_frame():
    empty = pd.DataFrame({"t": pd.Series([], dtype="str")})
    assert stats_three_ways(empty).empty
    assert extract_three_ways(empty, pattern="(a)").empty


texts = st.lists(st.one_of(st.none(), st.text(alphabet="ab 1-\t\n\xa0é.", max_size=8)), max_size=8)


@settings(max_examples=15, deadline=None)
@given(values=texts)
def test_stats_agree_with_sql(values):
    stats_three_ways(pd.DataFrame({"t": pd.Series(values, dtype="str")}), engine=False)


@settings(max_examples=15, deadline=None)
@given(values=texts, pattern=st.sampled_from([r"(a+)b", r"([0-9]+)", r"(é|\.)", r"-(.)"]))
def test_extract_agrees_with_sql(values, pattern):
    frame = pd.DataFrame({"t": pd.Series(values, dtype="str")})
    extract_three_ways(frame, pattern=pattern, engine=False)


def test_tfidf_top_terms():
    frame = pd.DataFrame({"t": ["red shoe", "red red hat", None, "", "the a"]})
    out = tfidf_top_terms(frame, "t", top=2, stop_words="english")
    assert out["t_top_terms"].tolist() == [["shoe", "red"], ["red", "hat"], [], [], []]
    assert tfidf_top_terms(frame.iloc[2:], "t")["t_top_terms"].tolist() == [[], [], ["the"]]
    assert tfidf_top_terms(frame.iloc[:0], "t").empty


def test_tfidf_only_stop_words():
    out = tfidf_top_terms(pd.DataFrame({"t": ["the and", "a"]}), "t", stop_words="english")
    assert out["t_top_terms"].tolist() == [[], []]


def test_regex_that_does_not_compile_shows_the_position():
    with pytest.raises(
        InvalidValueError,
        match=r"missing \), unterminated subpattern at position 3\n  \(ab\(c\n     \^;",
    ):
        extract_pattern(pd.DataFrame({"t": ["x"]}), "t", pattern="(ab(c")


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda f: extract_pattern(f, "t", pattern="a(b)", group=2),
            InvalidValueError,
            "1 capture",
        ),
        (lambda f: extract_pattern(f, "tt", pattern="(a)"), UnknownNameError, "did you mean 't'"),
        (lambda f: extract_pattern(f, "n", pattern="(a)"), InvalidValueError, "text column"),
        (lambda f: text_stats(f, "t", stats=["chars"]), UnknownNameError, "text stat"),
        (lambda f: text_stats(f, "t", stats=[]), InvalidValueError, "stats=\\[\\]"),
        (lambda f: text_stats(f, "n"), InvalidValueError, r"astype\('str'\)"),
        (lambda f: tfidf_top_terms(f, "t", top=0), InvalidValueError, "top=0"),
        (lambda f: tfidf_top_terms(f, "n"), InvalidValueError, "text column"),
    ],
)
def test_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call(pd.DataFrame({"t": ["ab"], "n": [1]}))
