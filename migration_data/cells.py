"""A submission's cells, in the two shapes they take: as read (strings) and encoded (small integers).

Encoded cells are columns, not objects: for each dimension an array of positions in its code list, the
values as 64-bit integers and, for error messages, the source row of each cell. Validation and
aggregation work on whole arrays; persistence can store the same columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from migration_data.template import MEASURE, Dataflow

Codes = npt.NDArray[np.int16]
Ints = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class RawCells:
    """Cells as an upload gave them: one string per dimension and a value string, and the source row.

    ``columns`` maps each dimension id and ``OBS_VALUE`` to equally long sequences of strings.
    """

    columns: Mapping[str, Sequence[str]]
    rows: Sequence[int]

    def __len__(self) -> int:
        return len(self.rows)


@dataclass(frozen=True, eq=False)
class EncodedCells:
    """Cells of one dataflow as arrays: ``codes[dim][i]`` is cell i's position in ``dim``'s code list."""

    dataflow: str
    codes: Mapping[str, Codes]
    values: Ints
    rows: Ints

    def __len__(self) -> int:
        return len(self.values)

    def select(self, keep: Mask) -> EncodedCells:
        return EncodedCells(
            self.dataflow, {d: c[keep] for d, c in self.codes.items()}, self.values[keep], self.rows[keep]
        )

    def records(self, flow: Dataflow) -> list[dict[str, str | int]]:
        """The cells as plain dicts (dimension codes and ``OBS_VALUE``), in their order."""
        labels = {d.id: np.array(d.codelist.codes, dtype=object) for d in flow.dimensions}
        columns = {d: labels[d][c].tolist() for d, c in self.codes.items()}
        out: list[dict[str, str | int]] = []
        for i, value in enumerate(self.values.tolist()):
            record: dict[str, str | int] = {d: columns[d][i] for d in flow.dimension_ids}
            record[MEASURE] = value
            out.append(record)
        return out


def encode_column(flow: Dataflow, dimension: str, texts: Sequence[str]) -> Codes:
    """Positions of ``texts`` in the dimension's code list; -1 where a text is not a code of it."""
    index = flow.codelist(dimension).index
    if not texts:
        return np.zeros(0, dtype=np.int16)
    distinct, inverse = np.unique(np.asarray(texts, dtype=str), return_inverse=True)
    lookup = np.array([index.get(str(text), -1) for text in distinct], dtype=np.int16)
    return lookup[inverse.reshape(-1)]


def from_codes(flow: Dataflow, records: Sequence[Mapping[str, str | int]]) -> EncodedCells:
    """Encoded cells straight from known-good records (tests, generated data); unknown codes raise."""
    codes = {}
    for dim in flow.dimension_ids:
        column = encode_column(flow, dim, [str(r[dim]) for r in records])
        if (column < 0).any():
            raise ValueError(f"unknown {dim} code in records")
        codes[dim] = column
    values = np.array([int(r[MEASURE]) for r in records], dtype=np.int64)
    return EncodedCells(flow.id, codes, values, np.arange(2, len(records) + 2, dtype=np.int64))
