// The world map the person points at: SVG outlines from data/world.json (built by scripts/build_world_map.mjs,
// precached by sw.js, so no tile server and no network), zoomed with the wheel, a pinch or the buttons, and
// a searchable list of every country for keyboards, small islands and anyone who would rather type.
import { searchKey } from "./normalise.js";

const WORLD_URL = "/static/phrasebook/data/world.json";
const SVG = "http://www.w3.org/2000/svg";
const TAP_SLOP = 8; // CSS pixels a finger may move and still tap rather than drag
const MAX_ZOOM = 12;
const LIST_LIMIT = 12;

let loading = null;
let world = null;

/** The map data, fetched once (from the worker's cache offline). */
export function loadWorld() {
  loading ??= fetch(WORLD_URL)
    .then((response) => {
      if (!response.ok) throw new Error(`world map: HTTP ${response.status}`);
      return response.json();
    })
    .then((data) => {
      world = { ...data, index: new Map(data.codes.map((code, i) => [code, i])) };
      return world;
    })
    .catch((error) => {
      loading = null;
      throw error;
    });
  return loading;
}

/** A country's name in one of the phrasebook's languages (its list, or the fallback the data names). */
export function countryName(code, tag) {
  const list = world.names[world.languages[tag] ?? "en"];
  return list[world.index.get(code)] ?? code;
}

const element = (tag, properties = {}, ...children) => {
  const made = Object.assign(document.createElement(tag), properties);
  made.append(...children);
  return made;
};

/**
 * The map and the list as one element. `onPick(code)` is called when the person taps a country or chooses
 * one in the list; `picked` codes are highlighted, the last one most.
 */
