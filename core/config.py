"""Settings read from the environment (prefix ``RRIS_``), so that scale-out is configuration alone."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("var")


class Settings(BaseSettings):
    """Everything the composition root needs to build the service.

    The embedded default (SQLite, in-process Socket.IO manager) needs no server; setting
    ``RRIS_DATABASE_URL`` to PostgreSQL and ``RRIS_REDIS_URL`` runs the same code on several nodes.
    """

    model_config = SettingsConfigDict(env_prefix="RRIS_", extra="ignore")

    database_url: str = f"sqlite+aiosqlite:///{DEFAULT_DATA_DIR / 'rris.sqlite3'}"
    redis_url: str | None = None
    # Namespaces this deployment's keys and Socket.IO channel in Redis (several deployments may share one).
    redis_prefix: str = Field(default="rris", pattern=r"^[A-Za-z0-9_.-]{1,40}$")

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)

    # Call lifecycle timings, in seconds.
    ring_timeout_s: float = Field(default=20.0, gt=0)
    grace_period_s: float = Field(default=30.0, gt=0)
    # How long a node reuses a candidate list (profile changes elsewhere show after at most this).
    candidate_cache_s: float = Field(default=10.0, ge=0)
    # How often every node sweeps live calls for deadlines a lost node left unapplied.
    sweep_interval_s: float = Field(default=5.0, gt=0)

    # Bookings: the least time between two bookings of one interpreter, in minutes.
    booking_buffer_min: int = Field(default=10, ge=0, le=24 * 60)
    # Workload limits per interpreter: booked minutes per local day, and the longest continuous stretch
    # (bookings separated by less than ``fatigue_rest_min`` count as one stretch).
    daily_cap_min: int = Field(default=6 * 60, ge=15, le=24 * 60)
    max_continuous_min: int = Field(default=3 * 60, ge=15, le=24 * 60)
    fatigue_rest_min: int = Field(default=30, ge=0, le=24 * 60)
    # Pivot languages tried, in order, when nobody covers a booking's language pair (relay interpreting).
    relay_pivots: list[str] = Field(default_factory=lambda: ["en", "fr", "ar", "ru", "tr"])
    # How long an interpreter has to answer an offer before it goes to the next candidate.
    offer_expiry_min: int = Field(default=120, ge=1, le=14 * 24 * 60)

    # Timed work (APScheduler): reminders before a booking, the grace before a no-show is recorded, and
    # how often the running scheduler looks for jobs other nodes added.
    reminder_offsets_s: list[int] = Field(default_factory=lambda: [24 * 3600, 15 * 60])
    no_show_grace_min: int = Field(default=15, ge=1, le=24 * 60)
    scheduler_poll_s: float = Field(default=5.0, gt=0)

    # Accounts.
    session_ttl_s: int = Field(default=12 * 3600, gt=0)
    cookie_secure: bool = False
    login_max_failures: int = Field(default=5, ge=1)  # per username
    login_max_failures_per_client: int = Field(default=50, ge=1)  # per client address (offices share one)
    login_window_s: float = Field(default=15 * 60, gt=0)
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=8)

    # ICE: no public STUN server by default, the machine may have no internet.
    stun_urls: list[str] = Field(default_factory=list)
    turn_urls: list[str] = Field(default_factory=list)
    turn_secret: SecretStr | None = None
    turn_credential_ttl_s: int = Field(default=12 * 3600, gt=0)

    # Consented recording (media.recordings). The master key wraps each recording's own data key: 32 bytes,
    # base64. Without it nothing is ever recorded, whatever an organisation's policy says. Older keys stay
    # listed in ``recording_old_keys`` after a rotation so that earlier recordings can still be played.
    recording_key: SecretStr | None = None
    recording_old_keys: list[SecretStr] = Field(default_factory=list)
    # Where the encrypted files go; several nodes must share it (one volume) to play each other's files.
    recording_dir: Path = DEFAULT_DATA_DIR / "recordings"
    # The longest one recording may run, whatever happens to the call (a forgotten leg cannot run on).
    recording_max_s: int = Field(default=4 * 3600, ge=10, le=24 * 3600)

    # Signalling payload limits.
    max_socket_message_bytes: int = Field(default=256 * 1024, gt=0)

    log_level: str = "INFO"

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, url: str) -> str:
        if not url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("database_url must use sqlite+aiosqlite:// or postgresql+asyncpg://")
        return url

    @field_validator("reminder_offsets_s")
    @classmethod
    def _positive_offsets(cls, offsets: list[int]) -> list[int]:
        if any(offset <= 0 for offset in offsets) or len(offsets) > 5:
            raise ValueError("reminder offsets are up to five positive numbers of seconds")
        return sorted(set(offsets), reverse=True)

    @field_validator("turn_urls", "stun_urls")
    @classmethod
    def _ice_scheme(cls, urls: list[str]) -> list[str]:
        for url in urls:
            if not url.startswith(("stun:", "stuns:", "turn:", "turns:")):
                raise ValueError(f"not an ICE server URL: {url!r}")
        return urls
