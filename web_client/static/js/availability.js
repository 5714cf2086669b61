// The weekly availability editor: working hours per weekday in the interpreter's own IANA time zone, and
// date overrides (a day off, other hours that day, or extra hours), saved whole with PUT.
import { api } from "./api.js";
import { t } from "./i18n.js";

const WEEKDAYS = [0, 1, 2, 3, 4, 5, 6]; // 0 is Monday, as the API counts
const KINDS = ["unavailable", "replace", "extra"];

function field(labelKey, input) {
  const label = document.createElement("label");
  const text = document.createElement("span");
  text.textContent = t(labelKey);
  label.append(text, input);
  return label;
}

function timeInput(value) {
  const input = document.createElement("input");
  input.type = "time";
  input.step = "300";
  input.value = value;
  return input;
}

function removeButton(onClick) {
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = t("availability.remove");
  button.addEventListener("click", onClick);
  return button;
}

function weekdayName(weekday) {
  // 2024-01-01 was a Monday.
  return new Date(Date.UTC(2024, 0, 1 + weekday)).toLocaleDateString(document.documentElement.lang, {
    weekday: "long",
    timeZone: "UTC",
  });
}

export async function mountAvailabilityEditor(container, interpreterId) {
  const url = `/api/interpreters/${interpreterId}/availability`;
  let state;
  try {
    state = await api("GET", url);
  } catch {
    state = { zone: Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC", weekly: [], overrides: [] };
  }

  const render = () => {
    const form = document.createElement("form");
    form.className = "availability";
    const zone = document.createElement("input");
    zone.id = "availability-zone";
    zone.value = state.zone;
    zone.required = true;
    zone.addEventListener("change", () => (state.zone = zone.value.trim()));
    form.append(field("availability.zone", zone));

    const weekly = document.createElement("fieldset");
    const legend = document.createElement("legend");
    legend.textContent = t("availability.weekly");
    weekly.append(legend);
    state.weekly.forEach((slot, index) => {
      const row = document.createElement("div");
      row.className = "slot";
      const day = document.createElement("select");
      for (const weekday of WEEKDAYS) day.append(new Option(weekdayName(weekday), String(weekday)));
      day.value = String(slot.weekday);
      day.addEventListener("change", () => (slot.weekday = Number(day.value)));
      const start = timeInput(slot.start);
      start.addEventListener("change", () => (slot.start = start.value));
      const end = timeInput(slot.end);
      end.addEventListener("change", () => (slot.end = end.value));
      row.append(
        field("availability.day", day),
        field("availability.from", start),
        field("availability.to", end),
        removeButton(() => {
          state.weekly.splice(index, 1);
          render();
        }),
      );
      weekly.append(row);
    });
    const addSlot = document.createElement("button");
    addSlot.type = "button";
    addSlot.id = "availability-add-slot";
    addSlot.textContent = t("availability.add_hours");
    addSlot.addEventListener("click", () => {
      state.weekly.push({ weekday: 0, start: "09:00", end: "17:00" });
      render();
    });
    weekly.append(addSlot);
    form.append(weekly);

    const overrides = document.createElement("fieldset");
    const overridesLegend = document.createElement("legend");
    overridesLegend.textContent = t("availability.overrides");
    overrides.append(overridesLegend);
    state.overrides.forEach((override, index) => {
      const row = document.createElement("div");
      row.className = "slot";
      const date = document.createElement("input");
      date.type = "date";
      date.value = override.date;
      date.addEventListener("change", () => (override.date = date.value));
      const kind = document.createElement("select");
      for (const value of KINDS) kind.append(new Option(t(`availability.kind.${value}`), value));
      kind.value = override.kind;
      kind.addEventListener("change", () => {
        override.kind = kind.value;
        if (kind.value === "unavailable") override.slots = [];
        else if (override.slots.length === 0) override.slots = [{ start: "09:00", end: "17:00" }];
        render();
      });
      row.append(field("availability.date", date), field("availability.kind", kind));
      for (const slot of override.slots) {
        const start = timeInput(slot.start);
        start.addEventListener("change", () => (slot.start = start.value));
        const end = timeInput(slot.end);
        end.addEventListener("change", () => (slot.end = end.value));
        row.append(field("availability.from", start), field("availability.to", end));
      }
      row.append(
        removeButton(() => {
          state.overrides.splice(index, 1);
          render();
        }),
      );
      overrides.append(row);
    });
    const addOverride = document.createElement("button");
    addOverride.type = "button";
    addOverride.textContent = t("availability.add_override");
    addOverride.addEventListener("click", () => {
      state.overrides.push({ date: new Date().toISOString().slice(0, 10), kind: "unavailable", slots: [] });
      render();
    });
    overrides.append(addOverride);
    form.append(overrides);

    const save = document.createElement("button");
    save.type = "submit";
    save.id = "availability-save";
    save.textContent = t("availability.save");
    const result = document.createElement("p");
    result.id = "availability-result";
    result.setAttribute("role", "status");
    form.append(save, result);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        state = await api("PUT", url, state);
        render();
        container.querySelector("#availability-result").textContent = t("availability.saved");
      } catch (error) {
        result.textContent = t("error.generic", { message: error.message });
      }
    });
    container.replaceChildren(form);
  };
  render();
}
