"""The curriculum: which lessons exist, in what order, and the contents page.

The manifest ``notebooks/curriculum.yml`` declares the tracks and the lessons (plain
data). This module reads and validates it (:func:`load_curriculum`), compares it with
the notebooks on disk (:func:`check_files`) and renders the contents page
``notebooks/README.md`` from it (:func:`render_contents`). The command line runs them
as ``pipelinekit curriculum check`` and ``pipelinekit curriculum contents``.

Examples
--------
>>> course = parse_curriculum({
...     "tracks": [{"name": "start", "title": "Start here", "folder": ""}],
...     "lessons": [{"path": "00_start_here.ipynb", "order": 0, "track": "start",
...                  "title": "Start here", "objectives": ["Load a dataset"],
...                  "minutes": 20, "prerequisites": []}],
... })
>>> [lesson.path for lesson in course.lessons]
['00_start_here.ipynb']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pipelinekit.errors import (
    InvalidValueError,
    PipelinekitError,
    UnknownNameError,
    format_list,
    nearest,
)

__all__ = [
    "CONTENTS",
    "LESSON_PATH",
    "MANIFEST",
    "Curriculum",
    "FileReport",
    "Lesson",
    "Track",
    "check_files",
    "load_curriculum",
    "parse_curriculum",
    "render_contents",
]

MANIFEST = "curriculum.yml"
CONTENTS = "README.md"
#: ``NN_topic.ipynb``, optionally in one ``NN_track`` folder (``01_ecommerce/03_joins.ipynb``)
LESSON_PATH = re.compile(r"^(\d{2}_[a-z0-9]+(_[a-z0-9]+)*/)?\d{2}_[a-z0-9]+(_[a-z0-9]+)*\.ipynb$")
FOLDER = re.compile(r"^(\d{2}_[a-z0-9]+(_[a-z0-9]+)*)?$")
NAME_RULE = "NN_topic.ipynb: two digits, '_', a lowercase topic with '_' between words"
GENERATED = (
    "<!-- Generated from curriculum.yml by `pipelinekit curriculum contents`; do not edit. -->"
)
TOP_FIELDS = ("tracks", "lessons")
OPTIONAL_TOP_FIELDS = ("exercises",)
EXERCISE_FIELDS = ("name", "title", "lesson", "minutes")
EXERCISE_NAME = re.compile(r"^\d{2}_[a-z0-9]+(_[a-z0-9]+)*$")
TRACK_FIELDS = ("name", "title", "folder")
LESSON_FIELDS = ("path", "order", "track", "title", "objectives", "minutes", "prerequisites")


@dataclass(frozen=True)
class Track:
    """A domain track: a folder of lessons such as ``01_ecommerce``."""

    name: str
    title: str
    folder: str


@dataclass(frozen=True)
class Lesson:
    """One lesson notebook, as the manifest declares it."""

    path: str
    order: int
    track: str
    title: str
    objectives: tuple[str, ...]
    minutes: int
    prerequisites: tuple[str, ...]


@dataclass(frozen=True)
class ExerciseEntry:
    """One exercise: its source is ``solutions/source/<name>.ipynb``, built by
    ``pipelinekit exercises build`` into ``exercises/<name>.ipynb``."""

    name: str
    title: str
    lesson: str
    minutes: int


@dataclass(frozen=True)
class Curriculum:
    """The tracks, in manifest order, the lessons, in course order, and the exercises."""

    tracks: tuple[Track, ...]
    lessons: tuple[Lesson, ...]
    source: str = MANIFEST
    exercises: tuple[ExerciseEntry, ...] = ()

    def lesson(self, path: str) -> Lesson:
        """The lesson at ``path`` (relative to ``notebooks/``)."""
        for lesson in self.lessons:
            if lesson.path == path:
                return lesson
        paths = [lesson.path for lesson in self.lessons]
        raise UnknownNameError.for_name(path, paths, kind="lesson")

    def lessons_of(self, track: str) -> list[Lesson]:
        """The lessons of ``track``, in course order."""
        return [lesson for lesson in self.lessons if lesson.track == track]


@dataclass(frozen=True)
class FileReport:
    """How the manifest and the notebooks on disk disagree (all empty when they agree).

    Attributes
    ----------
    unlisted : tuple of str
        Well-named notebooks on disk that the manifest does not list.
    missing : tuple of str
        Manifest lessons without a notebook file.
    misnamed : tuple of str
        Notebooks on disk not named ``NN_topic.ipynb`` (in an ``NN_track`` folder).
    """

    unlisted: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    misnamed: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the manifest and the files agree."""
        return not (self.unlisted or self.missing or self.misnamed)

    def problems(self) -> list[str]:
        """One sentence per kind of disagreement, saying how to fix it."""
        problems = []
        if self.unlisted:
            problems.append(
                f"Not in {MANIFEST}: {format_list(self.unlisted)}; add a lesson entry for each."
            )
        if self.missing:
            problems.append(
                f"Listed in {MANIFEST} but no such file: {format_list(self.missing)}; "
                "create the notebook or fix its path."
            )
        if self.misnamed:
            problems.append(
                f"Not named {NAME_RULE}: {format_list(self.misnamed)}; rename them "
                "(e.g. 01_ecommerce/03_window_functions.ipynb)."
            )
        return problems


