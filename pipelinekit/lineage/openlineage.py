"""Export lineage as OpenLineage events, for Marquez, DataHub or any OpenLineage consumer.

`OpenLineage <https://openlineage.io>`_ describes lineage as *run events*: a job (our
step) starts a run (``START``) and the run ends (``COMPLETE``, ``FAIL`` or ``ABORT``); each
event names the datasets the job read (``inputs``) and wrote (``outputs``). Facets add the
details: the job's kind and SQL, each dataset's schema and, for outputs, which input
columns every output column came from (``columnLineage``, with the same DIRECT/INDIRECT
types and subtypes :mod:`pipelinekit.lineage.model` uses).

:func:`run_events` builds the events of one step's recorded runs and :func:`events` those
of every run, as plain dicts that follow OpenLineage spec 2-0-2. :func:`emit` POSTs them
to an OpenLineage HTTP endpoint (Marquez listens on
``http://localhost:5000/api/v1/lineage``) and :func:`write_events` saves them as JSON
Lines.

Only recorded runs become events (``graph.record_run``, which tracked steps do for you):
OpenLineage has no event for a job that never ran.

Examples
--------
>>> from pipelinekit.lineage.graph import LineageGraph
>>> from pipelinekit.lineage.model import StepRecord
>>> graph = LineageGraph()
>>> graph.add(StepRecord.from_mapping(
...     "totals", inputs={"orders": ["amount"]}, outputs={"totals": ["revenue"]},
...     derived={"totals.revenue": ["orders.amount"]}, subtype="AGGREGATION", kind="sql"))
>>> graph.record_run("totals", run_id="0b6c1d3e-8f7a-4c2b-9d1e-2f3a4b5c6d7e",
...     status="COMPLETE", started_at="2024-05-01T09:00:00+00:00",
...     ended_at="2024-05-01T09:00:02+00:00")
>>> start, complete = run_events(graph, "totals")
>>> start["eventType"], complete["eventType"], complete["eventTime"]
('START', 'COMPLETE', '2024-05-01T09:00:02+00:00')
>>> lineage = complete["outputs"][0]["facets"]["columnLineage"]["fields"]
>>> lineage["revenue"]["inputFields"][0]["field"]
'amount'
>>> lineage["revenue"]["inputFields"][0]["transformations"]
[{'type': 'DIRECT', 'subtype': 'AGGREGATION'}]
"""

from __future__ import annotations

import copy
import json
import os
import socket
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipelinekit.config import redact
from pipelinekit.errors import InvalidValueError, OutputError, PipelinekitError, UnknownNameError
from pipelinekit.lineage.graph import LineageGraph
from pipelinekit.lineage.model import Edge, StepRecord, column_id

__all__ = [
    "FACET_SCHEMAS",
    "SCHEMA_URL",
    "emit",
    "events",
    "producer",
    "run_events",
    "write_events",
]

Event = dict[str, Any]

#: The OpenLineage schema every event follows.
SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
_FACETS = "https://openlineage.io/spec/facets"
#: The schema of each facet pipelinekit writes, by the facet's key in an event.
FACET_SCHEMAS: dict[str, str] = {
    "jobType": f"{_FACETS}/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet",
    "sql": f"{_FACETS}/1-1-0/SQLJobFacet.json#/$defs/SQLJobFacet",
    "errorMessage": f"{_FACETS}/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet",
    "schema": f"{_FACETS}/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet",
    "columnLineage": (
        f"{_FACETS}/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet"
    ),
    "documentation": (
        f"{_FACETS}/1-1-0/DocumentationDatasetFacet.json#/$defs/DocumentationDatasetFacet"
    ),
    "ownership": f"{_FACETS}/1-0-1/OwnershipDatasetFacet.json#/$defs/OwnershipDatasetFacet",
    "tags": f"{_FACETS}/1-0-0/TagsDatasetFacet.json#/$defs/TagsDatasetFacet",
}
_MARQUEZ = "http://localhost:5000/api/v1/lineage"


