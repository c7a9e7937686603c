"""The Faker value catalogue and the per-seed pools drawn from it."""

import json

import numpy as np

from pipelinekit.datasets.pools import (
    FIELDS,
    LOCALES,
    POOL_SIZE,
    ascii_slug,
    catalogue,
    pools,
    write_catalogue,
)


def test_catalogue_has_every_locale_and_field():
    stored = catalogue()
    for locale, _share in LOCALES.values():
        assert set(stored[locale]) == set(FIELDS)
        assert all(len(values) >= 40 for values in stored[locale].values()), locale
    assert len(stored["words"]) >= 600


def test_seeds_draw_different_pools_and_the_same_seed_the_same():
    assert np.array_equal(pools(1).last_names, pools(1).last_names)
    assert not np.array_equal(pools(1).last_names, pools(2).last_names)
    assert pools(3).first_names.shape == (len(LOCALES), POOL_SIZE)


def test_slugs_are_ascii_spellings_of_the_same_names():
    """Aligned entry by entry, so an e-mail address spells the customer's own name."""
    pool = pools(5)
    assert all(slug.isascii() and slug.isalnum() for slug in pool.last_slugs.ravel())
    for name, slug in zip(pool.last_names.ravel(), pool.last_slugs.ravel(), strict=True):
        assert slug == ascii_slug(name)


def test_the_maintenance_tool_writes_a_catalogue_of_the_same_shape(tmp_path):
    path = write_catalogue(tmp_path / "values.json")
    fresh = json.loads(path.read_text(encoding="utf-8"))
    assert set(fresh) == set(catalogue())
    assert all(
        len(set(v)) == len(v) for locale in LOCALES.values() for v in fresh[locale[0]].values()
    )
