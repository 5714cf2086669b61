"""Small, consistent submissions to start each test from: CSV text that passes every rule."""

from __future__ import annotations

HEADER = "CITIZEN,SEX,AGE,OBS_VALUE"


def present_csv() -> str:
    """EI_PRESENT (citizen x sex x age) for SY and AF, every total consistent; line n is cell n-1."""
    ages = {"Y_LT14": 1, "Y14-17": 2, "Y18-34": 5, "Y35-64": 1, "Y_GE65": 0, "UNK": 1}
    lines = [HEADER]
    by_citizen: dict[str, dict[tuple[str, str], int]] = {}
    for citizen, factor in (("SY", 2), ("AF", 1)):
        cells: dict[tuple[str, str], int] = {}
        for sex, share in (("M", 2), ("F", 1), ("UNK", 0)):
            for age, n in ages.items():
                cells[(sex, age)] = n * share * factor
            cells[(sex, "Y_LT18")] = cells[(sex, "Y_LT14")] + cells[(sex, "Y14-17")]
            cells[(sex, "TOTAL")] = sum(cells[(sex, a)] for a in ages)
        for age in (*ages, "Y_LT18", "TOTAL"):
            cells[("T", age)] = sum(cells[(s, age)] for s in ("M", "F", "UNK"))
        by_citizen[citizen] = cells
    total = {k: by_citizen["SY"][k] + by_citizen["AF"][k] for k in by_citizen["SY"]}
    for citizen, cells in (*by_citizen.items(), ("TOTAL", total)):
        lines += [f"{citizen},{sex},{age},{n}" for (sex, age), n in cells.items()]
    return "\r\n".join(lines) + "\r\n"


def line_of(text: str, prefix: str) -> int:
    """The 1-based line number of the first line starting with ``prefix``."""
    return next(n for n, line in enumerate(text.splitlines(), start=1) if line.startswith(prefix))


def replace_value(text: str, prefix: str, value: str) -> str:
    lines = text.splitlines()
    at = line_of(text, prefix) - 1
    lines[at] = prefix + value
    return "\r\n".join(lines) + "\r\n"