def load_curriculum(folder: str | Path = "notebooks") -> Curriculum:
    """Read and validate ``curriculum.yml`` in the lessons ``folder``.

    Parameters
    ----------
    folder : str or Path
        The folder holding the lessons and their manifest (``notebooks`` in the repo).

    Raises
    ------
    PipelinekitError
        When the manifest is missing or is not YAML; its subclasses
        (:class:`~pipelinekit.errors.InvalidValueError`,
        :class:`~pipelinekit.errors.UnknownNameError`) name the file, the lesson and
        the field that is wrong.
    """
    path = Path(folder) / MANIFEST
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise PipelinekitError(
            f"No lesson manifest at {path}",
            f"the file {MANIFEST} listing the lessons",
            "run from the repository root or pass the lessons folder (--notebooks DIR)",
        ) from error
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise PipelinekitError(
            f"{path} is not valid YAML{line} ({getattr(error, 'problem', None) or error})",
            "a mapping with 'tracks' and 'lessons'",
            "check the indentation and quote titles that contain ': '",
        ) from error
    return parse_curriculum(data, source=str(path))


def parse_curriculum(data: object, *, source: str = MANIFEST) -> Curriculum:
    """Validate the manifest's parsed YAML ``data`` and build the :class:`Curriculum`.

    Every error names ``source``, the lesson (or track) and the field at fault.

    Examples
    --------
    >>> parse_curriculum({"tracks": [], "lessons": [], "lesons": []}, source="c.yml")
    Traceback (most recent call last):
    ...
    pipelinekit.errors.UnknownNameError: c.yml: unknown field 'lesons'; expected ...
    """
    top = _fields(data, TOP_FIELDS, where=source, what="the manifest", optional=OPTIONAL_TOP_FIELDS)
    tracks = tuple(
        _track(entry, where=f"{source}, track {number}")
        for number, entry in enumerate(_list(top["tracks"], "tracks", where=source), start=1)
    )
    _unique([track.name for track in tracks], "track name", source)
    lessons = []
    for number, entry in enumerate(_list(top["lessons"], "lessons", where=source), start=1):
        lessons.append(_lesson(entry, tracks, where=f"{source}, lesson {number}"))
    _unique([lesson.path for lesson in lessons], "lesson path", source)
    _unique([lesson.order for lesson in lessons], "lesson order", source)
    order = {lesson.path: lesson.order for lesson in lessons}
    for number, lesson in enumerate(lessons, start=1):
        where = f"{source}, lesson {number} ('{lesson.path}')"
        for prerequisite in lesson.prerequisites:
            if prerequisite not in order:
                raise UnknownNameError(
                    f"{where}: unknown prerequisite '{prerequisite}'",
                    f"the path of a lesson in the manifest: {format_list(order)}",
                    _did_you_mean(prerequisite, order, "list that lesson first or fix the path"),
                )
            if order[prerequisite] >= lesson.order:
                raise InvalidValueError(
                    f"{where}: prerequisite '{prerequisite}' has order "
                    f"{order[prerequisite]}, not before this lesson's {lesson.order}",
                    "prerequisites that come earlier in the course",
                    "give the prerequisite a smaller order, or drop it",
                )
    ordered = tuple(sorted(lessons, key=lambda lesson: lesson.order))
    exercises = tuple(
        _exercise(entry, order, where=f"{source}, exercise {number}")
        for number, entry in enumerate(
            _list(top.get("exercises", []), "exercises", where=source), 1
        )
    )
    _unique([exercise.name for exercise in exercises], "exercise name", source)
    return Curriculum(tracks, ordered, source, exercises)


