"""The StateStore contract, held by the in-process store and by Redis alike."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from redis.asyncio import Redis

from core.state_store import Document, Entry, MemoryStateStore, RedisStateStore, StateStore
from signaling.live import update
from tests.support.external import require_redis, unique_prefix

CONCURRENT_WRITERS = 50


@asynccontextmanager
async def _redis_store() -> AsyncIterator[RedisStateStore]:
    """A Redis store under a prefix of its own; every key it wrote is deleted afterwards."""
    url = await require_redis()
    prefix = f"{unique_prefix()}:"
    store = RedisStateStore(url, prefix)
    try:
        yield store
    finally:
        await store.close()
        cleaner = Redis.from_url(url)
        try:
            keys = [key async for key in cleaner.scan_iter(match=f"{prefix}*")]
            if keys:
                await cleaner.delete(*keys)
        finally:
            await cleaner.aclose()


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[StateStore]:
    if request.param == "memory":
        yield MemoryStateStore()
        return
    async with _redis_store() as redis_store:
        yield redis_store


async def test_ping_answers(store: StateStore) -> None:
    await store.ping()


async def test_get_of_a_missing_key_is_none(store: StateStore) -> None:
    assert await store.get("doc:absent") is None


async def test_create_stores_the_document_and_get_reads_it_back_with_the_same_token(
    store: StateStore,
) -> None:
    value: Document = {"state": "ringing", "n": 1, "tried": ["u1"], "nested": {"a": None}}
    created = await store.create("doc:1", value)
    assert created is not None
    assert created.value == value
    read = await store.get("doc:1")
    assert read == Entry(value, created.token)


async def test_create_refuses_an_existing_key_and_keeps_the_first_value(store: StateStore) -> None:
    first = await store.create("doc:1", {"owner": "first"})
    assert first is not None
    assert await store.create("doc:1", {"owner": "second"}) is None
    assert await store.get("doc:1") == first


async def test_replace_with_the_current_entry_writes_and_returns_the_new_token(store: StateStore) -> None:
    first = await store.create("doc:1", {"n": 0})
    assert first is not None
    second = await store.replace("doc:1", first, {"n": 1})
    assert second is not None
    assert second.value == {"n": 1}
    assert second.token != first.token
    assert await store.get("doc:1") == second
    third = await store.replace("doc:1", second, {"n": 2})
    assert third is not None
    assert await store.get("doc:1") == third


async def test_replace_with_a_stale_entry_fails_and_leaves_the_value_untouched(store: StateStore) -> None:
    stale = await store.create("doc:1", {"n": 0})
    assert stale is not None
    current = await store.replace("doc:1", stale, {"n": 1})
    assert current is not None
    assert await store.replace("doc:1", stale, {"n": 99}) is None
    assert await store.get("doc:1") == current


async def test_replace_of_a_deleted_key_fails_and_does_not_resurrect_it(store: StateStore) -> None:
    entry = await store.create("doc:1", {"n": 0})
    assert entry is not None
    assert await store.delete("doc:1")
    assert await store.replace("doc:1", entry, {"n": 1}) is None
    assert await store.get("doc:1") is None


async def test_delete_with_a_stale_entry_refuses_and_keeps_the_document(store: StateStore) -> None:
    stale = await store.create("doc:1", {"n": 0})
    assert stale is not None
    current = await store.replace("doc:1", stale, {"n": 1})
    assert current is not None
    assert await store.delete("doc:1", stale) is False
    assert await store.get("doc:1") == current
    assert await store.delete("doc:1", current) is True
    assert await store.get("doc:1") is None


async def test_delete_without_expectation_removes_and_reports_whether_anything_was_there(
    store: StateStore,
) -> None:
    assert await store.create("doc:1", {"n": 0}) is not None
    assert await store.delete("doc:1") is True
    assert await store.get("doc:1") is None
    assert await store.delete("doc:1") is False
    # The key is free again.
    assert await store.create("doc:1", {"n": 5}) is not None


async def test_get_many_keeps_the_order_and_answers_none_for_missing_keys(store: StateStore) -> None:
    a = await store.create("doc:a", {"name": "a"})
    c = await store.create("doc:c", {"name": "c"})
    assert await store.get_many(["doc:c", "doc:b", "doc:a", "doc:c"]) == [c, None, a, c]
    assert await store.get_many([]) == []


async def test_sets_add_remove_and_list_members(store: StateStore) -> None:
    assert await store.set_members("set:online") == set()
    await store.set_add("set:online", "u1")
    await store.set_add("set:online", "u2")
    await store.set_add("set:online", "u1")
    assert await store.set_members("set:online") == {"u1", "u2"}
    await store.set_remove("set:online", "u1")
    await store.set_remove("set:online", "never-there")
    await store.set_remove("set:elsewhere", "u2")
    assert await store.set_members("set:online") == {"u2"}
    assert await store.set_members("set:elsewhere") == set()


async def test_set_members_is_a_snapshot_not_a_live_view(store: StateStore) -> None:
    await store.set_add("set:online", "u1")
    members = await store.set_members("set:online")
    members.add("intruder")
    assert await store.set_members("set:online") == {"u1"}


async def test_sets_and_documents_do_not_collide(store: StateStore) -> None:
    doc = await store.create("doc:1", {"n": 0})
    await store.set_add("set:1", "u1")
    assert await store.get("doc:1") == doc
    assert await store.set_members("set:1") == {"u1"}


class Interleaving:
    """A store that yields to the event loop before every operation, so concurrent callers interleave.

    The memory store never awaits inside an operation, so without this its "concurrent" writers would
    simply take turns; with it they race exactly as writers on Redis (or on two nodes) do.
    """

    def __init__(self, inner: StateStore) -> None:
        self.inner = inner
        self.replacements = 0  # compare-and-set attempts, won or lost

    async def get(self, key: str) -> Entry | None:
        await asyncio.sleep(0)
        return await self.inner.get(key)

    async def get_many(self, keys: list[str]) -> list[Entry | None]:
        await asyncio.sleep(0)
        return await self.inner.get_many(keys)

    async def create(self, key: str, value: Document) -> Entry | None:
        await asyncio.sleep(0)
        return await self.inner.create(key, value)

    async def replace(self, key: str, expected: Entry, value: Document) -> Entry | None:
        self.replacements += 1
        await asyncio.sleep(0)
        return await self.inner.replace(key, expected, value)

    async def delete(self, key: str, expected: Entry | None = None) -> bool:
        await asyncio.sleep(0)
        return await self.inner.delete(key, expected)

    async def set_add(self, key: str, member: str) -> None:
        await asyncio.sleep(0)
        await self.inner.set_add(key, member)

    async def set_remove(self, key: str, member: str) -> None:
        await asyncio.sleep(0)
        await self.inner.set_remove(key, member)

    async def set_members(self, key: str) -> set[str]:
        await asyncio.sleep(0)
        return await self.inner.set_members(key)

    async def ping(self) -> None:
        await self.inner.ping()

    async def close(self) -> None:
        await self.inner.close()


async def test_fifty_concurrent_compare_and_set_increments_all_land_exactly_once(store: StateStore) -> None:
    racing = Interleaving(store)
    assert await racing.create("counter", {"n": 0}) is not None

    def increment(doc: Document) -> Document:
        return doc | {"n": doc["n"] + 1}

    results = await asyncio.gather(
        *(update(racing, "counter", increment) for _ in range(CONCURRENT_WRITERS)), return_exceptions=True
    )

    assert [r for r in results if isinstance(r, BaseException)] == []
    # Each writer read a distinct value: none was lost, none applied twice.
    old_values = sorted(r[0]["n"] for r in results if not isinstance(r, BaseException))
    assert old_values == list(range(CONCURRENT_WRITERS))
    final = await store.get("counter")
    assert final is not None
    assert final.value == {"n": CONCURRENT_WRITERS}
    # The writers really raced: stale compare-and-sets were refused and retried.
    assert racing.replacements > CONCURRENT_WRITERS


@pytest.mark.redis
async def test_redis_stores_with_different_prefixes_never_see_each_others_keys() -> None:
    async with _redis_store() as one, _redis_store() as other:
        assert await one.create("doc:1", {"owner": "one"}) is not None
        assert await other.get("doc:1") is None
        assert await other.create("doc:1", {"owner": "other"}) is not None
        await one.set_add("set:1", "u-one")
        assert await other.set_members("set:1") == set()
        assert await other.delete("doc:1")
        one_doc = await one.get("doc:1")
        assert one_doc is not None
        assert one_doc.value == {"owner": "one"}
