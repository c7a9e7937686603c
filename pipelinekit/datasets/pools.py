"""Value pools from Faker, sampled with numpy.

Calling Faker once per row is the slow, obvious way to make realistic data
(about 20,000 names a second). Instead Faker filled a catalogue of values once —
1,000 first names, last names, cities and companies per locale, stored in
``faker_values.json`` beside this module — and each seed draws its pools from that
catalogue, then millions of rows from the pools, all with vectorised numpy. The rows
look just as real, the generators run 100x faster, and the same seed gives the same
names on any machine, whatever Faker version is installed.

To refresh the catalogue (a new locale, say): ``python -m pipelinekit.datasets.pools``.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from pipelinekit.datasets.sampling import concat_strings

__all__ = ["LOCALES", "Pools", "pools", "ascii_slug"]

#: Locale of each country the generators use, with its share of customers.
LOCALES: dict[str, tuple[str, float]] = {
    "US": ("en_US", 0.45),
    "GB": ("en_GB", 0.15),
    "DE": ("de_DE", 0.15),
    "FR": ("fr_FR", 0.15),
    "ES": ("es_ES", 0.10),
}

POOL_SIZE = 250
CATALOGUE = "faker_values.json"
CATALOGUE_SIZE = 1_000
FIELDS = {"first_names": "first_name", "last_names": "last_name", "cities": "city",
          "companies": "company"}  # fmt: skip


@dataclass(frozen=True)
class Pools:
    """Arrays of realistic values, one row of arrays per country in :data:`LOCALES`."""

    countries: np.ndarray
    country_share: np.ndarray
    first_names: np.ndarray  # shape (countries, POOL_SIZE)
    last_names: np.ndarray
    cities: np.ndarray
    companies: np.ndarray
    first_slugs: np.ndarray
    last_slugs: np.ndarray
    email_domains: np.ndarray
    words: np.ndarray

    def draw(self, country_index: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Pick one pool entry per row, from the pool of that row's country.

        The result indexes any per-country field with :meth:`take`, so a first name
        and its e-mail spelling (``first_slugs``) can come from the same draw.
        """
        return country_index * POOL_SIZE + rng.integers(0, POOL_SIZE, size=len(country_index))

    def take(self, field: str, drawn: np.ndarray) -> pd.Series:
        """The values of ``field`` at the entries :meth:`draw` picked."""
        return pd.Series(pa.array(getattr(self, field).ravel()).take(drawn), dtype="str")

    def emails(
        self,
        first: np.ndarray,
        last: np.ndarray,
        *,
        unique: np.ndarray | str,
        domain: pd.Series | np.ndarray | str,
    ) -> pd.Series:
        """``first.last<unique>@domain``, spelled in ASCII from the drawn names.

        ``unique`` (a customer id, say) keeps addresses apart when names repeat.
        """
        return concat_strings(
            self.take("first_slugs", first), ".", self.take("last_slugs", last), unique, "@", domain
        )


def ascii_slug(text: str) -> str:
    """Lower-case ASCII for e-mail addresses: ``"Müller-Lüdenscheidt" -> "muellerluedenscheidt"``.

    Examples
    --------
    >>> ascii_slug("Müller-Lüdenscheidt"), ascii_slug("José")
    ('muellerluedenscheidt', 'jose')
    """
    text = text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in text.lower() if ch.isalnum())


@lru_cache(maxsize=8)
def pools(seed: int) -> Pools:
    """The pools of ``seed``: :data:`POOL_SIZE` values per field and country.

    Examples
    --------
    >>> pool = pools(42)
    >>> pool.first_names.shape == (len(LOCALES), POOL_SIZE)
    True
    >>> pools(42).first_names[0, 0] == pool.first_names[0, 0]
    True
    """
    rng = np.random.default_rng([seed, 0x9001])
    stored = catalogue()
    fields = {
        field: np.array(
            [_draw(stored[locale][field], POOL_SIZE, rng) for locale, _ in LOCALES.values()],
            dtype=object,
        )
        for field in FIELDS
    }
    shares = np.array([share for _, share in LOCALES.values()])
    slug = np.vectorize(ascii_slug, otypes=[object])
    return Pools(
        first_slugs=slug(fields["first_names"]),
        last_slugs=slug(fields["last_names"]),
        countries=np.array(list(LOCALES)),
        country_share=shares / shares.sum(),
        email_domains=np.array(
            ["gmail.com", "outlook.com", "yahoo.com", "proton.me", "icloud.com"]
        ),
        words=_draw(stored["words"], 600, rng),
        **fields,
    )


def _draw(values: list[str], size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` of ``values``, distinct unless there are fewer (Spain has few Faker cities)."""
    picked = rng.choice(len(values), size, replace=len(values) < size)
    return np.asarray(values, dtype=object)[np.sort(picked)]


@lru_cache(maxsize=1)
def catalogue() -> dict[str, Any]:
    """The values Faker made once, per locale and field (see the module docstring)."""
    text = resources.files("pipelinekit.datasets").joinpath(CATALOGUE).read_text(encoding="utf-8")
    return json.loads(text)


def write_catalogue(path: Path, *, seed: int = 0) -> Path:
    """Ask Faker for :data:`CATALOGUE_SIZE` values per locale and field; write them as JSON.

    Values repeat in Faker's small lists (cities, first names), so each list keeps its
    distinct values in the order Faker gave them.
    """
    from faker import Faker  # only this tool needs Faker itself

    data: dict[str, Any] = {}
    for index, (locale, _share) in enumerate(LOCALES.values()):
        fake = Faker(locale)
        fake.seed_instance(seed * 101 + index)
        data[locale] = {
            field: list(dict.fromkeys(getattr(fake, method)() for _ in range(CATALOGUE_SIZE)))
            for field, method in FIELDS.items()
        }
    fake = Faker("en_US")
    fake.seed_instance(seed)
    data["words"] = sorted({fake.word() for _ in range(5 * CATALOGUE_SIZE)})
    path.write_text(json.dumps(data, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":  # pragma: no cover - a maintenance tool
    print(f"wrote {write_catalogue(Path(__file__).with_name(CATALOGUE))}")
