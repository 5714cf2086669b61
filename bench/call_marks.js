// The in-page half of bench/browser_call.py: timestamps ("marks") of one call's milestones in this page,
// taken with Date.now(), the system clock every page of the browser reads, so marks of two pages compare.
// watchConsole() observes an RRIS console without changing it; direct is the floor's own peer, which
// signals through the bench process (window.benchSend, a Playwright binding) instead of the server.
(() => {
  if (window.__bench) return;
  let marks = {};
  let waiters = [];
  const settle = () => {
    const waiting = [];
    for (const waiter of waiters) {
      if (waiter.names.every((name) => name in marks) || waiter.orMark in marks) waiter.resolve(marks);
      else waiting.push(waiter);
    }
    waiters = waiting;
  };
  const mark = (name, at = Date.now()) => {
    if (name in marks) return; // the first occurrence only
    marks[name] = at;
    settle();
  };

  /** Marks of a peer connection and of the <video> its remote stream plays in. */
  function watchPeer(pc, video) {
    mark("pc_created");
    pc.addEventListener("icecandidate", (event) => event.candidate && mark("local_candidate"));
    pc.addEventListener("icegatheringstatechange", () => pc.iceGatheringState === "complete" && mark("gathered"));
    pc.addEventListener("iceconnectionstatechange", () => {
      if (["connected", "completed"].includes(pc.iceConnectionState)) mark("ice_connected");
    });
    pc.addEventListener("connectionstatechange", () => pc.connectionState === "connected" && mark("connected"));
    pc.addEventListener("track", (event) => event.track.kind === "video" && mark("track"));
    // The first remote frame handed to the compositor: its presentation time, moved onto Date.now()'s clock.
    video.requestVideoFrameCallback((now, frame) => {
      mark("first_frame", Date.now() - (performance.now() - frame.presentationTime));
    });
  }

  /** An RRIS console: the accept click, its socket's events, and the Call it creates (window.rris.call). */
  function watchConsole() {
    // Capture phase on window: stamped before the console's own click handler starts.
    window.addEventListener("click", (event) => event.target.closest?.("#accept") && mark("click"), true);
    const { socket } = window.rris;
    let current = window.rris.call ?? null;
    const seen = (direction) => (event, payload) => {
      if (event === "call:accept") mark(`accept_${direction}`);
      if (event === "call:accepted") mark("accepted_received");
      if (event === "signal:description") mark(`${payload.type}_${direction}`);
      if (event === "signal:candidate" && payload.candidate) mark(`candidate_${direction}`);
      // call.js listens for signal:* only from `new Call(...)` on: what arrives before that is dropped.
      if (direction === "received" && event.startsWith("signal:") && !current) mark(`${event}_dropped`);
    };
    socket.onAnyOutgoing(seen("sent")); // when the packet is handed to the websocket
    socket.onAny(seen("received")); // before the console's own handlers run
    // The acknowledgement of call:accept: its packet id is the one emit() has just taken.
    let acceptId = null;
    socket.onAnyOutgoing((event) => event === "call:accept" && (acceptId = socket.ids - 1));
    socket.io.on("packet", ({ type, id }) => type === 3 /* ACK */ && id === acceptId && mark("accept_acked"));
    Object.defineProperty(window.rris, "call", {
      configurable: true,
      get: () => current,
      set: (call) => {
        current = call; // set in the same task as `new Call(...)`: no event of its pc can be missed
        if (call) watchPeer(call.pc, call.view.remote);
      },
    });
  }

  /** The floor: a peer of our own in this page, negotiating as call.js does, with trickled candidates. */
  const direct = {
    async prepare() {
      this.stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
      this.video = Object.assign(document.createElement("video"), { autoplay: true, playsInline: true });
      this.video.muted = true;
      this.video.style.cssText = "position:fixed;right:0;bottom:0;width:320px;height:240px";
      document.body.append(this.video);
      this.pending = [];
      this.pc = new RTCPeerConnection({ iceServers: [] });
      for (const track of this.stream.getTracks()) this.pc.addTrack(track, this.stream);
      this.pc.addEventListener("icecandidate", (event) => {
        if (event.candidate) mark("candidate_sent");
        this.send({ candidate: event.candidate ? event.candidate.toJSON() : null });
      });
      this.pc.addEventListener("track", (event) => (this.video.srcObject = event.streams[0]));
      watchPeer(this.pc, this.video);
    },
    send(message) {
      window.benchSend(message); // not awaited, as call.js does not await its acknowledgements
    },
    async offer() {
      mark("start");
      await this.pc.setLocalDescription(await this.pc.createOffer());
      mark("offer_sent");
      this.send({ description: { type: "offer", sdp: this.pc.localDescription.sdp } });
    },
    async receive({ description, candidate }) {
      if (description) {
        mark(`${description.type}_received`);
        await this.pc.setRemoteDescription(description);
        for (const queued of this.pending.splice(0)) await this.pc.addIceCandidate(queued ?? undefined);
        if (description.type !== "offer") return;
        await this.pc.setLocalDescription(await this.pc.createAnswer());
        mark("answer_sent");
        this.send({ description: { type: "answer", sdp: this.pc.localDescription.sdp } });
      } else {
        if (candidate) mark("candidate_received");
        if (this.pc.remoteDescription) await this.pc.addIceCandidate(candidate ?? undefined);
        else this.pending.push(candidate);
      }
    },
    close() {
      this.pc.close();
      for (const track of this.stream.getTracks()) track.stop();
      this.video.remove();
    },
  };

  window.__bench = {
    watchConsole,
    direct,
    reset: () => {
      marks = {};
      waiters = [];
    },
    marks: () => marks,
    /** Resolves with every mark once all `names` are marked, or `orMark` is. */
    until: (names, orMark = null) =>
      new Promise((resolve) => {
        waiters.push({ names, orMark, resolve });
        settle();
      }),
  };
})();
