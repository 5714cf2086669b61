"""The phrasebook's world map data: rebuilt by its script to the same bytes, small enough for the first
load, a shape for every country a migrant is likely to come from, and a readable name for every country in
every phrasebook language (Serbian in Latin letters), served gzipped from its twin file."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from glossary.phrases import load_phrasebook
from tests.support.external import unavailable

ROOT = Path(__file__).resolve().parents[2]
WORLD = ROOT / "web_client" / "static" / "phrasebook" / "data" / "world.json"
SCRIPT = ROOT / "scripts" / "build_world_map.mjs"
SOURCES = ROOT / "web_client" / "node_modules" / "world-atlas" / "countries-110m.json"
# Countries of origin and transit the phrasebook is first used for; each must be on the map, not only listed.
ORIGINS_AND_TRANSIT = {
    "AF",
    "SY",
    "IQ",
    "IR",
    "PK",
    "BD",
    "SO",
    "ER",
    "TR",
    "GR",
    "MK",
    "RS",
    "AL",
    "XK",
    "BA",
}
CYRILLIC = re.compile("[\u0400-\u04ff]")


@pytest.fixture(scope="module")
def world() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(WORLD.read_text(encoding="utf-8"))
    return loaded


def test_the_script_rebuilds_the_committed_file(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None or not SOURCES.is_file():
        unavailable("node and web_client/node_modules", FileNotFoundError("run scripts/setup (npm ci)"))
    out = tmp_path / "world.json"
    command = [node, str(SCRIPT), str(out)]
    subprocess.run(command, check=True, capture_output=True, timeout=120)  # noqa: S603 - our own script
    assert out.read_bytes() == WORLD.read_bytes(), (
        "run node scripts/build_world_map.mjs and commit the result"
    )


def test_it_stays_small_and_is_served_gzipped_from_its_twin() -> None:
    raw = WORLD.read_bytes()
    assert len(raw) < 150_000
    zipped = WORLD.with_name("world.json.gz").read_bytes()
    assert gzip.decompress(zipped) == raw
    assert len(zipped) < 50_000


def test_the_places_people_come_from_and_cross_are_drawn(world: dict[str, Any]) -> None:
    drawn = {code for code, _, _ in world["countries"]}
    assert drawn >= ORIGINS_AND_TRANSIT
    assert drawn <= set(world["codes"])
    width, height = world["viewBox"][2:]
    for code, path, (x, y) in world["countries"]:
        assert re.fullmatch(r"(M-?\d+ -?\d+l[-\d ]+z)+", path.replace(" -", "-")), code
        assert 0 <= x <= width, code
        assert 0 <= y <= height, code


def test_every_phrasebook_language_reads_every_country_name(world: dict[str, Any]) -> None:
    tags = {language.tag for language in load_phrasebook().languages}
    assert set(world["languages"]) == tags
    for tag in tags:
        names = world["names"][world["languages"][tag]]
        assert len(names) == len(world["codes"]), tag
        assert all(names), tag
    serbian = world["names"][world["languages"]["sr-Latn"]]
    assert [name for name in serbian if CYRILLIC.search(name)] == []
    assert serbian[world["codes"].index("RS")] == "Srbija"
    assert world["names"]["mk"][world["codes"].index("MK")] == "Северна Македонија"