def producer() -> str:
    """The URI that names pipelinekit (and its version) as the producer of an event.

    Examples
    --------
    >>> producer()
    'https://pypi.org/project/pipelinekit/0.1.0/'
    """
    from pipelinekit import __version__

    return f"https://pypi.org/project/pipelinekit/{__version__}/"


def run_events(
    graph: LineageGraph,
    step: str,
    *,
    run_id: str | None = None,
    namespace: str = "pipelinekit",
) -> list[Event]:
    """The OpenLineage events of ``step``'s recorded runs: START, then how each run ended.

    Parameters
    ----------
    graph : LineageGraph
        Where the step and its runs are recorded.
    step : str
        The step (an OpenLineage job).
    run_id : str, optional
        Only this run; every run of the step, in the order recorded, when not given.
    namespace : str
        The jobs' namespace. Datasets keep their own (``graph.namespaces``).

    Returns
    -------
    list of dict
        Two events per run, ``START`` at ``started_at`` and ``COMPLETE``, ``FAIL`` or
        ``ABORT`` at ``ended_at``; a failed run carries its error in the
        ``errorMessage`` run facet. A run id that is not a UUID, as OpenLineage requires,
        is replaced by the UUID it names (:func:`uuid.uuid5`), the same every time.

    Raises
    ------
    UnknownNameError
        No such step, or no such run of it.
    PipelinekitError
        The step has no recorded run.
    """
    record = _step(graph, step)
    runs = [run for run in graph.runs if run["step"] == step]
    if not runs:
        raise PipelinekitError(
            f"Step '{step}' has no recorded run",
            "at least one run, since OpenLineage events describe runs",
            f"run the step with lineage tracking, or record one with graph.record_run('{step}',"
            " run_id=..., status='COMPLETE', started_at=..., ended_at=...)",
        )
    if run_id is not None:
        chosen = [run for run in runs if run["run_id"] == run_id]
        if not chosen:
            raise UnknownNameError.for_name(
                run_id, [str(run["run_id"]) for run in runs], kind=f"run of step '{step}'"
            )
        runs = chosen
    return [event for run in runs for event in _run(graph, record, run, namespace)]


def events(graph: LineageGraph, *, namespace: str = "pipelinekit") -> list[Event]:
    """The events of every recorded run, in the order the runs were recorded.

    Steps without a recorded run have no events (see :func:`run_events`).

    Examples
    --------
    >>> from pipelinekit.lineage.graph import LineageGraph
    >>> events(LineageGraph())
    []
    """
    return [
        event
        for run in graph.runs
        for event in _run(graph, _step(graph, str(run["step"])), run, namespace)
    ]


