// Search keys that ignore what people type differently: case, diacritics and Arabic-script variants.
// A port of glossary/normalise.py, rule for rule and in the same order (its docstring says why each rule
// is there); tests/browser/test_phrasebook.py computes keys for tricky strings both ways and compares.

const LETTER_FOLDS = new Map(
  Object.entries({
    // Latin letters that NFD leaves whole
    "đ": "d", "ð": "d", "ı": "i", "ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "þ": "th", "ħ": "h",
    // alef
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا",
    // yeh
    "ى": "ي", "ی": "ي", "ې": "ي", "ۍ": "ي", "ێ": "ي", "ے": "ي", "ۓ": "ي", "ئ": "ي",
    // kaf and gaf
    "ك": "ک", "ڪ": "ک", "ګ": "گ",
    // heh
    "ة": "ه", "ۃ": "ه", "ہ": "ه", "ھ": "ه", "ۀ": "ه", "ە": "ه",
    // waw
    "ؤ": "و",
  }),
);
const TATWEEL = "\u0640";
const MARK_RANGES = [
  [0x0300, 0x036f], // combining diacritical marks (Latin, Greek, Cyrillic)
  [0x0483, 0x0489], // Cyrillic combining marks
  [0x0610, 0x061a], // Arabic honorifics and small letters used in Urdu
  [0x064b, 0x065f], // harakat, tanwin, shadda, sukun, hamza above and below
  [0x0670, 0x0670], // superscript alef
  [0x06d6, 0x06ed], // Quranic annotation marks
  [0x08d3, 0x08ff], // extended Arabic marks
  [0x1ab0, 0x1aff],
  [0x1dc0, 0x1dff],
  [0x20d0, 0x20ff],
  [0xfe20, 0xfe2f],
];
const MARK = /^\p{M}$/u;
const FORMAT = /^\p{Cf}$/u;
const DIGIT = /^\p{Nd}$/u;
// Python's str.isspace also counts the information separators U+001C-U+001F and NEL U+0085.
const SPACE_OR_PUNCTUATION = /^[\p{P}\p{Z}\s\u001c-\u001f\u0085]$/u;

function translate(text) {
  let out = "";
  for (const char of text) out += LETTER_FOLDS.get(char) ?? char;
  return out;
}

function isRemovableMark(char) {
  const code = char.codePointAt(0);
  return MARK_RANGES.some(([low, high]) => low <= code && code <= high) && MARK.test(char);
}

// Unicode assigns decimal digits only in runs of ten, zero to nine, so a digit's value is its distance
// from the start of its run of digits, modulo ten (adjacent runs, like the mathematical digits, are whole).
function digitValue(char) {
  let code = char.codePointAt(0);
  let distance = 0;
  while (DIGIT.test(String.fromCodePoint(code - 1))) {
    code -= 1;
    distance += 1;
  }
  return String(distance % 10);
}

function foldChar(char) {
  if (char === TATWEEL || isRemovableMark(char)) return "";
  if (FORMAT.test(char)) return ""; // ZWNJ, ZWJ, direction marks, soft hyphen, byte-order mark
  if (DIGIT.test(char)) return digitValue(char);
  if (SPACE_OR_PUNCTUATION.test(char)) return " ";
  return char;
}

// Python's casefold() is full case folding. Upper- then lower-casing matches it for the scripts the
// phrasebook holds (ﬀ, ŉ, ΐ expand the same way) except for what lower-casing puts back: the sharp s
// (ẞ lower-cases to ß, which folds to ss) and the final sigma (a word-final Σ lower-cases to ς, folded σ).
function caseFold(text) {
  return text.toUpperCase().toLowerCase().replaceAll("ß", "ss").replaceAll("ς", "σ");
}

/** The form of `text` that searches compare: equal keys mean "the same to someone searching". */
export function searchKey(text) {
  const folded = translate(caseFold(text.normalize("NFKC")));
  const decomposed = translate(folded.normalize("NFD"));
  let stripped = "";
  for (const char of decomposed) stripped += foldChar(char);
  return stripped
    .normalize("NFC")
    .split(" ")
    .filter((word) => word !== "")
    .join(" ");
}

/** searchKey without spaces, for half-spaces and compounds typed apart or together. */
export function compactKey(text) {
  return searchKey(text).replaceAll(" ", "");
}
