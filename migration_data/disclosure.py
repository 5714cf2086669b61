"""Disclosure control: what leaves the service is rounded and small cells are confidential.

Eurostat publishes asylum figures rounded to the nearest 5 (ESMS metadata of migr_asyapp and migr_asydec:
"Data are rounded to the nearest 5"). We round the same way, half up: 1-2 become 0, 3-7 become 5, 8-12 10.
On top of that, a cell whose raw figure is at least 1 and below ``confidential_below`` (configurable,
default 5) is confidential: it carries SDMX CONF_STATUS ``C`` (code list CL_CONF_STATUS) and no value at
all. A raw zero is published as 0. The raw figures stay in the service; :class:`PublishedCells` can only
be made by :func:`publish`, so no exporter ever sees a raw value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from migration_data.cells import Codes, EncodedCells, Ints, Mask

FREE = "F"
CONFIDENTIAL = "C"


@dataclass(frozen=True)
class DisclosurePolicy:
    rounding_base: int = 5
    confidential_below: int = 5

    def __post_init__(self) -> None:
        if self.rounding_base < 1 or self.confidential_below < 0:
            raise ValueError("rounding base must be at least 1 and the threshold not negative")


@dataclass(frozen=True, eq=False)
class PublishedCells:
    """Rounded values (0 where confidential, never read then) and which cells are confidential."""

    dataflow: str
    codes: dict[str, Codes]
    values: Ints
    confidential: Mask

    def __len__(self) -> int:
        return len(self.values)


def round_to_base(values: Ints, base: int) -> Ints:
    return ((values + base // 2) // base) * base


def publish(cells: EncodedCells, policy: DisclosurePolicy) -> PublishedCells:
    confidential = (cells.values > 0) & (cells.values < policy.confidential_below)
    rounded = np.where(confidential, 0, round_to_base(cells.values, policy.rounding_base))
    return PublishedCells(cells.dataflow, dict(cells.codes), rounded, confidential)
