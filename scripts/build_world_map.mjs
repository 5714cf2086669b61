// Builds web_client/static/phrasebook/data/world.json (and its .gz twin), the phrasebook's offline world map:
// country outlines already projected to SVG path strings, each country's label point, and country names in
// the phrasebook's 16 languages. The page then needs no npm package, no tile server and no network.
//
// Run after `npm ci` in web_client/ (its devDependencies hold the sources):  node scripts/build_world_map.mjs
// (an argument writes elsewhere: tests/web_client/test_phrasebook_world.py rebuilds it and compares).
// Sources: world-atlas countries-110m (Natural Earth, public domain), i18n-iso-countries (MIT), projected
// with d3-geo's Equal Earth (ISC): equal-area, so the countries people come from are not shrunk.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const MODULES = join(ROOT, "web_client", "node_modules");
const OUT = process.argv[2] ?? join(ROOT, "web_client", "static", "phrasebook", "data", "world.json");
const require = createRequire(join(MODULES, "noop.js"));
const { feature } = require("topojson-client");
const d3Geo = pathToFileURL(join(MODULES, "d3-geo", "dist", "d3-geo.mjs"));
const { geoEqualEarth, geoPath, geoStream } = await import(d3Geo);

const WIDTH = 2000;
// The phrasebook's languages and the i18n-iso-countries list each reads. No list for Dari (Farsi names,
// the same written language), Sorani (Farsi names: the Arabic-script spelling nearest Sorani's; the
// package's `ku` is Kurmanji in Latin letters) or Tigrinya (English). `sr` is Cyrillic: transliterated.
const LANGUAGES = {
  en: "en", fr: "fr", ar: "ar", fa: "fa", prs: "fa", ps: "ps", ur: "ur", bn: "bn", ckb: "fa", kmr: "ku",
  so: "so", ti: "en", sq: "sq", "sr-Latn": "sr-Latn", mk: "mk", tr: "tr",
};
// Where the package lists several names its first is the long official form; these read better short.
const SHORT_NAME = new Set(["CN", "CZ", "GM", "IR", "MK", "PS", "RU", "TW", "TZ", "US"]);
// Natural Earth shapes without an ISO number: Kosovo has the user-assigned XK (in the package); the other
// two are drawn as part of the ISO country they belong to.
const UNNUMBERED = { Kosovo: "XK", Somaliland: "SO", "N. Cyprus": "CY" };
const CYRILLIC = Object.fromEntries(
  [..."абвгдђежзијклљмнњопрстћуфхцчџш"].map((letter, i) =>
    [letter, "a b v g d đ e ž z i j k l lj m n nj o p r s t ć u f h c č dž š".split(" ")[i]]),
);

const latin = (text) =>
  [...text].map((letter) => {
    const lower = letter.toLowerCase();
    const mapped = CYRILLIC[lower];
    if (mapped === undefined) return letter;
    return lower === letter ? mapped : mapped[0].toUpperCase() + mapped.slice(1);
  }).join("");

function namesOf(list) {
  const path = join(MODULES, "i18n-iso-countries", "langs", `${list === "sr-Latn" ? "sr" : list}.json`);
  const countries = JSON.parse(readFileSync(path, "utf8")).countries;
  const pick = (code) => {
    const name = countries[code];
    if (!Array.isArray(name)) return name;
    return SHORT_NAME.has(code) && name.length > 1 ? name[1] : name[0];
  };
  return (code) => (list === "sr-Latn" ? latin(pick(code)) : pick(code));
}

// Projected rings with whole-unit points (half a unit is far below a fingertip), repeated points dropped,
// written with relative moves: most steps are a few units, so a few characters.
function ringPath(ring) {
  const points = [];
  for (const [x, y] of ring.map(([rx, ry]) => [Math.round(rx), Math.round(ry)])) {
    const last = points.at(-1);
    if (!last || x !== last[0] || y !== last[1]) points.push([x, y]);
  }
  if (points.length < 3) return ""; // an islet smaller than a unit
  const steps = points.slice(1).flatMap(([x, y], i) => [x - points[i][0], y - points[i][1]]);
  return `M${numbers(points[0])}l${numbers(steps)}z`;
}

