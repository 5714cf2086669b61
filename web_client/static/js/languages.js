// The language picker: the languages asylum authorities in the region most often need, searchable by English
// name, native name and code. Native names in right-to-left scripts are isolated in their own direction so
// they display correctly inside left-to-right text: <bdi dir="rtl"> in markup, and inside an <option>, whose
// list box draws only its text (never child elements), the Unicode isolates that <bdi> stands for.

let cached = null;

export async function languages() {
  if (cached === null) {
    const response = await fetch("/static/data/languages.json");
    cached = await response.json();
  }
  return cached;
}

function normalise(text) {
  return text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
}

export function matches(language, query) {
  const q = normalise(query.trim());
  if (!q) return true;
  return [language.english, language.native, language.code].some((field) => normalise(field).includes(q));
}

const RIGHT_TO_LEFT_ISOLATE = "\u2067";
const LEFT_TO_RIGHT_ISOLATE = "\u2066";
const POP_DIRECTIONAL_ISOLATE = "\u2069";

/** The text of a picker <option>, "English — native (code)", the native name isolated in its direction. */
export function optionLabel(language) {
  const isolate = language.rtl ? RIGHT_TO_LEFT_ISOLATE : LEFT_TO_RIGHT_ISOLATE;
  return `${language.english} — ${isolate}${language.native}${POP_DIRECTIONAL_ISOLATE} (${language.code})`;
}

/** Wire a search box to a listbox-like <select>: typing filters the options, the select holds the value. */
export async function bindPicker(search, select, onChange = () => {}) {
  const all = await languages();
  const render = () => {
    const chosen = select.value;
    const shown = all.filter((language) => matches(language, search.value));
    select.replaceChildren(
      ...shown.map((language) => {
        const option = document.createElement("option");
        option.value = language.code;
        option.textContent = optionLabel(language);
        return option;
      }),
    );
    if (shown.some((language) => language.code === chosen)) select.value = chosen;
    else if (shown.length > 0) select.value = shown[0].code;
    onChange(select.value);
  };
  search.addEventListener("input", render);
  select.addEventListener("change", () => onChange(select.value));
  render();
  return (code) => {
    search.value = "";
    render();
    select.value = code;
    onChange(code);
  };
}

export async function nameOf(code) {
  const found = (await languages()).find((language) => language.code === code);
  return found ? found.english : code;
}
