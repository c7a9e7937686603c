"""The lesson manifest: it agrees with the notebooks, renders the contents page, and its
loader names the file, the lesson and the field of every mistake."""

from __future__ import annotations

import copy
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipelinekit.cli import main
from pipelinekit.curriculum import (
    CONTENTS,
    MANIFEST,
    Curriculum,
    check_files,
    load_curriculum,
    parse_curriculum,
    render_contents,
)
from pipelinekit.errors import InvalidValueError, PipelinekitError, UnknownNameError

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"

BASE: dict[str, Any] = {
    "tracks": [
        {"name": "start", "title": "Start here", "folder": ""},
        {"name": "ecommerce", "title": "E-commerce", "folder": "01_ecommerce"},
        {"name": "finance", "title": "Finance", "folder": "02_finance"},
    ],
    "lessons": [
        {
            "path": "00_start_here.ipynb",
            "order": 0,
            "track": "start",
            "title": "The tour",
            "objectives": ["Load a dataset"],
            "minutes": 20,
            "prerequisites": [],
        },
        {
            "path": "01_ecommerce/01_sql_basics.ipynb",
            "order": 1,
            "track": "ecommerce",
            "title": "SQL basics",
            "objectives": ["Select rows", "Join tables"],
            "minutes": 45,
            "prerequisites": ["00_start_here.ipynb"],
        },
    ],
}


def manifest(change: Callable[[dict[str, Any]], object] | None = None) -> dict[str, Any]:
    """A deep copy of BASE, changed in place by ``change``."""
    data = copy.deepcopy(BASE)
    if change is not None:
        change(data)
    return data


def lesson(number: int, **fields: object) -> Callable[[dict[str, Any]], None]:
    return lambda data: data["lessons"][number - 1].update(fields)


def track(number: int, **fields: object) -> Callable[[dict[str, Any]], None]:
    return lambda data: data["tracks"][number - 1].update(fields)


# --- the repository's manifest, notebooks and contents page -------------------------------


def test_manifest_and_notebooks_agree():
    report = check_files(load_curriculum(NOTEBOOKS), NOTEBOOKS)
    assert report.ok, "\n".join(report.problems())


def test_contents_page_is_up_to_date():
    expected = render_contents(load_curriculum(NOTEBOOKS))
    assert (NOTEBOOKS / CONTENTS).read_text(encoding="utf-8") == expected, (
        "notebooks/README.md is stale: run 'pipelinekit curriculum contents'"
    )


@pytest.fixture
def copied(tmp_path: Path) -> Path:
    """A copy of notebooks/ to break."""
    folder = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, folder)
    return folder


def test_check_finds_unlisted_missing_and_misnamed_notebooks(copied: Path):
    (copied / "01_ecommerce").mkdir(exist_ok=True)
    (copied / "02_finance").mkdir(exist_ok=True)
    (copied / "01_ecommerce" / "01_sql_basics.ipynb").write_text("{}")
    (copied / "Untitled.ipynb").write_text("{}")
    (copied / "02_finance" / "1_fraud.ipynb").write_text("{}")
    (copied / ".ipynb_checkpoints").mkdir()
    (copied / ".ipynb_checkpoints" / "00_start_here-checkpoint.ipynb").write_text("{}")
    (copied / "00_start_here.ipynb").unlink()
    report = check_files(load_curriculum(copied), copied)
    assert report.unlisted == ("01_ecommerce/01_sql_basics.ipynb",)
    assert report.missing == ("00_start_here.ipynb",)
    assert report.misnamed == ("02_finance/1_fraud.ipynb", "Untitled.ipynb")
    assert not report.ok
    problems = "\n".join(report.problems())
    assert "Not in curriculum.yml: '01_ecommerce/01_sql_basics.ipynb'" in problems
    assert "no such file: '00_start_here.ipynb'" in problems
    assert "Not named NN_topic.ipynb" in problems


def test_check_files_with_base_manifest(tmp_path: Path):
    (tmp_path / "00_start_here.ipynb").write_text("{}")
    (tmp_path / "01_ecommerce").mkdir()
    (tmp_path / "01_ecommerce" / "01_sql_basics.ipynb").write_text("{}")
    report = check_files(parse_curriculum(manifest()), tmp_path)
    assert report.ok
    assert report.problems() == []


# --- the command line -----------------------------------------------------------------------


