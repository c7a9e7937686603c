"""Catalog documentation travels with the lineage: OpenLineage facets from the catalog."""

from __future__ import annotations

import pandas as pd
import pytest
from openlineage_spec import validators

import pipelinekit as pk
from pipelinekit.errors import PipelinekitError


def annotated_events() -> list[dict]:
    shop = pk.datasets.load("ecommerce", scale="tiny", seed=3)
    customers = shop.customers
    graph = pk.lineage.LineageGraph()
    with pk.lineage.track(graph, name="contacts"):
        contacts = customers[["customer_id", "email", "country"]]
    assert len(contacts) == len(customers)
    catalog = pk.catalog.Catalog(lineage=graph)
    catalog.register_dataset(shop)
    assert catalog.annotate_lineage() == ["customers"]  # contacts is not registered
    return graph.openlineage()


def test_card_documentation_becomes_facets_of_the_input_dataset():
    complete = annotated_events()[-1]
    customers = next(d for d in complete["inputs"] if d["name"] == "customers")
    facets = customers["facets"]
    assert facets["documentation"]["description"].startswith("People who signed up")
    assert facets["ownership"]["owners"] == [{"name": "pipelinekit course team"}]
    email_tags = [t for t in facets["tags"]["tags"] if t.get("field") == "email"]
    assert [t["key"] for t in email_tags] == ["pii"]
    fields = {f["name"]: f for f in facets["schema"]["fields"]}
    assert fields["customer_id"]["type"] == "int64"
    assert fields["email"]["description"] == "E-mail address, unique per customer."


def test_annotated_events_are_valid_openlineage():
    spec = validators()
    for event in annotated_events():
        assert spec.errors(event) == []


def test_annotating_needs_a_graph():
    catalog = pk.catalog.Catalog()
    catalog.register("t", pd.DataFrame({"a": [1]}))
    with pytest.raises(PipelinekitError, match="No lineage graph is attached"):
        catalog.annotate_lineage()