def emit(
    events: Iterable[Event],
    url: str,
    *,
    timeout: float = 5.0,
    headers: Mapping[str, str] | None = None,
) -> int:
    """POST each event, as JSON, to an OpenLineage HTTP endpoint; return how many were sent.

    Parameters
    ----------
    events : iterable of dict
        What :func:`run_events` or :func:`events` returned.
    url : str
        The endpoint, such as Marquez's ``http://localhost:5000/api/v1/lineage``.
    timeout : float
        Seconds to wait for each answer.
    headers : mapping, optional
        Extra HTTP headers (``{"Authorization": "Bearer ..."}``).

    Raises
    ------
    InvalidValueError
        ``url`` is not an http(s) address.
    PipelinekitError
        The server cannot be reached, does not answer in time, or rejects an event (HTTP
        4xx or 5xx). Events before the failing one were sent; the message says how many.

    Examples
    --------
    >>> emit([], "ftp://example.org/lineage")
    Traceback (most recent call last):
    ...
    pipelinekit.errors.InvalidValueError: OpenLineage endpoint 'ftp://example.org/lineage' ...
    """
    if not url.startswith(("http://", "https://")):
        raise InvalidValueError(
            f"OpenLineage endpoint '{redact(url)}' is not an HTTP address",
            f"a URL starting with http:// or https://, such as '{_MARQUEZ}'",
            "copy the lineage endpoint from your OpenLineage server's documentation",
        )
    events = list(events)
    sent = 0
    for event in events:
        request = urllib.request.Request(
            url,
            data=json.dumps(event).encode("utf-8"),
            headers={"Content-Type": "application/json", **(headers or {})},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # nosec B310
                response.read()
        except urllib.error.HTTPError as error:
            raise _rejected(url, error, sent, len(events)) from error
        except (urllib.error.URLError, OSError) as error:
            raise _unreachable(url, error, sent, len(events), timeout) from error
        sent += 1
    return sent


def write_events(events: Iterable[Event], path: str | os.PathLike[str]) -> Path:
    """Save events as JSON Lines, one event a line, all or nothing.

    The file is written under a temporary name beside ``path`` and renamed when
    complete, so a failure never leaves half a file. The folder is created if missing.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = write_events([{"eventType": "START"}], pathlib.Path(folder) / "ol.jsonl")
    ...     path.read_text()
    '{"eventType": "START"}\\n'
    """
    final = Path(path)
    staged = final.with_name(f".{final.name}.partial")
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        with staged.open("w", encoding="utf-8") as file:
            for event in events:
                file.write(json.dumps(event) + "\n")
        os.replace(staged, final)
    except BaseException as error:
        if staged.parent.is_dir():
            staged.unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise OutputError(
                f"Cannot write OpenLineage events to '{final}' ({error.strerror or error})",
                "a file in a folder you can write to",
                "choose another path, e.g. lineage.jsonl in your home folder",
            ) from error
        raise
    return final


# ---------------------------------------------------------------------- events
def _step(graph: LineageGraph, step: str) -> StepRecord:
    try:
        return graph.steps[step]
    except KeyError:
        raise UnknownNameError.for_name(
            step, graph.steps, kind="step", hint="graph.steps lists the steps"
        ) from None


def _run(
    graph: LineageGraph, step: StepRecord, run: Mapping[str, object], namespace: str
) -> list[Event]:
    run_id = _run_id(str(run["run_id"]))
    job = _job(step, namespace)
    inputs = [_dataset(graph, step, name, output=False) for name in step.inputs]
    outputs = [_dataset(graph, step, name, output=True) for name in step.outputs]
    written = [_dataset(graph, step, name, output=True, quality=True) for name in step.outputs]
    ended: dict[str, Any] = {"runId": run_id}
    if run.get("error") is not None or run["status"] == "FAIL":
        message = str(run.get("error") or "the step failed without a message")
        ended["facets"] = {
            "errorMessage": _facet("errorMessage", message=message, programmingLanguage="PYTHON")
        }
    start = _event("START", _time(run, "started_at"), {"runId": run_id}, job, inputs, outputs)
    end = _event(str(run["status"]), _time(run, "ended_at"), ended, job, inputs, written)
    return [start, copy.deepcopy(end)]  # events share no dicts: changing one leaves the other


def _event(
    kind: str, time: str, run: Event, job: Event, inputs: list[Event], outputs: list[Event]
) -> Event:
    return {
        "eventType": kind,
        "eventTime": time,
        "run": run,
        "job": job,
        "inputs": inputs,
        "outputs": outputs,
        "producer": producer(),
        "schemaURL": SCHEMA_URL,
    }


def _facet(name: str, **fields: object) -> Event:
    return {"_producer": producer(), "_schemaURL": FACET_SCHEMAS[name], **fields}


def _run_id(raw: str) -> str:
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"pipelinekit:run:{raw}"))


def _time(run: Mapping[str, object], key: str) -> str:
    raw = run.get(key)
    try:
        moment = datetime.fromisoformat(str(raw))
    except ValueError as error:
        raise InvalidValueError(
            f"Run '{run['run_id']}' of step '{run['step']}' has {key}={raw!r}",
            "an ISO-8601 time, such as '2024-05-01T09:00:00+00:00'",
            "record runs with datetime.now(timezone.utc).isoformat()",
        ) from error
    if moment.tzinfo is None:  # runs are recorded in UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat()