def _exercise(entry: object, lessons: dict[str, int], *, where: str) -> ExerciseEntry:
    fields = _fields(entry, EXERCISE_FIELDS, where=where, what="an exercise")
    name = _text(fields, "name", where)
    if not EXERCISE_NAME.match(name):
        raise InvalidValueError(
            f"{where}: name '{name}'",
            "NN_topic: two digits, '_', a lowercase topic (the source file's name without .ipynb)",
            "e.g. 00_datasets_tour for solutions/source/00_datasets_tour.ipynb",
        )
    lesson = _text(fields, "lesson", where)
    if lesson not in lessons:
        raise UnknownNameError(
            f"{where}: unknown lesson '{lesson}'",
            f"the path of a lesson in the manifest: {format_list(lessons)}",
            _did_you_mean(lesson, lessons, "name the lesson this exercise practises"),
        )
    return ExerciseEntry(
        name, _text(fields, "title", where), lesson, _number(fields, "minutes", where, minimum=1)
    )


def check_files(curriculum: Curriculum, folder: str | Path = "notebooks") -> FileReport:
    """Compare the manifest with the ``*.ipynb`` files under ``folder``.

    Jupyter's ``.ipynb_checkpoints`` folders are ignored.

    Examples
    --------
    >>> import tempfile
    >>> course = Curriculum(tracks=(), lessons=())
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = (Path(folder) / "Intro.ipynb").write_text("{}")
    ...     check_files(course, folder).misnamed
    ('Intro.ipynb',)
    """
    root = Path(folder)
    on_disk = sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*.ipynb")
        if ".ipynb_checkpoints" not in path.parts
    )
    listed = {lesson.path for lesson in curriculum.lessons}
    return FileReport(
        unlisted=tuple(p for p in on_disk if p not in listed and LESSON_PATH.match(p)),
        missing=tuple(sorted(p for p in listed if not (root / p).is_file())),
        misnamed=tuple(p for p in on_disk if not LESSON_PATH.match(p)),
    )


def render_contents(curriculum: Curriculum) -> str:
    """The contents page (``notebooks/README.md``): tracks, then their lessons in order.

    Examples
    --------
    >>> course = Curriculum(
    ...     tracks=(Track("start", "Start here", ""),),
    ...     lessons=(Lesson("00_start_here.ipynb", 0, "start", "The tour", ("Load data",),
    ...                     20, ()),),
    ... )
    >>> print(render_contents(course).split("## Start here")[1].strip())
    ### [The tour](00_start_here.ipynb)
    <BLANKLINE>
    20 minutes · prerequisites: none
    <BLANKLINE>
    - Load data
    """
    titles = {lesson.path: lesson.title for lesson in curriculum.lessons}
    minutes = sum(lesson.minutes for lesson in curriculum.lessons)
    count = len(curriculum.lessons)
    lines = [
        GENERATED,
        "",
        "# Lessons",
        "",
        f"{count} lesson{'s' if count != 1 else ''}, about {minutes} minutes in all. "
        "Take them in this order; `make lab` opens them in Jupyter Lab.",
        "Every lesson runs top to bottom on seeded data, so your numbers match the ones shown.",
    ]
    for track in curriculum.tracks:
        lines += ["", f"## {track.title}"]
        lessons = curriculum.lessons_of(track.name)
        if not lessons:
            lines += ["", "No lessons yet."]
        for lesson in lessons:
            needs = ", ".join(f"[{titles[p]}]({p})" for p in lesson.prerequisites) or "none"
            lines += [
                "",
                f"### [{lesson.title}]({lesson.path})",
                "",
                f"{lesson.minutes} minutes · prerequisites: {needs}",
                "",
                *(f"- {objective}" for objective in lesson.objectives),
            ]
            for exercise in (e for e in curriculum.exercises if e.lesson == lesson.path):
                lines += [
                    "",
                    f"Exercise: [{exercise.title}](../exercises/{exercise.name}.ipynb) "
                    f"({exercise.minutes} minutes, grades itself)",
                ]
    return "\n".join(lines) + "\n"


def _track(entry: object, *, where: str) -> Track:
    fields = _fields(entry, TRACK_FIELDS, where=where, what="a track")
    folder = fields["folder"]
    if not isinstance(folder, str) or not FOLDER.match(folder):
        raise InvalidValueError(
            f"{where}: folder {folder!r}",
            "'' (the top of notebooks/) or a folder named NN_topic such as '01_ecommerce'",
            "write folder: 02_finance",
        )
    return Track(_text(fields, "name", where), _text(fields, "title", where), folder)


