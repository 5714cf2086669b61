// Waiting for ICE gathering: the server's aiortc peers (the connection test, the recorder) take one offer
// with every candidate in it, no trickle.

const GATHERING_TIMEOUT_MS = 3000;

/** Resolves once ``pc`` has gathered all its candidates, or after ``timeoutMs`` with what it has. */
export function gathered(pc, timeoutMs = GATHERING_TIMEOUT_MS) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    pc.addEventListener("icegatheringstatechange", () => {
      if (pc.iceGatheringState !== "complete") return;
      clearTimeout(timer);
      resolve();
    });
  });
}
