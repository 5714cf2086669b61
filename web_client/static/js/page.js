// What every console page does first: its role's session (or off to the login page), the interface
// language, the header (who is logged in, log out) and the socket.
import { logout, requireRole } from "./api.js";
import { initI18n } from "./i18n.js";
import { connect } from "./socket.js";

export async function startPage(role) {
  const session = await requireRole(role);
  await initI18n();
  document.getElementById("who").textContent =
    `${session.user.display_name} · ${session.user.organisation.name}`;
  document.getElementById("logout").addEventListener("click", async () => {
    await logout();
    location.replace("/");
  });
  const socket = connect();
  socket.on("connect_error", (error) => {
    if (error.message === "not_authenticated") location.replace("/");
  });
  window.rris = { session, socket };
  return { session, socket };
}

export function show(element, visible = true) {
  element.hidden = !visible;
}

export function elapsed(since) {
  const seconds = Math.max(0, Math.floor((Date.now() - since) / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}