def _lesson(entry: object, tracks: tuple[Track, ...], *, where: str) -> Lesson:
    fields = _fields(entry, LESSON_FIELDS, where=where, what="a lesson")
    path = _text(fields, "path", where)
    where = f"{where} ('{path}')"
    if not LESSON_PATH.match(path):
        raise InvalidValueError(
            f"{where}: path is not named {NAME_RULE}",
            "a path such as 01_ecommerce/03_window_functions.ipynb",
            "rename the notebook and its manifest entry",
        )
    folders = {track.name: track.folder for track in tracks}
    track = _text(fields, "track", where)
    if track not in folders:
        raise UnknownNameError(
            f"{where}: unknown track '{track}'",
            f"one of {format_list(folders)}",
            _did_you_mean(track, folders, "add the track under 'tracks:' first"),
        )
    folder = path.rpartition("/")[0]
    if folder != folders[track]:
        raise InvalidValueError(
            f"{where}: the notebook is in folder '{folder}', not in track '{track}''s "
            f"folder '{folders[track]}'",
            "each lesson in its track's folder",
            "move the notebook, or change its track",
        )
    return Lesson(
        path=path,
        order=_number(fields, "order", where, minimum=0),
        track=track,
        title=_text(fields, "title", where),
        objectives=_texts(fields, "objectives", where, at_least=1),
        minutes=_number(fields, "minutes", where, minimum=1),
        prerequisites=_texts(fields, "prerequisites", where, at_least=0),
    )


def _fields(
    entry: object, names: tuple[str, ...], *, where: str, what: str, optional: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Check ``entry`` is a mapping with exactly the fields ``names`` (and maybe ``optional``)."""
    if not isinstance(entry, Mapping):
        raise InvalidValueError(
            f"{where}: {type(entry).__name__} {entry!r}",
            f"{what} as a mapping with the fields {format_list(names)}",
            "write one 'field: value' per line, indented under '- '",
        )
    for key in entry:
        if key not in names + optional:
            raise UnknownNameError(
                f"{where}: unknown field '{key}'",
                f"one of {format_list(names + optional)}",
                _did_you_mean(str(key), names + optional, "remove it"),
            )
    missing = [name for name in names if name not in entry]
    if missing:
        raise InvalidValueError(
            f"{where}: missing field{'s' if len(missing) > 1 else ''} {format_list(missing)}",
            f"{what} with every field: {format_list(names)}",
            f"add '{missing[0]}: ...'",
        )
    return dict(entry)


def _check(
    fields: dict[str, Any], name: str, where: str, valid: Callable[[Any], bool], expected: str
) -> Any:
    value = fields[name]
    if not valid(value):
        raise InvalidValueError(
            f"{where}: field '{name}' is {value!r} ({type(value).__name__})",
            expected,
            f"see the field list at the top of {MANIFEST}",
        )
    return value


def _text(fields: dict[str, Any], name: str, where: str) -> str:
    return _check(
        fields, name, where, lambda v: isinstance(v, str) and v.strip() != "", "non-empty text"
    )


def _number(fields: dict[str, Any], name: str, where: str, *, minimum: int) -> int:
    def valid(value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and value >= minimum

    return _check(fields, name, where, valid, f"a whole number, at least {minimum}")


def _texts(fields: dict[str, Any], name: str, where: str, *, at_least: int) -> tuple[str, ...]:
    def valid(value: Any) -> bool:
        return (
            isinstance(value, list)
            and len(value) >= at_least
            and all(isinstance(item, str) and item.strip() for item in value)
        )

    need = "a list of texts" + (f" with at least {at_least} item" if at_least else " ([] if none)")
    return tuple(_check(fields, name, where, valid, need))


def _list(value: object, name: str, *, where: str) -> list[object]:
    if not isinstance(value, list):
        raise InvalidValueError(
            f"{where}: '{name}' is {type(value).__name__} {value!r}",
            f"a list of {name}, one '- ' item each",
            f"write '{name}: []' when there are none yet",
        )
    return value


def _unique(values: list[Any], kind: str, source: str) -> None:
    seen: dict[Any, int] = {}
    for number, value in enumerate(values, start=1):
        if value in seen:
            raise InvalidValueError(
                f"{source}: {kind} {value!r} appears twice (entries {seen[value]} and {number})",
                f"each {kind} once",
                "remove the duplicate entry or change one of them",
            )
        seen[value] = number


def _did_you_mean(name: str, options: Any, otherwise: str) -> str:
    close = nearest(name, options)
    return f"did you mean {format_list(close)}?" if close else otherwise


def execute_in_place(path: str | Path, *, timeout: float = 600) -> None:
    """Run a lesson top to bottom in a fresh kernel and store its outputs.

    Execution times and other run-time metadata are dropped, so a re-run that gives the
    same outputs gives the same file.
    """
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, kernel_name="python3", timeout=timeout,
                   resources={"metadata": {"path": str(Path(path).parent)}}).execute()  # fmt: skip
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(notebook, path)