def _job(step: StepRecord, namespace: str) -> Event:
    facets = {
        "jobType": _facet(
            "jobType", processingType="BATCH", integration="PIPELINEKIT", jobType=step.kind.upper()
        )
    }
    if step.sql:
        facets["sql"] = _facet("sql", query=step.sql, dialect="duckdb")
    return {"namespace": namespace, "name": step.name, "facets": facets}


# ---------------------------------------------------------------------- datasets
def _dataset(
    graph: LineageGraph, step: StepRecord, name: str, *, output: bool, quality: bool = False
) -> Event:
    """One dataset of an event; ``quality`` adds an output's quality facets (end events).

    Quality facets (``pk.quality.facets.attach_facets`` sets the node attribute
    ``quality_facets``) go to an input's ``inputFacets`` in every event, and to an
    output's ``facets`` only in the end event: the START event comes before the data.
    """
    node = graph.graph.nodes[name]
    facets: dict[str, Event] = {}
    columns = graph.columns(name)
    if columns:
        facets["schema"] = _facet(
            "schema", fields=[_field(graph, name, c, i) for i, c in enumerate(columns, 1)]
        )
    if isinstance(node.get("description"), str) and node["description"]:
        facets["documentation"] = _facet("documentation", description=node["description"])
    if node.get("owner"):
        facets["ownership"] = _facet("ownership", owners=_owners(node["owner"]))
    tags = _tags(node.get("tags"))
    for column in columns:  # a column's tags name it in ``field``
        tags += _tags(graph.graph.nodes[column_id(name, column)].get("tags"), field=column)
    if tags:
        facets["tags"] = _facet("tags", tags=tags)
    if output:
        lineage = _column_lineage(graph, step, name)
        if lineage is not None:
            facets["columnLineage"] = lineage
    checked = node.get("quality_facets")
    checked = checked if isinstance(checked, Mapping) and checked else None
    if checked is not None and output and quality:
        facets.update(_quality(checked, output=True))
    dataset: Event = {"namespace": _namespace(graph, name), "name": name}
    if facets:
        dataset["facets"] = facets
    if checked is not None and not output:
        dataset["inputFacets"] = _quality(checked, output=False)
    return dataset


def _quality(facets: Mapping[str, Any], *, output: bool) -> dict[str, Event]:
    from pipelinekit.quality.facets import for_role  # quality builds on lineage, not back

    return for_role(facets, output=output)


def _namespace(graph: LineageGraph, dataset: str) -> str:
    return graph.namespaces.get(dataset, "pipelinekit")


def _field(graph: LineageGraph, dataset: str, column: str, position: int) -> Event:
    attributes = graph.graph.nodes[column_id(dataset, column)]
    field: Event = {"name": column}
    for key in ("type", "description"):
        if isinstance(attributes.get(key), str) and attributes[key]:
            field[key] = attributes[key]
    field["ordinal_position"] = position
    return field


def _owners(owner: object) -> list[Event]:
    """``"team:data"``, a list of names, or dicts with ``name`` (and ``type``)."""
    many = [owner] if isinstance(owner, str | Mapping) or not isinstance(owner, Iterable) else owner
    owners: list[Event] = []
    for one in many:
        if isinstance(one, Mapping):
            owners.append({k: str(v) for k, v in one.items() if k in ("name", "type")})
        else:
            owners.append({"name": str(one)})
    return owners


def _tags(tags: object, *, field: str | None = None) -> list[Event]:
    """``["pii"]`` (each tag set to ``"true"``) or ``{"tier": "gold"}``; none for None."""
    if not tags:
        return []
    if isinstance(tags, Mapping):
        pairs = list(tags.items())
    else:
        many = [tags] if isinstance(tags, str) or not isinstance(tags, Iterable) else tags
        pairs = [(tag, "true") for tag in many]
    where = {} if field is None else {"field": field}
    return [{"key": str(k), "value": str(v), "source": "PIPELINEKIT", **where} for k, v in pairs]


