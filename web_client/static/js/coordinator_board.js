// The live board: requests waiting, calls under way, interpreters by language and state. The server
// pushes it over the socket (board:watch, then board:update whenever something changed); waiting times
// and durations are counted on here, from the figures the server sent. Without a socket the board is
// fetched from GET /api/live every few seconds until the socket is back.
import { api } from "./api.js";
import { onLanguageChange, t } from "./i18n.js";
import { request } from "./socket.js";
import { cell, duration, languageName, timeOfDay } from "./coordinator_dom.js";

const POLL_MS = 2000;
const STATE_ORDER = ["ringing", "standby", "in_call", "away", "offline"];

export class Board {
  constructor(socket) {
    this.socket = socket;
    this.current = null; // the last board drawn
    this.receivedAt = 0; // performance.now() when it arrived
    this.seenRequests = null; // call ids of the requests already announced
    this.poller = null;
    this.listeners = new Set();
    this.$ = (id) => document.getElementById(id);
  }

  /** Draw the board once from HTTP, then follow the socket. */
  async start() {
    this.draw(await api("GET", "/api/live"));
    this.socket.on("connect", () => this.watch());
    this.socket.on("disconnect", () => this.fallBackToPolling());
    this.socket.on("board:update", (board) => this.draw(board));
    if (this.socket.connected) await this.watch();
    setInterval(() => this.tick(), 1000);
    this.$("show-offline").addEventListener("change", () => this.drawInterpreters());
    onLanguageChange(() => this.current && this.draw(this.current, { keepTime: true }));
  }

  async watch() {
    try {
      const answer = await request(this.socket, "board:watch", { on: true });
      this.stopPolling();
      this.draw(answer.board);
      this.status("live");
    } catch {
      this.fallBackToPolling();
    }
  }

  fallBackToPolling() {
    this.status("polling");
    if (this.poller) return;
    this.poller = setInterval(async () => {
      try {
        this.draw(await api("GET", "/api/live"));
      } catch {
        this.status("offline");
      }
    }, POLL_MS);
  }

  stopPolling() {
    clearInterval(this.poller);
    this.poller = null;
  }

  status(state) {
    const element = this.$("board-status");
    element.dataset.state = state;
    const at = this.current ? timeOfDay(this.current.at) : "";
    element.textContent = t(`coordinator.board_${state}`, { time: at });
  }

  /** The interpreters this coordinator may see, for the bookings and shifts forms. */
  interpreters() {
    return this.current ? this.current.interpreters : [];
  }

  nameOf(id) {
    return this.interpreters().find((person) => person.id === id)?.name ?? "—";
  }

  /** ``listener(interpreters)`` whenever the set of interpreters (not their states) changes. */
  onInterpreters(listener) {
    this.listeners.add(listener);
  }

  draw(board, { keepTime = false } = {}) {
    const before = this.current ? this.current.interpreters.map((p) => p.id).join() : null;
    this.current = board;
    if (!keepTime) this.receivedAt = performance.now();
    this.announce(board);
    this.drawWaiting();
    this.drawCalls();
    this.drawLanguages();
    this.drawInterpreters();
    this.status(this.$("board-status").dataset.state || "live");
    document.body.dataset.boardAt = board.at;
    if (before !== board.interpreters.map((p) => p.id).join()) {
      for (const listener of this.listeners) listener(board.interpreters);
    }
  }

  /** Tell screen-reader users of requests that started waiting since the last board. */
  announce(board) {
    const ids = new Set(board.waiting.map((w) => w.call_id));
    if (this.seenRequests !== null) {
      const fresh = board.waiting.filter((w) => !this.seenRequests.has(w.call_id));
      if (fresh.length > 0) {
        this.$("board-announce").textContent = fresh
          .map((w) => t("coordinator.announce_waiting", { language: languageName(w.language), organisation: w.organisation }))
          .join(" ");
      }
    }
    this.seenRequests = ids;
  }

  /** A cell counting on from ``seconds`` at the board's arrival, refreshed by tick(). */
  timer(seconds, labelKey) {
    const element = cell(duration(seconds), labelKey);
    element.classList.add("timer");
    element.dataset.base = String(seconds);
    return element;
  }

  tick() {
    const elapsed = (performance.now() - this.receivedAt) / 1000;
    for (const element of document.querySelectorAll("#board-panel .timer")) {
      element.textContent = duration(Number(element.dataset.base) + elapsed);
    }
  }

