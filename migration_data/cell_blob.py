"""A version's cells as one compressed blob: the encoded columns, stored whole.

Why a blob and not a row per cell: a year of the region's monthly figures with full breakdowns is on the
order of a million cells, and cells are only ever written and read a version at a time (validation,
aggregation and export all work on whole columns). So each version keeps its columns as NumPy arrays in
one ``np.savez_compressed`` archive: a position per dimension (``int16``), the values (``int64``), the
source rows and, for figures imported as published, which cells were confidential. Loading never unpickles
(``allow_pickle=False``) and checks every array's type and length before handing the cells out.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import numpy as np

from migration_data.cells import EncodedCells, Mask
from migration_data.template import Dataflow

_VALUES, _ROWS, _CONFIDENTIAL = "__values", "__rows", "__confidential"


@dataclass(frozen=True, eq=False)
class StoredCells:
    """A version's cells, and which of them arrived already confidential (an imported published file)."""

    cells: EncodedCells
    confidential: Mask

    @classmethod
    def raw(cls, cells: EncodedCells) -> StoredCells:
        return cls(cells, np.zeros(len(cells), dtype=np.bool_))


def encode(stored: StoredCells) -> bytes:
    cells = stored.cells
    out = io.BytesIO()
    arrays = {f"d_{dim}": codes.astype(np.int16) for dim, codes in cells.codes.items()}
    arrays[_VALUES] = cells.values.astype(np.int64)
    arrays[_ROWS] = cells.rows.astype(np.int64)
    arrays[_CONFIDENTIAL] = stored.confidential.astype(np.bool_)
    np.savez_compressed(out, **arrays)  # type: ignore[arg-type]
    return out.getvalue()


def decode(flow: Dataflow, blob: bytes) -> StoredCells:
    try:
        with np.load(io.BytesIO(blob), allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (OSError, ValueError, zipfile.BadZipFile) as broken:
        raise ValueError(f"stored cells of {flow.id} are unreadable: {broken}") from None
    values = arrays[_VALUES]
    n = len(values)
    codes = {dim: arrays[f"d_{dim}"] for dim in flow.dimension_ids}
    expected = [(values, np.int64), (arrays[_ROWS], np.int64), (arrays[_CONFIDENTIAL], np.bool_)]
    expected += [(c, np.int16) for c in codes.values()]
    for array, dtype in expected:
        if array.dtype != dtype or array.shape != (n,):
            raise ValueError(f"stored cells of {flow.id} do not have the expected shape")
    return StoredCells(EncodedCells(flow.id, codes, values, arrays[_ROWS]), arrays[_CONFIDENTIAL])
