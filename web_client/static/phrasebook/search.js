// Find phrases by what someone types in any language: glossary/search.py's ranking over the keys of
// normalise.js. Best first: the whole text, the start of a word, anywhere, anywhere once spaces are ignored.
import { compactKey, searchKey } from "./normalise.js";

const WHOLE = 0;
const WORD_START = 1;
const INSIDE = 2;
const SPACES_IGNORED = 3;

function rank(key, compact, textKey, textCompact) {
  if (key === textKey) return WHOLE;
  if (textKey.startsWith(key) || textKey.includes(` ${key}`)) return WORD_START;
  if (textKey.includes(key)) return INSIDE;
  if (textCompact.includes(compact)) return SPACES_IGNORED;
  return null;
}

function compare(a, b) {
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** Every phrase's text and answer options in every language, keyed once for repeated searches. */
export class PhraseIndex {
  constructor(phrases) {
    this.entries = [];
    phrases.forEach((phrase, position) => {
      const texts = [phrase.text, ...(phrase.options || []).map((option) => option.text)];
      for (const translations of texts) {
        for (const [tag, [text]] of Object.entries(translations)) {
          this.entries.push({ position, phrase, tag, key: searchKey(text), compact: compactKey(text) });
        }
      }
    });
  }

  /** Phrases matching `query`, best first; a match in a `prefer` language wins a tie. */
  search(query, { prefer = [], limit = 60 } = {}) {
    const key = searchKey(query);
    const compact = compactKey(query);
    if (!compact) return [];
    const best = new Map();
    for (const entry of this.entries) {
      const found = rank(key, compact, entry.key, entry.compact);
      if (found === null) continue;
      const preferred = prefer.indexOf(entry.tag);
      const order = [found, preferred === -1 ? prefer.length : preferred, entry.position];
      const held = best.get(entry.phrase.id);
      if (!held || compare(order, held.order) < 0) {
        best.set(entry.phrase.id, { order, phrase: entry.phrase, language: entry.tag, rank: found });
      }
    }
    return [...best.values()].sort((a, b) => compare(a.order, b.order)).slice(0, limit);
  }
}
