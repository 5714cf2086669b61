"""One browser call as the marks of its two pages (``call_marks.js``): the intervals the browser call
benchmark reports, the step-by-step breakdown, and the floor's signalling through the bench process."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from measure import percentile
from playwright.async_api import Page

MARKS_JS = (Path(__file__).resolve().parent / "call_marks.js").read_text()
Route = Literal["server", "floor"]
SERVER: Route = "server"
FLOOR: Route = "floor"
Side = Literal["caseworker", "interpreter", "both"]  # both: the later of the two pages
At = tuple[Side, str]
CW: Side = "caseworker"
IN: Side = "interpreter"
BOTH: Side = "both"


@dataclass(frozen=True)
class Step:
    """A span between two marks, printed as its p50 and p95 through the server and in the floor."""

    label: str
    start: At
    end: At
    floor_start: At | None = None  # where the floor's span starts, when it differs
    in_floor: bool = True


# The marks of call_marks.js the steps run between; "in" is the interpreter's page, "cw" the caseworker's.
CLICK, ACCEPT_SENT, ACCEPT_ACKED = (IN, "click"), (IN, "accept_sent"), (IN, "accept_acked")
IN_PC = (IN, "pc_created")
ACCEPTED, START, OFFER_SENT = (CW, "accepted_received"), (CW, "start"), (CW, "offer_sent")
OFFER_IN, ANSWER_SENT, ANSWER_IN = (IN, "offer_received"), (IN, "answer_sent"), (CW, "answer_received")
CW_CANDIDATE, IN_CANDIDATE = (CW, "candidate_sent"), (IN, "candidate_sent")
CANDIDATE_IN = (IN, "candidate_received")
ICE, CONNECTED, FRAME = (BOTH, "ice_connected"), (BOTH, "connected"), (BOTH, "first_frame")
STEPS = [
    Step("interpreter: click -> call:accept sent", CLICK, ACCEPT_SENT, in_floor=False),
    Step("interpreter: click -> pc created", CLICK, IN_PC, in_floor=False),
    Step("call:accept sent -> caseworker's call:accepted", ACCEPT_SENT, ACCEPTED, in_floor=False),
    Step("call:accept sent -> acknowledged", ACCEPT_SENT, ACCEPT_ACKED, in_floor=False),
    Step("caseworker: accepted (floor: t0) -> offer sent", ACCEPTED, OFFER_SENT, floor_start=START),
    Step("offer relayed", OFFER_SENT, OFFER_IN),
    Step("interpreter: offer received -> answer sent", OFFER_IN, ANSWER_SENT),
    Step("answer relayed", ANSWER_SENT, ANSWER_IN),
    Step("answer received -> connected (both)", ANSWER_IN, CONNECTED),
    Step("connected (both) -> first frame (both)", CONNECTED, FRAME),
    Step("  ICE connected (both) -> connected (both)", ICE, CONNECTED),
    Step("  interpreter: pc created -> offer arrives", IN_PC, OFFER_IN, in_floor=False),
    Step("  caseworker: offer sent -> 1st candidate sent", OFFER_SENT, CW_CANDIDATE),
    Step("  interpreter: answer sent -> 1st candidate sent", ANSWER_SENT, IN_CANDIDATE),
    Step("  1st candidate relayed to the interpreter", CW_CANDIDATE, CANDIDATE_IN),
]


@dataclass(frozen=True)
class Timeline:
    """``Date.now()`` marks (ms) of both pages; t0 is the accept click, or the floor's offer start."""

    caseworker: dict[str, float]
    interpreter: dict[str, float]
    failure: str | None = None  # why this call never connected

    def at(self, where: At) -> float | None:
        side, name = where
        pages = [self.caseworker, self.interpreter] if side == BOTH else [getattr(self, side)]
        found = [marks[name] for marks in pages if name in marks]
        return max(found) if len(found) == len(pages) else None

    def span(self, start: At, end: At) -> float | None:
        began, ended = self.at(start), self.at(end)
        return None if began is None or ended is None else ended - began

    @property
    def t0(self) -> float:
        return self.interpreter["click"] if "click" in self.interpreter else self.caseworker["start"]

    def since_t0(self, name: str) -> float:
        end = self.at((BOTH, name))
        assert end is not None, (name, self)
        return end - self.t0

    @property
    def connected(self) -> float:
        return self.since_t0("connected")

    @property
    def first_frame(self) -> float:
        return self.since_t0("first_frame")

    def summary(self) -> str:
        if self.failure:
            return f"FAILED ({self.failure})"
        return f"{self.connected:.0f} / {self.first_frame:.0f} ms"


def print_breakdown(server: list[Timeline], floor: list[Timeline]) -> None:
    """p50 and p95 of each step, through the server and in the floor where it has that step."""

    def cells(timelines: list[Timeline], start: At, end: At) -> str:
        samples = [s for t in timelines if (s := t.span(start, end)) is not None]
        if not samples:
            return f"{'':>20}"
        return f"{statistics.median(samples):>10.1f}{percentile(samples, 95):>10.1f}"

    print(f"\nbreakdown, ms{'':<37}{'server p50':>10}{'p95':>10}{'floor p50':>10}{'p95':>10}")
    for step in STEPS:
        in_floor = cells(floor, step.floor_start or step.start, step.end) if step.in_floor else ""
        print(f"{step.label:<50}{cells(server, step.start, step.end)}{in_floor}")


async def install_marks(page: Page) -> None:
    await page.evaluate(MARKS_JS)


async def relay_direct(caseworker: Page, interpreter: Page) -> None:
    """The floor's signalling: what one page's direct peer sends, the other page's receives, in order."""
    receive = "m => { window.__bench.direct.receive(m).catch((e) => console.error('floor', e)); }"
    for page, other in ((caseworker, interpreter), (interpreter, caseworker)):

        async def forward(source: Any, message: dict[str, Any], other: Page = other) -> None:
            await other.evaluate(receive, message)

        await page.expose_binding("benchSend", forward)