// A minus sign separates two numbers by itself, so only a positive one needs a space.
const numbers = (list) => list.map((n, i) => (i > 0 && n >= 0 ? ` ${n}` : `${n}`)).join("");

function inside([x, y], ring) {
  let hit = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) hit = !hit;
  }
  return hit;
}

/** A point well inside the country's largest polygon: its centroid, or the grid point deepest inside. */
function labelPoint(polygons, path) {
  const largest = polygons.reduce((a, b) => (path.area(a) >= path.area(b) ? a : b));
  const ring = largest.coordinates[0].map((point) => path.projection()(point));
  const centroid = path.centroid(largest);
  if (inside(centroid, ring)) return centroid.map(Math.round);
  const [[x0, y0], [x1, y1]] = path.bounds(largest);
  let best = centroid;
  let depth = -1;
  for (let x = x0; x <= x1; x += (x1 - x0) / 20) {
    for (let y = y0; y <= y1; y += (y1 - y0) / 20) {
      if (!inside([x, y], ring)) continue;
      const nearest = Math.min(...ring.map(([rx, ry]) => Math.hypot(rx - x, ry - y)));
      if (nearest > depth) [best, depth] = [[x, y], nearest];
    }
  }
  return best.map(Math.round);
}

const topology = JSON.parse(readFileSync(join(MODULES, "world-atlas", "countries-110m.json"), "utf8"));
const codes = JSON.parse(readFileSync(join(MODULES, "i18n-iso-countries", "codes.json"), "utf8"));
const alpha2 = Object.fromEntries(codes.map(([a2, , numeric]) => [numeric, a2]));
const shapes = feature(topology, topology.objects.countries).features
  .map((f) => ({ ...f, code: f.id ? alpha2[f.id] : UNNUMBERED[f.properties.name] }))
  .filter((f) => f.code && f.code !== "AQ"); // Antarctica: nobody's country of origin, a fifth of the map

const projection = geoEqualEarth().fitWidth(WIDTH, { type: "FeatureCollection", features: shapes });
const path = geoPath(projection);
const [[, top], [, bottom]] = path.bounds({ type: "FeatureCollection", features: shapes });
projection.translate([projection.translate()[0], projection.translate()[1] - Math.floor(top)]);

const byCode = new Map();
for (const shape of shapes) {
  const polygons = shape.geometry.type === "Polygon" ? [shape.geometry.coordinates] : shape.geometry.coordinates;
  const entry = byCode.get(shape.code) ?? { polygons: [] };
  entry.polygons.push(...polygons.map((coordinates) => ({ type: "Polygon", coordinates })));
  byCode.set(shape.code, entry);
}
// The projection's own stream, not point by point: it cuts the rings that cross the antimeridian (Russia,
// Fiji), which would otherwise be drawn as lines across the whole map.
function projectedRings(polygon) {
  const rings = [];
  const sink = {
    point: (x, y) => rings.at(-1).push([x, y]),
    lineStart: () => rings.push([]),
    lineEnd: () => {},
    polygonStart: () => {},
    polygonEnd: () => {},
    sphere: () => {},
  };
  geoStream(polygon, projection.stream(sink));
  return rings;
}

const countries = [...byCode].map(([code, { polygons }]) => {
  const d = polygons.flatMap((p) => projectedRings(p).map(ringPath)).join("");
  return [code, d, labelPoint(polygons, path)];
});

const allCodes = codes.map(([a2]) => a2);
const lists = [...new Set(Object.values(LANGUAGES))];
const world = {
  source: "Natural Earth 1:110m via world-atlas 2.0.2; names: i18n-iso-countries 7.14.0; scripts/build_world_map.mjs",
  viewBox: [0, 0, WIDTH, Math.ceil(bottom - top)],
  countries,
  codes: allCodes,
  languages: LANGUAGES,
  names: Object.fromEntries(lists.map((list) => [list, allCodes.map(namesOf(list))])),
};
mkdirSync(dirname(OUT), { recursive: true });
const body = `${JSON.stringify(world)}\n`;
writeFileSync(OUT, body);
writeFileSync(`${OUT}.gz`, gzipSync(body, { level: 9 }));
console.log(`${OUT}: ${countries.length} shapes, ${allCodes.length} names a language, ${body.length} bytes`);
