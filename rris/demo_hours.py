"""Working hours for the demo interpreters, so that demo bookings find someone (all fictional)."""

from __future__ import annotations

from datetime import time

from core.accounts import AccountService, Role
from core.demo import DEMO_ACCOUNTS
from scheduler.availability import Availability, Weekday, WeeklySlot
from scheduler.availability_store import AvailabilityStore

DEMO_ZONE = "Europe/Belgrade"
WEEKDAYS_8_TO_20 = tuple(WeeklySlot(Weekday(day), time(8), time(20)) for day in range(5))


async def load_demo_hours(accounts: AccountService, availability: AvailabilityStore) -> None:
    """Monday to Friday, 08:00-20:00 Belgrade time, for every demo interpreter."""
    for account in DEMO_ACCOUNTS:
        if account.role is not Role.INTERPRETER:
            continue
        user_id = await accounts.find_user(account.username)
        if user_id is not None:
            await availability.put(user_id, Availability(DEMO_ZONE, WEEKDAYS_8_TO_20))
