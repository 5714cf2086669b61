// Bookings and standby rosters: list the bookings, assign one to an interpreter by hand or cancel it;
// list the standby shifts of a period, put an interpreter on standby for a language, cancel a shift.
import { api, newIdempotencyKey } from "./api.js";
import { onLanguageChange, t } from "./i18n.js";
import {
  addDays,
  button,
  cell,
  dateTime,
  failure,
  languageName,
  localDate,
  localDateTime,
  primary,
  withOffset,
} from "./coordinator_dom.js";

const OPEN_STATES = ["requested", "offered", "confirmed"];
const $ = (id) => document.getElementById(id);

function fill(tableId, emptyId, rows) {
  $(tableId).tBodies[0].replaceChildren(...rows);
  $(tableId).hidden = rows.length === 0;
  $(emptyId).hidden = rows.length > 0;
}

// -- bookings -------------------------------------------------------------------------------------------

export async function mountBookings(board) {
  const result = $("bookings-result");

  async function act(work, done) {
    result.textContent = "";
    try {
      await work();
      result.textContent = done;
      await list();
    } catch (error) {
      result.textContent = failure(error);
    }
  }

  function assignControls(booking) {
    const wrap = document.createElement("div");
    wrap.className = "assign";
    const choose = document.createElement("select");
    const label = t("coordinator.assign_label", {
      when: dateTime(booking.start),
      language: languageName(booking.language),
    });
    choose.setAttribute("aria-label", label);
    choose.append(new Option(t("coordinator.choose_interpreter"), ""));
    for (const person of board.interpreters()) {
      if (person.languages.some((tag) => primary(tag) === primary(booking.language))) {
        choose.append(new Option(person.name, person.id));
      }
    }
    const assign = button(t("coordinator.assign"), () => {
      if (!choose.value) {
        choose.focus();
        return;
      }
      const name = choose.selectedOptions[0].textContent;
      act(
        () => api("POST", `/api/bookings/${booking.id}/assign`, { interpreter_id: choose.value }),
        t("coordinator.assigned", { name }),
      );
    });
    wrap.append(choose, assign);
    return wrap;
  }

  async function list() {
    const { bookings } = await api("GET", "/api/bookings?limit=500");
    const onlyOpen = $("bookings-state").value === "open";
    const now = Date.now();
    const shown = bookings
      .filter((b) => !onlyOpen || (OPEN_STATES.includes(b.state) && Date.parse(b.end) > now))
      .sort((a, b) => (onlyOpen ? Date.parse(a.start) - Date.parse(b.start) : Date.parse(b.start) - Date.parse(a.start)));
    const rows = shown.map((booking) => {
      const row = document.createElement("tr");
      row.dataset.bookingId = booking.id;
      row.dataset.state = booking.state;
      const when = `${dateTime(booking.start)} · ${t("coordinator.minutes", { minutes: booking.duration_min })}`;
      const language = booking.dialect
        ? `${languageName(booking.language)} (${booking.dialect})`
        : languageName(booking.language);
      const people = [booking.interpreter_id, booking.relay_interpreter_id].filter(Boolean).map((id) => board.nameOf(id));
      const actions = document.createElement("div");
      actions.className = "actions";
      if (OPEN_STATES.includes(booking.state)) {
        actions.append(
          assignControls(booking),
          button(
            t("booking.cancel"),
            () => act(() => api("POST", `/api/bookings/${booking.id}/cancel`), t("coordinator.cancelled")),
            "danger",
          ),
        );
      }
      row.append(
        cell(when, "booking.when"),
        cell(language, "booking.language"),
        cell(t(`booking.state.${booking.state}`), "booking.state"),
        cell(people.join(", ") || "—", "coordinator.interpreter"),
        cell(actions, "booking.actions"),
      );
      return row;
    });
    fill("bookings", "bookings-empty", rows);
  }

  $("bookings-filter").addEventListener("submit", (event) => {
    event.preventDefault();
    list().catch((error) => (result.textContent = failure(error)));
  });
  $("bookings-state").addEventListener("change", () => list().catch((error) => (result.textContent = failure(error))));
  board.onInterpreters(() => list().catch(() => {}));
  onLanguageChange(() => list().catch(() => {}));
  await list().catch((error) => (result.textContent = failure(error)));
}

// -- standby shifts ---------------------------------------------------------------------------------------

