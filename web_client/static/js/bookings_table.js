// The bookings table both caseworkers and interpreters see: when (local time), language, state, and the
// actions their role may take, each a button that posts to the booking and then refreshes the table.
import { api } from "./api.js";
import { t } from "./i18n.js";
import { nameOf } from "./languages.js";

/**
 * Fill ``tbody`` with the bookings visible to this user. ``actionsOf(booking)`` lists
 * ``{verb, body?}``: a button labelled ``booking.<verb>`` posting ``body`` to ``/api/bookings/{id}/<verb>``.
 */
export async function showBookings(tbody, actionsOf) {
  const { bookings } = await api("GET", "/api/bookings");
  const refresh = () => showBookings(tbody, actionsOf);
  const rows = [];
  for (const booking of bookings) {
    const row = document.createElement("tr");
    row.dataset.bookingId = booking.id;
    const when = new Date(booking.start).toLocaleString(document.documentElement.lang, {
      dateStyle: "medium",
      timeStyle: "short",
    });
    for (const text of [when, await nameOf(booking.language), t(`booking.state.${booking.state}`)]) {
      const cell = document.createElement("td");
      cell.textContent = text;
      row.append(cell);
    }
    const actions = document.createElement("td");
    for (const { verb, body } of actionsOf(booking)) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = t(`booking.${verb}`);
      button.addEventListener("click", async () => {
        await api("POST", `/api/bookings/${booking.id}/${verb}`, body);
        await refresh();
      });
      actions.append(button);
    }
    row.append(actions);
    rows.push(row);
  }
  tbody.replaceChildren(...rows);
}
