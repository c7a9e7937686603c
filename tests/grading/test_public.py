"""Public checks: fingerprints, where they are found, and hints that grow with each try."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelinekit.errors import InvalidValueError, OutputError, PipelinekitError, UnknownNameError
from pipelinekit.grading import public
from pipelinekit.grading.public import (
    ENV_VAR,
    check,
    find_checks_dir,
    fingerprint,
    load_fingerprints,
    reset_attempts,
    write_fingerprints,
)

REFERENCE = pd.DataFrame(
    {
        "status": ["paid", "new", "shipped", "returned"],
        "n": [3, 1, 5, 2],
        "avg": [1.5, 2.25, 3.0, 0.1],
    }
)
QUESTIONS = {
    "q1": (2, "per_status", REFERENCE),
    "q2": (1, "total", 11),
    "q3": (1, "orders", REFERENCE.set_index("status")["n"]),
    "q4": (1, "best", "paid"),
    "q5": (1, "statuses", ["paid", "new"]),
}


class Hostile:
    def __eq__(self, other: object) -> bool:
        raise RuntimeError("eq refused")

    def __hash__(self) -> int:
        raise RuntimeError("hash refused")

    def __repr__(self) -> str:
        raise RuntimeError("repr refused")


@pytest.fixture(autouse=True)
def fresh_attempts():
    reset_attempts()
    yield
    reset_attempts()


@pytest.fixture
def exercises(tmp_path, monkeypatch) -> Path:
    """An exercises folder with fingerprints of 01_orders, found through the variable."""
    folder = tmp_path / "exercises"
    write_fingerprints(folder / ".checks" / "01_orders.json", "01_orders", QUESTIONS)
    monkeypatch.setenv(ENV_VAR, str(folder))
    return folder


# --- fingerprint ----------------------------------------------------------------------------


def test_fingerprint_ignores_row_order_float_noise_and_int_versus_float():
    noisy = REFERENCE.sample(frac=1, random_state=2).assign(
        n=lambda f: f.n.astype(float), avg=lambda f: f.avg * (1 + 1e-12)
    )
    assert fingerprint(noisy)["sha256"] == fingerprint(REFERENCE)["sha256"]
    assert fingerprint(noisy)["row_tags"] == fingerprint(REFERENCE)["row_tags"]


def test_fingerprint_sees_a_changed_value_and_column_order():
    changed = REFERENCE.assign(avg=[1.5, 2.25, 3.0, 0.11])
    assert fingerprint(changed)["sha256"] != fingerprint(REFERENCE)["sha256"]
    reordered = REFERENCE[["n", "status", "avg"]]
    assert fingerprint(reordered)["sha256"] != fingerprint(REFERENCE)["sha256"]


def test_fingerprint_cannot_be_fooled_by_separators_inside_text():
    one = pd.DataFrame({"a": ["x\x1fy"], "b": ["z"]})
    two = pd.DataFrame({"a": ["x"], "b": ["y\x1fz"]})
    assert fingerprint(one)["sha256"] != fingerprint(two)["sha256"]
    rows = pd.DataFrame({"a": ["x\x1ey", "z"]})
    assert (
        fingerprint(rows)["sha256"] != fingerprint(pd.DataFrame({"a": ["x", "y\x1ez"]}))["sha256"]
    )


def test_fingerprint_treats_every_null_alike():
    one = pd.DataFrame({"x": pd.Series([None, "a"], dtype=object), "y": [np.nan, 1.0]})
    two = pd.DataFrame(
        {"x": pd.Series([pd.NA, "a"], dtype="str"), "y": pd.array([None, 1], "Int64")}
    )
    assert fingerprint(one)["sha256"] == fingerprint(two)["sha256"]


def test_fingerprint_of_a_series_counts_its_index():
    series = REFERENCE.set_index("status")["n"]
    other_keys = series.set_axis(["a", "b", "c", "d"])
    assert fingerprint(series)["sha256"] != fingerprint(other_keys)["sha256"]
    assert fingerprint(pd.Series([1, 2]))["sha256"] == fingerprint(pd.Series([2, 1]))["sha256"]


def test_fingerprint_does_not_hold_the_values_in_clear():
    text = json.dumps(fingerprint(REFERENCE.assign(status=["alpha", "beta", "gamma", "delta"])))
    assert not any(word in text for word in ("alpha", "beta", "gamma", "delta", "2.25"))
    assert "status" in text  # column names are public


def test_fingerprint_of_scalars_and_containers():
    assert fingerprint(1234.5)["magnitude"] == 3 and fingerprint(0)["magnitude"] is None
    assert fingerprint(True)["type"] == "boolean" and fingerprint(None)["type"] == "null"
    assert fingerprint({"b", "a"})["sha256"] == fingerprint({"a", "b"})["sha256"]
    assert fingerprint([1, 2])["sha256"] != fingerprint([2, 1])["sha256"]
    assert fingerprint([1, 2])["length"] == 2
    assert fingerprint(" Paid")["loose_sha256"] == fingerprint("paid")["loose_sha256"]


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(-5, 5),
            st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
            st.one_of(st.none(), st.text(max_size=3)),
        ),
        max_size=25,
    ),
    seed=st.integers(0, 2**32 - 1),
)
def test_fingerprint_of_any_shuffle_is_the_same(rows, seed):
    frame = pd.DataFrame(rows, columns=["i", "f", "s"]).astype({"f": "float64"})
    shuffled = frame.sample(frac=1, random_state=seed)
    assert fingerprint(shuffled) == fingerprint(frame)


# --- the fingerprint file ---------------------------------------------------------------------


def test_written_file_has_the_documented_format_and_is_byte_stable(tmp_path):
    first = write_fingerprints(tmp_path / "a" / "01_orders.json", "01_orders", QUESTIONS)
    second = write_fingerprints(tmp_path / "b.json", "01_orders", QUESTIONS)
    assert first.read_bytes() == second.read_bytes()
    data = json.loads(first.read_text())
    assert data["exercise"] == "01_orders" and data["version"] == 1
    entry = data["questions"]["q1"]
    assert (entry["points"], entry["answer"]) == (2, "per_status")
    assert entry["fingerprint"]["columns"] == ["status", "n", "avg"]
    assert entry["fingerprint"]["rows"] == 4
    assert not list(first.parent.glob("*.tmp"))


@pytest.mark.parametrize(
    ("questions", "match"),
    [
        ({"q1": (1, "x")}, r"Question 'q1' given as a tuple of 2 items; expected a tuple \(points"),
        ({"q1": (-1, "x", 1)}, r"Points -1 of question 'q1'; expected a number >= 0"),
        ({"q1": (1, "not a name", 1)}, r"Answer name 'not a name' of question 'q1'"),
    ],
)
def test_write_fingerprints_refuses_bad_questions(tmp_path, questions, match):
    with pytest.raises(InvalidValueError, match=match):
        write_fingerprints(tmp_path / "x.json", "x", questions)


def test_write_fingerprints_says_when_it_cannot_write(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(OutputError, match=r"Cannot write fingerprints to .*x\.json"):
        write_fingerprints(blocker / "x.json", "x", {"q1": (1, "a", 1)})


def test_checks_folder_from_the_variable(exercises):
    assert find_checks_dir() == exercises / ".checks"


def test_checks_folder_variable_without_checks_is_an_error(tmp_path):
    with pytest.raises(
        PipelinekitError, match=rf"(?s){ENV_VAR} is set to .*pipelinekit exercises build"
    ):
        find_checks_dir(environ={ENV_VAR: str(tmp_path)})


def test_checks_folder_found_from_a_subfolder(tmp_path, monkeypatch):
    (tmp_path / "exercises" / ".checks").mkdir(parents=True)
    (tmp_path / "notebooks" / "week1").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "notebooks" / "week1")
    assert find_checks_dir(environ={}) == tmp_path / "exercises" / ".checks"


def test_missing_checks_folder_says_how_to_build_it(tmp_path, monkeypatch):
    monkeypatch.setattr(
        public, "__file__", str(tmp_path / "site" / "pipelinekit" / "grading" / "p.py")
    )
    with pytest.raises(
        PipelinekitError,
        match=r"(?s)No exercises/\.checks folder in .*Hint: run `pipelinekit exercises build`",
    ):
        find_checks_dir(start=tmp_path, environ={})


def test_missing_checks_folder_error_through_check(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(
        public, "__file__", str(tmp_path / "site" / "pipelinekit" / "grading" / "p.py")
    )
    with pytest.raises(PipelinekitError, match=r"pipelinekit exercises build"):
        check("01_orders", "q1", REFERENCE)


def test_unknown_exercise_and_question_name_the_nearest(exercises):
    with pytest.raises(
        UnknownNameError, match=r"(?s)Unknown exercise '01_order'.*did you mean '01_orders'"
    ):
        check("01_order", "q1", REFERENCE)
    with pytest.raises(
        UnknownNameError, match=r"(?s)Unknown exercise 'zzz'.*pipelinekit exercises build"
    ):
        check("zzz", "q1", REFERENCE)
    with pytest.raises(UnknownNameError, match=r"(?s)Unknown question 'q11'.*did you mean 'q1'"):
        check("01_orders", "q11", REFERENCE)
    with pytest.raises(
        UnknownNameError, match=r"(?s)Unknown question 'a'.*see the questions of '01_"
    ):
        check("01_orders", "a", REFERENCE)


def test_unreadable_fingerprint_file(exercises):
    (exercises / ".checks" / "02_broken.json").write_text("{not json")
    with pytest.raises(
        PipelinekitError, match=r"(?s)02_broken\.json cannot be read.*exercises build"
    ):
        load_fingerprints("02_broken")


def test_fingerprints_are_read_again_after_a_rebuild(exercises):
    assert check("01_orders", "q2", 11).passed
    path = exercises / ".checks" / "01_orders.json"
    write_fingerprints(path, "01_orders", {**QUESTIONS, "q2": (1, "total", 12)})
    os.utime(path, ns=(path.stat().st_mtime_ns + 10**9,) * 2)  # a new stamp even on coarse clocks
    assert check("01_orders", "q2", 12).passed


# --- check ----------------------------------------------------------------------------------


def test_the_reference_passes_in_any_row_order(exercises):
    result = check(
        "01_orders", "q1", REFERENCE.sample(frac=1, random_state=5).reset_index(drop=True)
    )
    assert result.passed and result.name == "q1" and result.hint is None
    assert check("01_orders", "q3", REFERENCE.groupby("status")["n"].sum()).passed
    assert check("01_orders", "q4", "paid").passed
    assert check("01_orders", "q5", ["paid", "new"]).passed


def test_hints_grow_with_each_failed_try(exercises):
    answer = REFERENCE.iloc[:3].assign(avg=[1.5, 2.25, 3.5])  # a row short, one value off
    first, second, third = (check("01_orders", "q1", answer) for _ in range(3))
    assert first.message == "3 rows, 4 expected"
    assert first.hint == "too few rows: check joins and filters"
    assert "Run the check again" in first.details
    assert second.message == "3 rows, 4 expected; values differ in 2 of 4 rows"
    assert second.hint.startswith("1 row missing: a filter that is too strict")
    assert third.message == second.message and third.details is None
    assert third.hint.endswith(
        "; 2 of your 3 rows are expected rows; look for what the others have in common"
    )
    assert first.score == second.score == pytest.approx(0.2 + 0.2 * 3 / 4 + 0.6 * 2 / 4)


def test_value_hints_name_the_columns_that_differ(exercises):
    answer = REFERENCE.assign(avg=[1.5, 2.25, 3.0, 0.2])
    first, second = check("01_orders", "q1", answer), check("01_orders", "q1", answer)
    assert first.message == second.message == "Values differ in 1 of 4 rows"
    assert (first.hint, first.details) == ("some values differ", None)
    assert second.hint == (
        "the values of 'avg' differ; 'status', 'n' are right "
        "(numbers compare at 6 significant digits)"
    )
    assert first.score == pytest.approx(0.2 + 0.2 + 0.6 * 3 / 4)


def test_column_problems_come_first_then_the_specific_fix(exercises):
    answer = REFERENCE.set_index("status")
    first, second = check("01_orders", "q1", answer), check("01_orders", "q1", answer)
    assert first.message == second.message == "The columns differ: missing 'status'"
    assert first.hint == "compare your column names with the ones the question asks for"
    assert second.hint == "'status' is in the index, not a column: call .reset_index()"
    reordered = check("01_orders", "q1", REFERENCE[["n", "status", "avg"]])
    assert reordered.message == "The columns are in another order"
    assert "answer[['status', 'n', 'avg']]" in reordered.hint
    assert reordered.score == pytest.approx(0.9)


def test_hints_are_counted_per_question(exercises):
    check("01_orders", "q2", 12)
    check("01_orders", "q2", 12)
    assert check("01_orders", "q4", "Paid").hint == "check your computation"


def test_wrong_types_say_what_to_do(exercises):
    series = check("01_orders", "q1", REFERENCE.set_index("status")["n"])
    assert series.score == 0 and series.message.startswith("Expected a DataFrame, found a Series")
    assert series.hint == "the answer should be a table (a DataFrame)"
    assert "reset_index" in check("01_orders", "q1", REFERENCE.set_index("status")["n"]).hint
    text = [check("01_orders", "q2", "11") for _ in range(2)]
    assert text[0].message == "Expected a number, found a str ('11')"
    assert text[1].hint == "it is text: convert it with float(...) or int(...)"
    boxed = [check("01_orders", "q2", pd.DataFrame({"x": [11]})) for _ in range(2)]
    assert boxed[1].hint == "take the value out of its container with .iloc[0, 0]"
    frame = [check("01_orders", "q3", REFERENCE[["n"]]) for _ in range(2)]
    assert frame[0].message.startswith("Expected a Series, found a DataFrame")
    assert frame[0].hint == "the answer should be a Series (one column of values)"
    assert frame[1].hint.startswith("select the column as a Series")


def test_a_series_without_its_keys_is_told_about_the_index(exercises):
    answer = REFERENCE.set_index("status")["n"].reset_index(drop=True)
    first, second = check("01_orders", "q3", answer), check("01_orders", "q3", answer)
    assert first.message == "Values differ in 4 of 4 rows" and first.score == pytest.approx(0.4)
    assert second.hint.startswith("the index differs: keep the keys in the index")


def test_scalar_hints_use_magnitude_and_loose_spelling(exercises):
    assert check("01_orders", "q2", 1100).hint == "check your computation"
    assert check("01_orders", "q2", 1100).hint == "your value is about 100 times too large"
    assert check("01_orders", "q2", 12).hint.startswith("the order of magnitude is right")
    check("01_orders", "q4", " PAID")
    assert check("01_orders", "q4", " PAID").hint.startswith("it differs only in upper/lower case")
    assert check("01_orders", "q5", ["paid"]).message == "1 items, 2 expected"


@pytest.mark.parametrize(
    "answer",
    [
        None,
        (x for x in range(3)),
        Hostile(),
        pd.DataFrame([[1, 2, 3]], columns=["status", "status", "avg"]),
        REFERENCE.assign(status=pd.Series([Hostile(), "a", "b", "c"], dtype=object)),
        float("nan"),
    ],
)
def test_hostile_answers_score_zero_without_raising(exercises, answer):
    for question in ("q1", "q2", "q3", "q4", "q5"):
        result = check("01_orders", question, answer)
        assert result.score < 1 and result.message


def test_a_check_result_shows_in_jupyter(exercises):
    html = check("01_orders", "q1", None)._repr_html_()
    assert "pk-check-fail" in html and "Expected a DataFrame, found None" in html