  fill(tableId, emptyId, countId, rows) {
    this.$(tableId).tBodies[0].replaceChildren(...rows);
    this.$(tableId).hidden = rows.length === 0;
    this.$(emptyId).hidden = rows.length > 0;
    if (countId) this.$(countId).textContent = String(rows.length);
  }

  drawWaiting() {
    const rows = this.current.waiting.map((w) => {
      const row = document.createElement("tr");
      row.dataset.callId = w.call_id;
      row.dataset.state = w.state;
      const state =
        w.state === "ringing"
          ? t("coordinator.ringing_who", { name: w.ringing ?? "—", attempt: w.attempt })
          : t("coordinator.searching", { attempt: w.attempt });
      row.append(
        cell(languageName(w.language), "coordinator.language"),
        cell(w.organisation, "coordinator.organisation"),
        cell(state, "coordinator.request_state"),
        this.timer(w.waiting_s, "coordinator.waiting_for"),
      );
      return row;
    });
    this.fill("waiting", "waiting-empty", "waiting-count", rows);
  }

  drawCalls() {
    const rows = this.current.calls.map((c) => {
      const row = document.createElement("tr");
      row.dataset.callId = c.call_id;
      row.dataset.kind = c.kind;
      const who = document.createElement("span");
      who.textContent = c.interpreters.join(", ") || "—";
      const people = document.createElement("div");
      people.append(who);
      if (c.kind === "booked") people.append(" ", tag(t("coordinator.booked")));
      if (c.absent.length > 0) {
        const absent = document.createElement("div");
        absent.className = "note";
        absent.textContent = t("coordinator.absent", {
          roles: c.absent.map((role) => t(`coordinator.role.${role}`)).join(", "),
        });
        people.append(absent);
      }
      const scores = Object.entries(c.quality || {});
      if (scores.length > 0) {
        // Each side's latest link score (0-100); under 60 is poor.
        const quality = document.createElement("div");
        quality.className = "note call-quality";
        quality.dataset.level = scores.some(([, score]) => score < 60) ? "poor" : "ok";
        quality.textContent = t("coordinator.quality", {
          scores: scores
            .map(([role, score]) => t("coordinator.quality_score", { role: t(`coordinator.role.${role}`), score }))
            .join(", "),
        });
        people.append(quality);
      }
      row.append(
        cell(languageName(c.language), "coordinator.language"),
        cell(c.organisation, "coordinator.organisation"),
        cell(people, "coordinator.interpreter"),
        this.timer(c.duration_s, "coordinator.duration"),
      );
      return row;
    });
    this.fill("calls", "calls-empty", "calls-count", rows);
  }

  drawLanguages() {
    const columns = ["standby", "ringing", "in_call", "away", "offline"];
    const rows = this.current.languages.map((line) => {
      const row = document.createElement("tr");
      row.dataset.language = line.language;
      row.append(cell(languageName(line.language), null, { header: true }));
      for (const column of columns) {
        const count = cell(String(line[column]), `coordinator.state.${column}`);
        if (line[column] > 0) count.classList.add(`has-${column}`);
        row.append(count);
      }
      const waiting = cell(String(line.waiting), "coordinator.waiting_title");
      if (line.waiting > 0 && line.standby === 0) waiting.classList.add("alert");
      row.append(waiting, cell(String(line.active), "coordinator.calls_title"));
      return row;
    });
    this.$("languages").tBodies[0].replaceChildren(...rows);
  }

  drawInterpreters() {
    if (!this.current) return;
    const withOffline = this.$("show-offline").checked;
    const shown = this.current.interpreters
      .filter((person) => withOffline || person.state !== "offline")
      .sort(
        (a, b) => STATE_ORDER.indexOf(a.state) - STATE_ORDER.indexOf(b.state) || a.name.localeCompare(b.name),
      );
    const rows = shown.map((person) => {
      const row = document.createElement("tr");
      row.dataset.interpreterId = person.id;
      row.dataset.state = person.state;
      const state = document.createElement("span");
      state.className = `state state-${person.state}`;
      state.textContent = t(`coordinator.state.${person.state}`);
      row.append(
        cell(person.name, "coordinator.name"),
        cell(person.languages.map(languageName).join(", "), "coordinator.languages"),
        cell(state, "coordinator.presence"),
        cell(person.since ? timeOfDay(person.since) : "—", "coordinator.since"),
      );
      return row;
    });
    this.fill("interpreters", "interpreters-empty", null, rows);
  }
}

function tag(text) {
  const element = document.createElement("span");
  element.className = "tag";
  element.textContent = text;
  return element;
}
