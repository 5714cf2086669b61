// The Socket.IO connection (websocket only, the session cookie authenticates it) and requests that resolve
// with their acknowledgement: every client event is acknowledged with {ok: true, ...} or {ok: false, error}.
import { io } from "/vendor/socket.io.esm.min.js";

export class SocketError extends Error {
  constructor(code, message) {
    super(message || code);
    this.code = code;
  }
}

export function connect() {
  return io({ transports: ["websocket"], reconnectionDelay: 500, reconnectionDelayMax: 3000 });
}

export function request(socket, event, payload = undefined, timeoutMs = 10000) {
  return new Promise((resolve, reject) => {
    const done = (error, answer) => {
      if (error) return reject(new SocketError("timeout", `no answer to ${event}`));
      if (answer && answer.ok) return resolve(answer);
      const failure = (answer && answer.error) || {};
      reject(new SocketError(failure.code || "error", failure.message));
    };
    const timed = socket.timeout(timeoutMs);
    if (payload === undefined) timed.emit(event, done);
    else timed.emit(event, payload, done);
  });
}