export function worldMap({ migrant, officer, direction, labels, onPick }) {
  const [x0, y0, width, height] = world.viewBox;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", world.viewBox.join(" "));
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", labels.map);
  svg.classList.add("world-map");
  const paths = new Map();
  for (const [code, d] of world.countries) {
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", d);
    path.dataset.code = code;
    path.classList.add("country");
    const title = document.createElementNS(SVG, "title");
    title.textContent = countryName(code, migrant);
    path.append(title);
    svg.append(path);
    paths.set(code, path);
  }

  // Zoom and pan move the viewBox; a press that stays within TAP_SLOP is a tap on the country under it.
  let view = { x: x0, y: y0, w: width, h: height };
  const setView = (next) => {
    const w = Math.min(width, Math.max(width / MAX_ZOOM, next.w));
    const h = (w * height) / width;
    const x = Math.min(x0 + width - w, Math.max(x0, next.x + (next.w - w) / 2));
    const y = Math.min(y0 + height - h, Math.max(y0, next.y + (next.h - h) / 2));
    view = { x, y, w, h };
    svg.setAttribute("viewBox", `${x} ${y} ${w} ${h}`);
  };
  const toMap = (clientX, clientY) => {
    const box = svg.getBoundingClientRect();
    const scale = Math.max(view.w / box.width, view.h / box.height); // preserveAspectRatio meet
    return {
      x: view.x + view.w / 2 + (clientX - box.left - box.width / 2) * scale,
      y: view.y + view.h / 2 + (clientY - box.top - box.height / 2) * scale,
      scale,
    };
  };
  const zoomAt = (factor, clientX, clientY) => {
    const at = toMap(clientX, clientY);
    const w = view.w / factor;
    const h = view.h / factor;
    setView({ x: at.x - ((at.x - view.x) * w) / view.w, y: at.y - ((at.y - view.y) * h) / view.h, w, h });
  };
  const zoomCentre = (factor) => {
    const box = svg.getBoundingClientRect();
    zoomAt(factor, box.left + box.width / 2, box.top + box.height / 2);
  };

  const pointers = new Map();
  let press = null;
  svg.addEventListener("pointerdown", (event) => {
    svg.setPointerCapture?.(event.pointerId);
    pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
    press = pointers.size === 1 ? { x: event.clientX, y: event.clientY, target: event.target, moved: false } : null;
  });
  svg.addEventListener("pointermove", (event) => {
    const last = pointers.get(event.pointerId);
    if (!last) return;
    if (pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      const before = Math.hypot(a.x - b.x, a.y - b.y);
      pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
      const [c, d] = [...pointers.values()];
      if (before > 0) zoomAt(Math.hypot(c.x - d.x, c.y - d.y) / before, (c.x + d.x) / 2, (c.y + d.y) / 2);
      return;
    }
    if (press && Math.hypot(event.clientX - press.x, event.clientY - press.y) > TAP_SLOP) press.moved = true;
    if (press?.moved) {
      const { scale } = toMap(event.clientX, event.clientY);
      setView({ ...view, x: view.x - (event.clientX - last.x) * scale, y: view.y - (event.clientY - last.y) * scale });
    }
    pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
  });
  const release = (event) => {
    pointers.delete(event.pointerId);
    const tapped = press && !press.moved && event.type === "pointerup" ? press.target : null;
    press = null;
    const code = tapped?.closest?.("path.country")?.dataset.code;
    if (code) onPick(code);
  };
  svg.addEventListener("pointerup", release);
  svg.addEventListener("pointercancel", release);
  svg.addEventListener(
    "wheel",
    (event) => {
      event.preventDefault();
      zoomAt(event.deltaY < 0 ? 1.25 : 0.8, event.clientX, event.clientY);
    },
    { passive: false },
  );

  const zoomButton = (text, label, action) => {
    const button = element("button", { type: "button", textContent: text, className: "zoom-button" });
    button.setAttribute("aria-label", label);
    button.addEventListener("click", action);
    return button;
  };
  const zoom = element(
    "div",
    { className: "zoom" },
    zoomButton("+", labels.zoomIn, () => zoomCentre(1.6)),
    zoomButton("−", labels.zoomOut, () => zoomCentre(1 / 1.6)),
    zoomButton("⤢", labels.wholeWorld, () => setView({ x: x0, y: y0, w: width, h: height })),
  );

  // The chosen country's name, large, in the person's language: they see what they pointed at.
  const chosen = element("p", { className: "chosen-country", lang: migrant, dir: direction });
  chosen.setAttribute("aria-live", "polite");

  const search = element("input", { type: "search", dir: "auto", autocomplete: "off", spellcheck: false });
  search.setAttribute("aria-label", labels.find);
  search.placeholder = labels.find;
  const results = element("ul", { className: "country-results" });
  const keyed = world.codes.map((code) => ({
    code,
    keys: [...new Set([migrant, officer, "en"])].map((tag) => searchKey(countryName(code, tag))),
  }));
  search.addEventListener("input", () => {
    const key = searchKey(search.value);
    const hits = key ? keyed.filter((entry) => entry.keys.some((k) => k.includes(key))).slice(0, LIST_LIMIT) : [];
    results.replaceChildren(
      ...hits.map(({ code }) => {
        const native = element("bdi", { textContent: countryName(code, migrant), lang: migrant });
        const button = element("button", { type: "button" }, native);
        if (officer !== migrant) {
          button.append(" · ", element("bdi", { textContent: countryName(code, officer), lang: officer }));
        }
        button.dataset.code = code;
        button.addEventListener("click", () => onPick(code));
        return element("li", {}, button);
      }),
    );
  });

  const root = element(
    "div",
    { className: "world" },
    element("div", { className: "map-frame" }, svg, zoom),
    chosen,
    element("div", { className: "country-finder" }, search, results),
  );
  /** Highlight the picked codes, the last one most, and name it. */
  root.showPicked = (codes) => {
    for (const [code, path] of paths) {
      path.classList.toggle("picked", codes.includes(code));
      path.classList.toggle("current", code === codes.at(-1));
    }
    chosen.textContent = codes.length ? countryName(codes.at(-1), migrant) : "";
  };
  return root;
}
