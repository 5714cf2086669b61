// The login page: after login each role lands on its console.
import { ApiError, consoleOf, currentSession, login } from "./api.js";
import { initI18n, t } from "./i18n.js";

await initI18n();
const existing = await currentSession();
if (existing !== null) location.replace(consoleOf(existing.user.role));

const form = document.getElementById("login-form");
const error = document.getElementById("login-error");
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.textContent = "";
  const username = form.username.value.trim();
  const password = form.password.value;
  if (!username || !password) {
    error.textContent = t("login.missing");
    return;
  }
  try {
    const session = await login(username, password);
    location.replace(consoleOf(session.user.role));
  } catch (failure) {
    const code = failure instanceof ApiError ? failure.code : "network";
    error.textContent = t(`login.error.${code}`) === `login.error.${code}` ? t("login.error.other") : t(`login.error.${code}`);
  }
});