def _column_lineage(graph: LineageGraph, step: StepRecord, dataset: str) -> Event | None:
    """The columnLineage facet of one output, or None when the step declared no edges to it.

    An INDIRECT edge that reaches every output column (a filter, a join key) is listed
    once, in the facet's ``dataset`` list, rather than under every field.
    """
    edges = [edge for edge in step.edges if edge.target.dataset == dataset]
    if not edges:
        return None
    outputs = step.outputs[dataset]
    indirect: dict[str, set[tuple]] = {column: set() for column in outputs}
    for edge in edges:
        if edge.type == "INDIRECT":
            indirect[edge.target.name].add(_key(edge))
    everywhere = set.intersection(*indirect.values()) if outputs else set()

    fields: dict[str, Event] = {}
    for column in outputs:
        mine = [e for e in edges if e.target.name == column and _key(e) not in everywhere]
        if mine:
            fields[column] = {"inputFields": _input_fields(graph, mine)}
    facet = _facet("columnLineage", fields=fields)
    if everywhere:
        seen: set[tuple] = set()
        whole = []
        for edge in edges:  # once per (source, transformation), in the order declared
            if _key(edge) in everywhere and _key(edge) not in seen:
                seen.add(_key(edge))
                whole.append(edge)
        facet["dataset"] = _input_fields(graph, whole)
    return facet


def _key(edge: Edge) -> tuple:
    return (edge.source, edge.subtype, edge.description)


def _input_fields(graph: LineageGraph, edges: list[Edge]) -> list[Event]:
    """One entry per source column, with every transformation from it, in declared order."""
    by_source: dict[object, Event] = {}
    for edge in edges:
        entry = by_source.setdefault(
            edge.source,
            {
                "namespace": _namespace(graph, edge.source.dataset),
                "name": edge.source.dataset,
                "field": edge.source.name,
                "transformations": [],
            },
        )
        transformation: dict[str, str] = {"type": edge.type, "subtype": edge.subtype}
        if edge.description:
            transformation["description"] = edge.description
        if transformation not in entry["transformations"]:
            entry["transformations"].append(transformation)
    return list(by_source.values())


def _rejected(url: str, error: urllib.error.HTTPError, sent: int, total: int) -> PipelinekitError:
    try:
        body = error.read(300).decode("utf-8", "replace").strip()
    except OSError:
        body = ""
    finally:
        error.close()
    client = 400 <= error.code < 500
    return PipelinekitError(
        f"OpenLineage endpoint {redact(url)} answered HTTP {error.code} {error.reason}"
        f" to event {sent + 1} of {total}"
        + (f": {body}" if body else "")
        + ("" if sent == 0 else f" (the {sent} before it were sent)"),
        "HTTP 2xx, the event accepted",
        (
            "the server refused the event: check the URL (Marquez's is"
            f" {_MARQUEZ}) and any Authorization header"
            if client
            else "the server failed while storing the event: look at its log, then retry"
        ),
    )


def _unreachable(
    url: str, error: OSError, sent: int, total: int, timeout: float
) -> PipelinekitError:
    reason = getattr(error, "reason", error)
    if isinstance(reason, TimeoutError | socket.timeout):
        what = f"did not answer within {timeout:g} s"
    else:
        what = f"cannot be reached ({getattr(reason, 'strerror', None) or reason})"
    return PipelinekitError(
        f"OpenLineage endpoint {redact(url)} {what}, no HTTP status,"
        f" at event {sent + 1} of {total}"
        + ("" if sent == 0 else f" (the {sent} before it were sent)"),
        "a running OpenLineage server at that address",
        "start the server (Marquez, for one) or fix the URL;"
        " write_events(events, 'lineage.jsonl') keeps the events in a file meanwhile",
    )
