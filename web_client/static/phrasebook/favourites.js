// Starred phrases, by id, in localStorage: apart from the service worker's caches, so a new version of
// the phrasebook (data or page) never loses them. A starred phrase a later version drops is kept, unseen.
const STORAGE_KEY = "rris.phrasebook.favourites";

function read() {
  try {
    const stored = JSON.parse(localStorage.getItem(STORAGE_KEY) || "[]");
    return new Set(Array.isArray(stored) ? stored.filter((id) => typeof id === "string") : []);
  } catch {
    return new Set();
  }
}

export const favourites = {
  has(id) {
    return read().has(id);
  },
  /** Star or unstar `id`; true when it is now a favourite. */
  toggle(id) {
    const ids = read();
    const starred = !ids.delete(id);
    if (starred) ids.add(id);
    localStorage.setItem(STORAGE_KEY, JSON.stringify([...ids]));
    return starred;
  },
};
