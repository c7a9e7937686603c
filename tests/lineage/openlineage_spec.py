"""The OpenLineage JSON schemas, for tests that validate events offline.

The schemas live outside the repository, in ``shared/openlineage-spec`` (the core
``OpenLineage.json``, spec 2-0-2, and ``facets/``). :func:`spec_folder` finds them:

1. the folder named by ``PIPELINEKIT_OPENLINEAGE_SPEC``;
2. ``<repo>/../shared/openlineage-spec``;
3. ``shared/openlineage-spec`` under any parent of the repository;
4. ``/work/shared/openlineage-spec``.

A test that needs them calls :func:`validators` and is skipped, with a message saying
where it looked, when they are absent. Schemas refer to each other by ``$id``; every file
is loaded into one ``referencing.Registry``, so validation never reaches the network.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ENV = "PIPELINEKIT_OPENLINEAGE_SPEC"
REPO = Path(__file__).resolve().parents[2]
CORE_ID = "https://openlineage.io/spec/2-0-2/OpenLineage.json"


def candidates(environ: Mapping[str, str] = os.environ) -> list[Path]:
    """Where the spec folder may be, in the order :func:`spec_folder` looks."""
    places = []
    if environ.get(ENV):
        places.append(Path(environ[ENV]))
    places.append(REPO.parent / "shared" / "openlineage-spec")
    places.extend(parent / "shared" / "openlineage-spec" for parent in REPO.parents)
    places.append(Path("/work/shared/openlineage-spec"))
    return list(dict.fromkeys(places))


def spec_folder() -> Path:
    """The first candidate holding ``OpenLineage.json``; skip the test when there is none."""
    places = candidates()
    for place in places:
        if (place / "OpenLineage.json").is_file():
            return place
    looked = ", ".join(str(p) for p in places[:4])
    pytest.skip(
        f"OpenLineage JSON schemas not found (looked in {looked} ...); set {ENV} to the"
        " folder holding OpenLineage.json and facets/ to run the OpenLineage schema tests"
    )


@dataclass(frozen=True)
class Validators:
    """A Draft 2020-12 validator for any schema of the spec folder, by ``$id`` URL."""

    registry: Registry
    ids: tuple[str, ...]

    def validator(self, ref: str) -> Draft202012Validator:
        """A validator for ``ref``: a schema's ``$id``, optionally with ``#/$defs/...``."""
        return Draft202012Validator(
            {"$ref": ref},
            registry=self.registry,
            format_checker=Draft202012Validator.FORMAT_CHECKER,
        )

    def errors(self, instance: object, ref: str = CORE_ID) -> list[str]:
        """Every way ``instance`` breaks the schema ``ref``, as readable lines."""
        return [
            f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
            for e in self.validator(ref).iter_errors(instance)
        ]


@functools.cache
def _load(folder: Path) -> Validators:
    resources = []
    for path in sorted(folder.rglob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resources.append((schema["$id"], Resource.from_contents(schema, DRAFT202012)))
    registry = Registry().with_resources(resources).crawl()
    return Validators(registry, tuple(uri for uri, _ in resources))


def validators() -> Validators:
    """The schemas of the spec folder (skips the calling test when they are absent)."""
    return _load(spec_folder())
