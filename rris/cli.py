"""The ``rris`` command: ``serve``, ``db upgrade`` and ``demo-call``."""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import os
import secrets
import signal
import sys
from importlib import resources

from aiohttp import web
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from pydantic import SecretStr

from core.config import Settings
from core.db import Database
from core.demo import OFFICE_A, load_demo
from core.migrate import alembic_config, upgrade
from glossary.csv_io import import_csv
from media.recording_store import RecordingPolicy
from migration_data.demo import load_demo_submissions
from rris.app import create_app, services_of
from rris.demo_hours import load_demo_hours


async def _db_upgrade(settings: Settings) -> None:
    db = Database(settings.database_url)
    try:
        await upgrade(db)
    finally:
        await db.close()


async def _schema_is_current(settings: Settings) -> bool:
    db = Database(settings.database_url)
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    try:
        async with db.engine.connect() as conn:
            current = await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())
    finally:
        await db.close()
    return bool(current == head)


def _demo_recording_key(settings: Settings) -> Settings:
    """The demo records with a key of its own, kept beside the demo database (var/, mode 0600), unless
    ``RRIS_RECORDING_KEY`` is set. Never do this in production: there the key comes from the environment."""
    if settings.recording_key is not None:
        return settings
    path = settings.recording_dir.parent / "demo-recording.key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(base64.b64encode(secrets.token_bytes(32)).decode())
    return settings.model_copy(update={"recording_key": SecretStr(path.read_text().strip())})


async def _allow_demo_recording(app: web.Application) -> None:
    """Demo Asylum Office A allows consented recording (30 days); every other organisation stays off."""
    svc = services_of(app)
    office = await svc.accounts.find_organisation(OFFICE_A)
    coordinator = await svc.accounts.find_user("demo.coordinator.a")
    if office is not None and coordinator is not None:
        await svc.recordings.set_policy(RecordingPolicy(office.id, True, 30), coordinator)


async def _load_demo_terms(app: web.Application) -> None:
    """A dozen asylum-procedure terms in eleven languages, all draft, for the call screen's glossary panel."""
    svc = services_of(app)
    author = await svc.accounts.find_user("demo.coordinator")
    if author is None or await svc.terms.terms():
        return
    seed = resources.files("glossary").joinpath("content/terms.csv").read_text(encoding="utf-8")
    await svc.terms.import_terms(author, import_csv(seed), "demo seed (draft)")


async def _load_demo_submissions(app: web.Application) -> None:
    """Fictional monthly figures from Demo Asylum Office A's data officer, most accepted by the hub."""
    svc = services_of(app)
    officer_id = await svc.accounts.find_user("demo.data.officer")
    hub_id = await svc.accounts.find_user("demo.coordinator")
    officer = await svc.accounts.principal(officer_id) if officer_id else None
    hub = await svc.accounts.principal(hub_id) if hub_id else None
    if officer is not None and hub is not None:
        await load_demo_submissions(svc.migration_data, officer, hub)


async def _serve(settings: Settings, demo: bool) -> None:
    if demo:
        await _db_upgrade(settings)
        settings = _demo_recording_key(settings)
    elif not await _schema_is_current(settings):
        sys.exit("the database schema is not current: run `rris db upgrade` first")
    app = create_app(settings)
    if demo:
        password = os.environ.get("RRIS_DEMO_PASSWORD") or secrets.token_urlsafe(12)
        svc = services_of(app)
        accounts = await load_demo(svc.accounts, svc.directory, password)
        await load_demo_hours(svc.accounts, svc.availability)
        await _allow_demo_recording(app)
        await _load_demo_terms(app)
        await _load_demo_submissions(app)
        print("Demo data loaded (all fictional). Password for every demo account:", password)
        print(f"Consented recording is allowed for {OFFICE_A}; recordings go to {settings.recording_dir}")
        for account in accounts:
            print(f"  {account.role:<12} {account.username}")
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    print(f"RRIS listening on http://{settings.host}:{settings.port}", flush=True)
    # SIGTERM (systemd, docker stop, Kubernetes) and Ctrl-C both end the wait, so the cleanup below
    # runs uncancelled: sockets get their disconnect handlers and the services close. Without this,
    # SIGTERM killed the process on the spot, leaving its interpreters "on standby" in the shared
    # Redis behind sockets that no longer exist.
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    signals = (signal.SIGINT, signal.SIGTERM)
    # No loop signal handlers on Windows (NotImplementedError) nor outside the main thread (RuntimeError).
    with contextlib.suppress(NotImplementedError, RuntimeError):
        for sig in signals:
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            for sig in signals:  # a second signal interrupts the cleanup at once
                loop.remove_signal_handler(sig)
        await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="rris", description="Regional Remote Interpretation Service")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the service")
    serve.add_argument("--host", help="bind address (RRIS_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (RRIS_PORT, default 8080)")
    serve.add_argument("--demo", action="store_true", help="upgrade the schema and load fictional demo data")
    db = commands.add_parser("db", help="database schema")
    db.add_subparsers(dest="db_command", required=True).add_parser("upgrade", help="apply all migrations")
    call = commands.add_parser("demo-call", help="connect a demo caseworker and interpreter in a real call")
    call.add_argument("--url", default="http://127.0.0.1:8080")
    call.add_argument("--password", default=os.environ.get("RRIS_DEMO_PASSWORD"), required=False)
    call.add_argument("--language", default="ps")
    call.add_argument("--seconds", type=float, default=3.0, help="how long media flows before hang-up")
    args = parser.parse_args(argv)

    overrides = {
        k: v
        for k, v in (("host", getattr(args, "host", None)), ("port", getattr(args, "port", None)))
        if v is not None
    }
    settings = Settings(**overrides)
    try:
        if args.command == "serve":
            asyncio.run(_serve(settings, args.demo))
        elif args.command == "db":
            asyncio.run(_db_upgrade(settings))
            print("database schema is current")
        elif args.command == "demo-call":
            from rris.democall import run_demo_call

            if not args.password:
                sys.exit("give --password (printed by `rris serve --demo`) or set RRIS_DEMO_PASSWORD")
            ok = asyncio.run(run_demo_call(args.url, args.password, args.language, args.seconds))
            sys.exit(0 if ok else 1)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