def test_cli_check_passes_then_fails_on_a_missing_notebook(copied, capsys):
    assert main(["curriculum", "check", "--notebooks", str(copied)]) == 0
    lessons = len(yaml.safe_load((copied / "curriculum.yml").read_text())["lessons"])
    assert f"{lessons} lesson{'s' if lessons > 1 else ''} in" in capsys.readouterr().out
    (copied / "00_start_here.ipynb").unlink()
    assert main(["curriculum", "check", "--notebooks", str(copied)]) == 1
    assert "no such file: '00_start_here.ipynb'" in capsys.readouterr().out


def test_cli_contents_writes_then_checks(copied, capsys):
    page = copied / CONTENTS
    assert main(["curriculum", "contents", "--check", "--notebooks", str(copied)]) == 0
    page.write_text("edited by hand\n")
    assert main(["curriculum", "contents", "--check", "--notebooks", str(copied)]) == 1
    assert "out of date" in capsys.readouterr().out
    assert main(["curriculum", "contents", "--notebooks", str(copied)]) == 0
    assert "wrote" in capsys.readouterr().out
    assert page.read_text() == (NOTEBOOKS / CONTENTS).read_text()
    assert main(["curriculum", "contents", "--notebooks", str(copied)]) == 0
    assert "unchanged" in capsys.readouterr().out