export async function mountShifts(board) {
  const result = $("shift-result");
  const today = localDate(new Date());
  $("shifts-from").value = today;
  $("shifts-to").value = addDays(today, 6);
  const nextHour = new Date();
  nextHour.setHours(nextHour.getHours() + 1, 0, 0, 0);
  $("shift-start").value = localDateTime(nextHour);
  $("shift-end").value = localDateTime(new Date(nextHour.getTime() + 4 * 3600 * 1000));
  let idempotencyKey = newIdempotencyKey(); // kept while the form is unchanged, so a retry adds nothing twice

  async function list() {
    const from = encodeURIComponent(withOffset($("shifts-from").value));
    const to = encodeURIComponent(withOffset(addDays($("shifts-to").value, 1)));
    const { shifts } = await api("GET", `/api/shifts?from=${from}&to=${to}`);
    const now = Date.now();
    const rows = shifts
      .sort((a, b) => Date.parse(a.start) - Date.parse(b.start))
      .map((shift) => {
        const row = document.createElement("tr");
        row.dataset.shiftId = shift.id;
        row.dataset.cancelled = String(shift.cancelled);
        const actions = document.createElement("div");
        if (shift.cancelled) actions.textContent = t("coordinator.shift_cancelled");
        else if (Date.parse(shift.end) > now) {
          const name = board.nameOf(shift.interpreter_id);
          const cancel = button(t("coordinator.shift_cancel"), async () => {
            try {
              await api("DELETE", `/api/shifts/${shift.id}`);
              result.textContent = t("coordinator.shift_was_cancelled", { name });
              await list();
            } catch (error) {
              result.textContent = failure(error);
            }
          });
          cancel.setAttribute("aria-label", t("coordinator.shift_cancel_label", { name, start: dateTime(shift.start) }));
          actions.append(cancel);
        }
        row.append(
          cell(board.nameOf(shift.interpreter_id), "coordinator.interpreter"),
          cell(languageName(shift.language), "coordinator.language"),
          cell(dateTime(shift.start), "coordinator.shift_start"),
          cell(dateTime(shift.end), "coordinator.shift_end"),
          cell(actions, "booking.actions"),
        );
        return row;
      });
    fill("shifts", "shifts-empty", rows);
  }

  function fillInterpreters(people) {
    const chosen = $("shift-interpreter").value;
    const sorted = [...people].filter((p) => p.languages.length > 0).sort((a, b) => a.name.localeCompare(b.name));
    $("shift-interpreter").replaceChildren(...sorted.map((p) => new Option(p.name, p.id)));
    if (sorted.some((p) => p.id === chosen)) $("shift-interpreter").value = chosen;
    fillLanguages();
  }

  function fillLanguages() {
    const person = board.interpreters().find((p) => p.id === $("shift-interpreter").value);
    const chosen = $("shift-language").value;
    const tags = person ? person.languages : [];
    $("shift-language").replaceChildren(...tags.map((tag) => new Option(`${languageName(tag)} (${tag})`, tag)));
    if (tags.includes(chosen)) $("shift-language").value = chosen;
  }

  $("shift-interpreter").addEventListener("change", fillLanguages);
  $("shift-form").addEventListener("input", () => (idempotencyKey = newIdempotencyKey()));
  $("shift-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    result.textContent = "";
    const body = {
      interpreter_id: $("shift-interpreter").value,
      language: $("shift-language").value,
      start: withOffset($("shift-start").value),
      end: withOffset($("shift-end").value),
    };
    try {
      const shift = await api("POST", "/api/shifts", body, { "Idempotency-Key": idempotencyKey });
      idempotencyKey = newIdempotencyKey();
      result.textContent = t("coordinator.shift_added", {
        name: board.nameOf(shift.interpreter_id),
        start: dateTime(shift.start),
      });
      await list();
    } catch (error) {
      result.textContent = failure(error);
    }
  });
  $("shifts-window").addEventListener("submit", (event) => {
    event.preventDefault();
    list().catch((error) => (result.textContent = failure(error)));
  });
  board.onInterpreters((people) => {
    fillInterpreters(people);
    list().catch(() => {});
  });
  onLanguageChange(() => list().catch(() => {}));
  fillInterpreters(board.interpreters());
  await list().catch((error) => (result.textContent = failure(error)));
}
