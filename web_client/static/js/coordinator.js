// The coordinator's console (admins land here too): the live board, bookings and standby shifts, and the
// coverage and usage reports, the recording policy and recordings, the terminology and phrase recordings,
// and the regional migration data.
import { startPage } from "./page.js";
import { Board } from "./coordinator_board.js";
import { mountBookings, mountShifts } from "./coordinator_bookings.js";
import { loadLanguageNames } from "./coordinator_dom.js";
import { mountRecordings } from "./coordinator_recordings.js";
import { mountReports } from "./coordinator_reports.js";
import { mountPhraseAudio } from "./coordinator_phrase_audio.js";
import { mountTerms } from "./coordinator_terms.js";
import { mountRegionalData } from "./regional_data.js";

const { session, socket } = await startPage("coordinator"); // an admin's console too
await loadLanguageNames();

const board = new Board(socket);
await board.start();
window.rris.board = board;
await Promise.all([mountBookings(board), mountShifts(board), mountReports(), mountRecordings(session),
  mountTerms(session), mountPhraseAudio(session), mountRegionalData(session)]);
document.body.dataset.ready = "true";