def test_cli_manifest_mistake_is_one_line_and_exit_2(copied, capsys):
    (copied / MANIFEST).write_text("tracks: []\nlesons: []\n")
    assert main(["curriculum", "check", "--notebooks", str(copied)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "unknown field 'lesons'" in err and "did you mean 'lessons'?" in err


# --- rendering ------------------------------------------------------------------------------


def test_contents_lists_tracks_lessons_and_prerequisite_links():
    page = render_contents(parse_curriculum(manifest()))
    assert page.startswith("<!-- Generated from curriculum.yml")
    assert "do not edit" in page.splitlines()[0]
    assert "2 lessons, about 65 minutes in all" in page
    assert "### [SQL basics](01_ecommerce/01_sql_basics.ipynb)" in page
    assert "45 minutes · prerequisites: [The tour](00_start_here.ipynb)" in page
    assert "- Select rows\n- Join tables" in page
    assert "## Finance\n\nNo lessons yet." in page
    assert page.index("## Start here") < page.index("## E-commerce") < page.index("## Finance")


def test_lessons_come_in_course_order_whatever_the_file_order():
    data = manifest(lambda d: d["lessons"].reverse())
    course = parse_curriculum(data)
    assert [lesson.order for lesson in course.lessons] == [0, 1]
    assert course.lesson("01_ecommerce/01_sql_basics.ipynb").minutes == 45
    assert [lesson.path for lesson in course.lessons_of("start")] == ["00_start_here.ipynb"]


def test_unknown_lesson_path_suggests_the_nearest():
    course = parse_curriculum(manifest())
    with pytest.raises(UnknownNameError, match="did you mean '00_start_here.ipynb'"):
        course.lesson("00_start_hre.ipynb")


# --- every error path of the loader ---------------------------------------------------------


def test_missing_manifest_file(tmp_path: Path):
    with pytest.raises(PipelinekitError, match=r"No lesson manifest at .*curriculum\.yml"):
        load_curriculum(tmp_path)


def test_manifest_that_is_not_yaml(tmp_path: Path):
    (tmp_path / MANIFEST).write_text("tracks: []\nlessons:\n  - path: [unclosed\n")
    with pytest.raises(PipelinekitError, match=r"curriculum\.yml is not valid YAML at line \d"):
        load_curriculum(tmp_path)


def test_loaded_errors_name_the_file(tmp_path: Path):
    (tmp_path / MANIFEST).write_text(yaml.safe_dump(manifest(lesson(2, minutes=0))))
    with pytest.raises(InvalidValueError, match=rf"^{tmp_path}/curriculum\.yml, lesson 2 "):
        load_curriculum(tmp_path)


def test_the_repository_manifest_round_trips(tmp_path: Path):
    (tmp_path / MANIFEST).write_text(yaml.safe_dump(manifest()))
    course = load_curriculum(tmp_path)
    assert isinstance(course, Curriculum)
    assert course.source == str(tmp_path / MANIFEST)
    assert course == parse_curriculum(manifest(), source=str(tmp_path / MANIFEST))


MISTAKES = [
    # (id, data, error class, message pattern)
    ("not-a-mapping", ["lessons"], InvalidValueError, r"c\.yml: list .*the manifest as a mapping"),
    ("empty-file", None, InvalidValueError, r"c\.yml: NoneType None; expected the manifest"),
    (
        "unknown-top-field",
        manifest(lambda d: d.update(lesons=[])),
        UnknownNameError,
        r"c\.yml: unknown field 'lesons'; .*did you mean 'lessons'\?",
    ),
    (
        "missing-top-field",
        manifest(lambda d: d.pop("tracks")),
        InvalidValueError,
        r"c\.yml: missing field 'tracks'.*Hint: add 'tracks: \.\.\.'",
    ),
    (
        "lessons-not-a-list",
        manifest(lambda d: d.update(lessons={"path": "00_start_here.ipynb"})),
        InvalidValueError,
        r"c\.yml: 'lessons' is dict .*expected a list of lessons",
    ),
    (
        "track-not-a-mapping",
        manifest(lambda d: d["tracks"].append("finance")),
        InvalidValueError,
        r"c\.yml, track 4: str 'finance'; expected a track as a mapping",
    ),
    (
        "track-bad-folder",
        manifest(track(2, folder="ecommerce")),
        InvalidValueError,
        r"c\.yml, track 2: folder 'ecommerce'; expected '' .* or a folder named NN_topic",
    ),
    (
        "track-empty-title",
        manifest(track(1, title=" ")),
        InvalidValueError,
        r"c\.yml, track 1: field 'title' is ' ' \(str\); expected non-empty text",
    ),
    (
        "duplicate-track",
        manifest(track(3, name="ecommerce")),
        InvalidValueError,
        r"c\.yml: track name 'ecommerce' appears twice \(entries 2 and 3\)",
    ),
    (
        "lesson-not-a-mapping",
        manifest(lambda d: d["lessons"].append("02_finance/01_fraud.ipynb")),
        InvalidValueError,
        r"c\.yml, lesson 3: str '02_finance/01_fraud\.ipynb'; expected a lesson as a mapping",
    ),
    (
        "misspelt-field",
        manifest(lambda d: d["lessons"][1].update(minuts=d["lessons"][1].pop("minutes"))),
        UnknownNameError,
        r"c\.yml, lesson 2: unknown field 'minuts'; expected one of 'path', .*"
        r"did you mean 'minutes'\?",
    ),
    (
        "unknown-field",
        manifest(lesson(1, difficulty="easy")),
        UnknownNameError,
        r"unknown field 'difficulty'.*Hint: remove it\.",
    ),
    (
        "missing-fields",
        manifest(lambda d: [d["lessons"][0].pop(k) for k in ("minutes", "objectives")]),
        InvalidValueError,
        r"lesson 1: missing fields 'objectives', 'minutes'; expected a lesson with every field",
    ),
    (
        "path-not-text",
        manifest(lesson(1, path=7)),
        InvalidValueError,
        r"lesson 1: field 'path' is 7 \(int\); expected non-empty text",
    ),
    (
        "path-badly-named",
        manifest(lesson(1, path="Intro.ipynb")),
        InvalidValueError,
        r"lesson 1 \('Intro\.ipynb'\): path is not named NN_topic\.ipynb",
    ),
    (
        "path-too-deep",
        manifest(lesson(2, path="01_ecommerce/02_sql/01_joins.ipynb")),
        InvalidValueError,
        r"path is not named NN_topic\.ipynb",
    ),
    (
        "unknown-track-close",
        manifest(lesson(2, track="ecomerce")),
        UnknownNameError,
        r"lesson 2 \('01_ecommerce/01_sql_basics\.ipynb'\): unknown track 'ecomerce'; "
        r"expected one of 'start', 'ecommerce', 'finance'.*did you mean 'ecommerce'\?",
    ),
    (
        "unknown-track-far",
        manifest(lesson(2, track="iot")),
        UnknownNameError,
        r"unknown track 'iot'.*Hint: add the track under 'tracks:' first",
    ),
    (
        "wrong-folder-for-track",
        manifest(lesson(2, track="finance")),
        InvalidValueError,
        r"the notebook is in folder '01_ecommerce', not in track 'finance''s folder "
        r"'02_finance'.*Hint: move the notebook, or change its track",
    ),
    (
        "order-text",
        manifest(lesson(2, order="first")),
        InvalidValueError,
        r"field 'order' is 'first' \(str\); expected a whole number, at least 0",
    ),
    (
        "order-bool",
        manifest(lesson(2, order=True)),
        InvalidValueError,
        r"field 'order' is True \(bool\)",
    ),
    (
        "order-negative",
        manifest(lesson(1, order=-1)),
        InvalidValueError,
        r"field 'order' is -1 \(int\); expected a whole number, at least 0",
    ),
    (
        "minutes-zero",
        manifest(lesson(2, minutes=0)),
        InvalidValueError,
        r"field 'minutes' is 0 \(int\); expected a whole number, at least 1",
    ),
    (
        "minutes-float",
        manifest(lesson(2, minutes=45.5)),
        InvalidValueError,
        r"field 'minutes' is 45\.5 \(float\)",
    ),
    (
        "title-missing-value",
        manifest(lesson(2, title=None)),
        InvalidValueError,
        r"field 'title' is None \(NoneType\); expected non-empty text",
    ),
    (
        "objectives-empty",
        manifest(lesson(2, objectives=[])),
        InvalidValueError,
        r"field 'objectives' is \[\] \(list\); expected a list of texts with at least 1 item",
    ),
    (
        "objectives-text",
        manifest(lesson(2, objectives="Join tables")),
        InvalidValueError,
        r"field 'objectives' is 'Join tables' \(str\)",
    ),
    (
        "objectives-non-text-item",
        manifest(lesson(2, objectives=["Join tables", 3])),
        InvalidValueError,
        r"field 'objectives' is \['Join tables', 3\]",
    ),
    (
        "prerequisites-text",
        manifest(lesson(2, prerequisites="00_start_here.ipynb")),
        InvalidValueError,
        r"field 'prerequisites' is '00_start_here\.ipynb' \(str\); "
        r"expected a list of texts \(\[\] if none\)",
    ),
    (
        "duplicate-path",
        manifest(lambda d: d["lessons"].append({**d["lessons"][0], "order": 5})),
        InvalidValueError,
        r"c\.yml: lesson path '00_start_here\.ipynb' appears twice \(entries 1 and 3\)",
    ),
    (
        "duplicate-order",
        manifest(lesson(2, order=0)),
        InvalidValueError,
        r"c\.yml: lesson order 0 appears twice \(entries 1 and 2\); expected each lesson order",
    ),
    (
        "unknown-prerequisite-close",
        manifest(lesson(2, prerequisites=["00_start.ipynb"])),
        UnknownNameError,
        r"lesson 2 \('01_ecommerce/01_sql_basics\.ipynb'\): unknown prerequisite "
        r"'00_start\.ipynb'.*did you mean '00_start_here\.ipynb'\?",
    ),
    (
        "unknown-prerequisite-far",
        manifest(lesson(2, prerequisites=["02_finance/01_fraud.ipynb"])),
        UnknownNameError,
        r"unknown prerequisite .*Hint: list that lesson first or fix the path",
    ),
    (
        "prerequisite-later",
        manifest(lesson(1, prerequisites=["01_ecommerce/01_sql_basics.ipynb"])),
        InvalidValueError,
        r"lesson 1 \('00_start_here\.ipynb'\): prerequisite '01_ecommerce/01_sql_basics\.ipynb' "
        r"has order 1, not before this lesson's 0",
    ),
    (
        "prerequisite-itself",
        manifest(lesson(1, prerequisites=["00_start_here.ipynb"])),
        InvalidValueError,
        r"prerequisite '00_start_here\.ipynb' has order 0, not before this lesson's 0",
    ),
]


@pytest.mark.parametrize(
    ("data", "error", "pattern"),
    [pytest.param(data, error, pattern, id=name) for name, data, error, pattern in MISTAKES],
)
def test_manifest_mistakes_name_file_lesson_and_field(data, error, pattern):
    with pytest.raises(error, match=re.compile(pattern, re.DOTALL)):
        parse_curriculum(data, source="c.yml")


def test_every_mistake_has_a_hint():
    for _, data, error, _ in MISTAKES:
        with pytest.raises(error) as caught:
            parse_curriculum(data, source="c.yml")
        assert "\n\nHint: " in str(caught.value)
