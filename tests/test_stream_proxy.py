"""The stream proxy: same chunks for the user, and exactly one end or error for the hooks on every exit path.

Fake streams shaped like ``openai.Stream`` / ``openai.AsyncStream`` pin each path; the real SDK streams, replayed
from recorded SSE, check that the proxy still passes for the SDK's own objects.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import subprocess
import sys
import textwrap
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest
import wrapt
from openai.types.chat import ChatCompletionChunk

from otel_llmcost.instrumentation._stream import traced_stream
from replay import Replay, recorded

MESSAGES: Any = [{"role": "user", "content": "Why was I charged twice this month?"}]
RECORDED_CHUNKS = 71  # chat_gpt_4o_mini_stream.sse: 70 content chunks, then the usage-only chunk


class Boom(Exception):
    """An exception of the user's, or of the SDK's, that must reach the user unchanged."""


class Chunk:
    def __init__(self, n: int) -> None:
        self.n = n

    def __repr__(self) -> str:
        return f"Chunk({self.n})"


class Recorder:
    """Hooks that record the calls they get, in order: ``"chunk"``, ``"end"`` or ``("error", error)``."""

    def __init__(self) -> None:
        self.calls: list[object] = []
        self.chunks: list[object] = []

    def chunk(self, chunk: object) -> None:
        self.calls.append("chunk")
        self.chunks.append(chunk)

    def end(self) -> None:
        self.calls.append("end")

    def error(self, error: BaseException) -> None:
        self.calls.append(("error", error))


class Failing(Recorder):
    """Hooks that record, then raise from every hook."""

    def chunk(self, chunk: object) -> None:
        super().chunk(chunk)
        raise RuntimeError("chunk hook")

    def end(self) -> None:
        super().end()
        raise RuntimeError("end hook")

    def error(self, error: BaseException) -> None:
        super().error(error)
        raise RuntimeError("error hook")


class FakeStream:
    """Shaped like ``openai.Stream``: ``__iter__`` and ``__next__`` share one generator; close; context manager."""

    def __init__(self, chunks: list[Chunk], *, error: BaseException | None = None) -> None:
        self.response = object()
        self.closed = 0
        self._chunks = chunks
        self._error = error
        self._iterator = self._stream()

    def _stream(self) -> Iterator[Chunk]:
        yield from self._chunks
        if self._error is not None:
            raise self._error

    def __iter__(self) -> Iterator[Chunk]:
        yield from self._iterator

    def __next__(self) -> Chunk:
        return next(self._iterator)

    def close(self) -> None:
        self.closed += 1

    def __enter__(self) -> FakeStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class Pending:
    """An awaitable that suspends its coroutine once: a chunk still on its way."""

    def __await__(self) -> Iterator[None]:
        yield


class FakeAsyncStream:
    """Shaped like ``openai.AsyncStream``; ``wait`` makes the next chunk take a while (or forever)."""

    def __init__(self, chunks: list[Chunk], *, error: BaseException | None = None) -> None:
        self.response = object()
        self.closed = 0
        self.wait: Callable[[], Any] | None = None
        self._chunks = chunks
        self._error = error
        self._iterator = self._stream()

    async def _stream(self) -> AsyncIterator[Chunk]:
        for chunk in self._chunks:
            if self.wait is not None:
                await self.wait()
            yield chunk
        if self._error is not None:
            raise self._error

    async def __aiter__(self) -> AsyncIterator[Chunk]:
        async for chunk in self._iterator:
            yield chunk

    async def __anext__(self) -> Chunk:
        return await self._iterator.__anext__()

    async def close(self) -> None:
        self.closed += 1

    async def __aenter__(self) -> FakeAsyncStream:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


def chunks(n: int = 3) -> list[Chunk]:
    return [Chunk(i) for i in range(n)]


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def collected() -> None:
    """Collects what the test dropped; the proxies themselves need no cycle collection, openai's streams do."""
    gc.collect()


# Sync: one test per exit path.


def test_exhausted_stream_ends_once_with_the_same_chunks() -> None:
    items, hooks = chunks(), Recorder()
    stream = traced_stream(FakeStream(items), hooks)

    received = list(stream)

    assert received == items
    assert all(got is sent for got, sent in zip(received, items, strict=True))
    assert hooks.chunks == items
    assert hooks.calls == ["chunk", "chunk", "chunk", "end"]


def test_close_after_exhaustion_and_close_twice_end_once() -> None:
    fake, hooks = FakeStream(chunks(2)), Recorder()
    stream = traced_stream(fake, hooks)
    for _ in stream:
        pass

    stream.close()
    stream.close()

    assert hooks.calls == ["chunk", "chunk", "end"]
    assert fake.closed == 2


def test_break_then_collection_ends() -> None:
    hooks = Recorder()
    stream = traced_stream(FakeStream(chunks()), hooks)
    for _ in stream:
        break
    assert hooks.calls == ["chunk"]

    del stream

    assert hooks.calls == ["chunk", "end"]


def test_loop_over_an_unnamed_stream_ends_when_the_loop_lets_go() -> None:
    hooks = Recorder()

    for chunk in traced_stream(FakeStream(chunks()), hooks):
        assert hooks.calls == ["chunk"]
        assert chunk.n == 0
        break
    collected()

    assert hooks.calls == ["chunk", "end"]


def test_close_ends_and_closes_the_stream() -> None:
    fake, hooks = FakeStream(chunks()), Recorder()
    stream = traced_stream(fake, hooks)
    next(stream)

    stream.close()
    stream.close()

    assert hooks.calls == ["chunk", "end"]
    assert fake.closed == 2


def test_with_exit_ends_and_closes_the_stream() -> None:
    fake, hooks = FakeStream(chunks()), Recorder()

    with traced_stream(fake, hooks) as stream:
        assert next(stream) is fake._chunks[0]

    assert hooks.calls == ["chunk", "end"]
    assert fake.closed == 1


def test_with_exit_on_an_exception_reports_it_and_lets_it_through() -> None:
    fake, hooks, boom = FakeStream(chunks()), Recorder(), Boom("user")

    def leave_with_an_exception() -> None:
        with traced_stream(fake, hooks) as stream:
            next(stream)
            raise boom

    with pytest.raises(Boom) as raised:
        leave_with_an_exception()

    assert raised.value is boom
    assert hooks.calls == ["chunk", ("error", boom)]
    assert fake.closed == 1


def test_sdk_exception_while_iterating_is_reported_then_raised_unchanged() -> None:
    boom, hooks = Boom("sdk"), Recorder()
    stream = traced_stream(FakeStream(chunks(1), error=boom), hooks)

    with pytest.raises(Boom) as raised:
        for _ in stream:
            pass
    stream.close()

    assert raised.value is boom
    assert hooks.calls == ["chunk", ("error", boom)]


def test_keyboard_interrupt_while_iterating_is_an_error() -> None:
    interrupt, hooks = KeyboardInterrupt(), Recorder()
    stream = traced_stream(FakeStream([], error=interrupt), hooks)

    with pytest.raises(KeyboardInterrupt) as raised:
        next(stream)

    assert raised.value is interrupt
    assert hooks.calls == [("error", interrupt)]


def test_exception_in_the_loop_body_ends_when_the_stream_is_collected() -> None:
    # The user's exception leaves the loop without passing through the stream: the proxy cannot see it.
    boom, hooks = Boom("loop body"), Recorder()

    def consume(stream: FakeStream, boom: Boom) -> None:
        for _ in stream:
            raise boom

    stream = traced_stream(FakeStream(chunks()), hooks)
    with pytest.raises(Boom) as raised:
        consume(stream, boom)
    assert raised.value is boom
    assert hooks.calls == ["chunk"]

    del stream, raised, boom  # the exception's traceback holds the loop's frame, and the frame the stream
    collected()

    assert hooks.calls == ["chunk", "end"]


def test_stream_never_iterated_ends_when_collected() -> None:
    hooks = Recorder()
    stream = traced_stream(FakeStream(chunks()), hooks)
    proxy = weakref.ref(stream)

    del stream

    assert proxy() is None  # no reference cycle: freed at once, without the cycle collector
    assert hooks.calls == ["end"]


def test_streams_still_open_at_interpreter_exit_end_quietly() -> None:
    script = textwrap.dedent(
        """
        from otel_llmcost.instrumentation._stream import traced_stream

        class Hooks:
            def chunk(self, chunk): pass
            def end(self): print("end")
            def error(self, error): print("error")

        class Raising(Hooks):
            def end(self): raise RuntimeError("end hook")

        OPEN = traced_stream(iter([1, 2]), Hooks())
        RAISING = traced_stream(iter([1, 2]), Raising())
        next(OPEN)
        """
    )
    source = str(Path(__file__).parents[1] / "src")
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [source, os.environ.get("PYTHONPATH")]))}

    finished = subprocess.run(
        [sys.executable, "-W", "error", "-c", script], capture_output=True, text=True, env=environment, check=False
    )

    assert (finished.returncode, finished.stdout, finished.stderr) == (0, "end\n", "")


def test_stream_never_iterated_ends_when_closed() -> None:
    fake, hooks = FakeStream(chunks()), Recorder()
    stream = traced_stream(fake, hooks)

    stream.close()
    del stream

    assert hooks.calls == ["end"]
    assert fake.closed == 1


def test_hidden_chunks_reach_the_hooks_but_not_the_user() -> None:
    items, hooks = chunks(4), Recorder()
    stream = traced_stream(FakeStream(items), hooks, hide=lambda chunk: chunk in (items[1], items[3]))

    received = list(stream)

    assert received == [items[0], items[2]]
    assert hooks.chunks == items
    assert hooks.calls == ["chunk", "chunk", "chunk", "chunk", "end"]


def test_raising_hooks_never_reach_the_user(caplog: pytest.LogCaptureFixture) -> None:
    items, hooks = chunks(2), Failing()
    caplog.set_level(logging.DEBUG, logger="otel_llmcost")

    def hide(chunk: object) -> bool:
        raise RuntimeError("hide")

    received = list(traced_stream(FakeStream(items), hooks, hide=hide))

    assert received == items
    assert hooks.calls == ["chunk", "chunk", "end"]
    assert [record.getMessage() for record in caplog.records] == [
        "otel-llmcost could not read a stream chunk",
        "otel-llmcost could not tell whether to hide a stream chunk",
        "otel-llmcost could not read a stream chunk",
        "otel-llmcost could not tell whether to hide a stream chunk",
        "otel-llmcost could not end a stream's telemetry",
    ]


def test_raising_error_hook_never_hides_the_users_exception() -> None:
    boom, hooks = Boom("sdk"), Failing()

    with pytest.raises(Boom) as raised:
        list(traced_stream(FakeStream([], error=boom), hooks))

    assert raised.value is boom
    assert hooks.calls == [("error", boom)]


def test_proxy_passes_for_the_stream_and_keeps_its_state_to_itself() -> None:
    fake = FakeStream(chunks())
    stream = traced_stream(fake, Recorder())

    assert isinstance(stream, FakeStream)
    assert stream.response is fake.response
    assert stream._chunks is fake._chunks
    assert not [name for name in vars(fake) if name.startswith("_self_")]


class OtherTracersProxy(wrapt.ObjectProxy):
    """Like some other tracers' stream proxies: both kinds of iteration, whatever the stream is."""

    def __iter__(self) -> Iterator[Any]:
        return iter(self.__wrapped__)

    def __aiter__(self) -> AsyncIterator[Any]:
        return aiter(self.__wrapped__)


def test_stream_behind_another_tracers_proxy_is_iterated_as_the_stream_is() -> None:
    items, hooks = chunks(), Recorder()
    fake = FakeStream(items)

    stream = traced_stream(OtherTracersProxy(fake), hooks)

    assert isinstance(stream, FakeStream)
    assert list(stream) == items
    assert hooks.calls == ["chunk", "chunk", "chunk", "end"]


# Async: the same paths, plus cancellation.


def test_async_exhausted_stream_ends_once_with_the_same_chunks() -> None:
    items, hooks = chunks(), Recorder()
    fake = FakeAsyncStream(items)
    stream = traced_stream(fake, hooks)

    async def main() -> list[Chunk]:
        received = [chunk async for chunk in stream]
        await stream.close()
        await stream.close()
        return received

    received = run(main())

    assert all(got is sent for got, sent in zip(received, items, strict=True))
    assert hooks.calls == ["chunk", "chunk", "chunk", "end"]
    assert fake.closed == 2


def test_async_break_then_collection_ends() -> None:
    hooks = Recorder()

    async def main() -> None:
        stream = traced_stream(FakeAsyncStream(chunks()), hooks)
        async for _ in stream:
            break
        assert hooks.calls == ["chunk"]

    run(main())
    collected()

    assert hooks.calls == ["chunk", "end"]


def test_async_close_ends_and_closes_the_stream() -> None:
    fake, hooks = FakeAsyncStream(chunks()), Recorder()
    stream = traced_stream(fake, hooks)

    async def main() -> None:
        await stream.__anext__()
        await stream.close()
        await stream.close()

    run(main())

    assert hooks.calls == ["chunk", "end"]
    assert fake.closed == 2


def test_async_with_exit_ends_and_closes_the_stream() -> None:
    fake, hooks = FakeAsyncStream(chunks()), Recorder()

    async def main() -> None:
        async with traced_stream(fake, hooks) as stream:
            assert await stream.__anext__() is fake._chunks[0]

    run(main())

    assert hooks.calls == ["chunk", "end"]
    assert fake.closed == 1


def test_async_with_exit_on_an_exception_reports_it_and_lets_it_through() -> None:
    fake, hooks, boom = FakeAsyncStream(chunks()), Recorder(), Boom("user")

    async def main() -> None:
        async with traced_stream(fake, hooks) as stream:
            await stream.__anext__()
            raise boom

    with pytest.raises(Boom) as raised:
        run(main())

    assert raised.value is boom
    assert hooks.calls == ["chunk", ("error", boom)]
    assert fake.closed == 1


def test_async_sdk_exception_while_iterating_is_reported_then_raised_unchanged() -> None:
    boom, hooks = Boom("sdk"), Recorder()
    stream = traced_stream(FakeAsyncStream(chunks(1), error=boom), hooks)

    async def main() -> None:
        async for _ in stream:
            pass

    with pytest.raises(Boom) as raised:
        run(main())
    run(stream.close())

    assert raised.value is boom
    assert hooks.calls == ["chunk", ("error", boom)]


def test_async_exception_in_the_loop_body_ends_when_the_stream_is_collected() -> None:
    boom, hooks = Boom("loop body"), Recorder()

    async def main() -> None:
        async for _ in traced_stream(FakeAsyncStream(chunks()), hooks):
            raise boom

    with pytest.raises(Boom) as raised:
        run(main())
    assert raised.value is boom
    del raised
    collected()

    assert hooks.calls == ["chunk", "end"]


def test_async_cancellation_while_awaiting_a_chunk_is_an_error() -> None:
    hooks = Recorder()
    fake = FakeAsyncStream(chunks())
    stream = traced_stream(fake, hooks)

    async def main() -> None:
        received: list[Chunk] = []

        async def consume() -> None:
            async for chunk in stream:
                received.append(chunk)
                fake.wait = asyncio.Event().wait  # the next chunk never comes

        task = asyncio.create_task(consume())
        while not received:
            await asyncio.sleep(0)
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(main())

    assert hooks.calls[0] == "chunk"
    assert len(hooks.calls) == 2
    error = hooks.calls[1]
    assert isinstance(error, tuple)
    assert error[0] == "error"
    assert isinstance(error[1], asyncio.CancelledError)


def test_async_generator_exit_while_awaiting_a_chunk_is_an_error() -> None:
    # What a coroutine's close() throws into the await it is suspended in.
    hooks = Recorder()
    fake = FakeAsyncStream(chunks())
    fake.wait = Pending
    stream = traced_stream(fake, hooks)

    async def consume() -> None:
        async for _ in stream:
            pass

    coroutine = consume()
    coroutine.send(None)
    coroutine.close()

    assert len(hooks.calls) == 1
    error = hooks.calls[0]
    assert isinstance(error, tuple)
    assert error[0] == "error"
    assert isinstance(error[1], GeneratorExit)


def test_async_stream_never_iterated_ends_when_collected_or_closed() -> None:
    collected_hooks, closed_hooks = Recorder(), Recorder()
    stream = traced_stream(FakeAsyncStream(chunks()), collected_hooks)
    del stream
    closed = traced_stream(FakeAsyncStream(chunks()), closed_hooks)

    run(closed.close())

    assert collected_hooks.calls == ["end"]
    assert closed_hooks.calls == ["end"]


def test_async_hidden_chunks_reach_the_hooks_but_not_the_user() -> None:
    items, hooks = chunks(3), Recorder()
    stream = traced_stream(FakeAsyncStream(items), hooks, hide=lambda chunk: chunk is items[2])

    async def main() -> list[Chunk]:
        return [chunk async for chunk in stream]

    assert run(main()) == items[:2]
    assert hooks.chunks == items
    assert hooks.calls == ["chunk", "chunk", "chunk", "end"]


def test_async_raising_hooks_never_reach_the_user() -> None:
    items, hooks = chunks(2), Failing()

    def hide(chunk: object) -> bool:
        raise RuntimeError("hide")

    stream = traced_stream(FakeAsyncStream(items), hooks, hide=hide)

    async def main() -> list[Chunk]:
        return [chunk async for chunk in stream]

    assert run(main()) == items
    assert hooks.calls == ["chunk", "chunk", "end"]


def test_async_proxy_has_the_close_method_its_stream_spells() -> None:
    async def generator() -> AsyncIterator[Chunk]:
        yield Chunk(0)

    hooks = Recorder()
    sdk_stream = traced_stream(FakeAsyncStream(chunks()), Recorder())
    plain = traced_stream(generator(), hooks)

    assert hasattr(sdk_stream, "close")
    assert not hasattr(sdk_stream, "aclose")
    assert hasattr(plain, "aclose")
    assert not hasattr(plain, "close")
    run(plain.aclose())
    assert hooks.calls == ["end"]


# The real openai streams, replayed from recorded SSE.


class TracedStream:
    """A sync client whose ``create(stream=True)`` results the test wraps itself."""

    def __init__(self, *names: str) -> None:
        self.replay = Replay(*(recorded("openai", name) for name in names))
        self.client = openai.OpenAI(
            api_key="test-no-key",
            http_client=httpx2.Client(transport=httpx2.MockTransport(self.replay)),
            max_retries=0,
        )

    def create(self) -> openai.Stream[ChatCompletionChunk]:
        return self.client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)


def async_create(name: str) -> Callable[[], Any]:
    client = openai.AsyncOpenAI(
        api_key="test-no-key",
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(Replay(recorded("openai", name)))),
        max_retries=0,
    )

    async def create() -> openai.AsyncStream[ChatCompletionChunk]:
        return await client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)

    return create


def test_openai_stream_read_to_the_end() -> None:
    raw, hooks = TracedStream("chat_gpt_4o_mini_stream").create(), Recorder()
    stream = traced_stream(raw, hooks)

    assert isinstance(stream, openai.Stream)
    assert stream.response is raw.response
    received = list(stream)

    assert len(received) == RECORDED_CHUNKS
    assert all(got is seen for got, seen in zip(received, hooks.chunks, strict=True))
    assert hooks.calls == ["chunk"] * RECORDED_CHUNKS + ["end"]
    assert received[-1].usage is not None
    assert received[-1].usage.prompt_tokens == 1000
    assert stream.response.is_closed


def test_openai_stream_hides_the_usage_chunk() -> None:
    hooks = Recorder()
    stream = traced_stream(
        TracedStream("chat_gpt_4o_mini_stream").create(), hooks, hide=lambda chunk: not getattr(chunk, "choices", 1)
    )

    received = list(stream)

    assert len(received) == RECORDED_CHUNKS - 1
    assert all(chunk.choices for chunk in received)
    assert hooks.calls == ["chunk"] * RECORDED_CHUNKS + ["end"]


def test_openai_stream_break_then_collection_ends() -> None:
    hooks = Recorder()
    stream = traced_stream(TracedStream("chat_gpt_4o_mini_stream").create(), hooks)
    for _ in stream:
        break

    del stream
    collected()

    assert hooks.calls == ["chunk", "end"]


def test_openai_stream_close_and_with_exit_close_the_response() -> None:
    closed_hooks, exited_hooks = Recorder(), Recorder()
    client = TracedStream("chat_gpt_4o_mini_stream", "chat_gpt_4o_mini_stream")
    closed = traced_stream(client.create(), closed_hooks)
    next(closed)

    closed.close()
    closed.close()
    with traced_stream(client.create(), exited_hooks) as exited:
        next(exited)

    assert closed.response.is_closed
    assert exited.response.is_closed
    assert closed_hooks.calls == ["chunk", "end"]
    assert exited_hooks.calls == ["chunk", "end"]


def test_openai_stream_error_event_is_reported_then_raised_unchanged() -> None:
    hooks = Recorder()
    stream = traced_stream(TracedStream("proxy_chat_stream_server_error").create(), hooks)

    with pytest.raises(openai.APIError) as raised:
        for _ in stream:
            pass

    assert raised.value.message == "The server had an error while processing your request. Sorry about that!"
    assert hooks.calls == ["chunk", "chunk", "chunk", ("error", raised.value)]


def test_openai_async_stream_read_to_the_end_and_closed() -> None:
    hooks = Recorder()
    create = async_create("chat_gpt_4o_mini_stream")

    async def main() -> list[ChatCompletionChunk]:
        stream = traced_stream(await create(), hooks)
        assert isinstance(stream, openai.AsyncStream)
        received = [chunk async for chunk in stream]
        await stream.close()
        return received

    received = run(main())

    assert len(received) == RECORDED_CHUNKS
    assert all(got is seen for got, seen in zip(received, hooks.chunks, strict=True))
    assert hooks.calls == ["chunk"] * RECORDED_CHUNKS + ["end"]


def test_openai_async_stream_with_exit_on_an_exception() -> None:
    hooks, boom = Recorder(), Boom("user")
    create = async_create("chat_gpt_4o_mini_stream")

    async def main() -> None:
        async with traced_stream(await create(), hooks) as stream:
            await stream.__anext__()
            raise boom

    with pytest.raises(Boom) as raised:
        run(main())

    assert raised.value is boom
    assert hooks.calls == ["chunk", ("error", boom)]


def test_openai_async_stream_error_event_is_reported_then_raised_unchanged() -> None:
    hooks = Recorder()
    create = async_create("proxy_chat_stream_server_error")

    async def main() -> None:
        async for _ in traced_stream(await create(), hooks):
            pass

    with pytest.raises(openai.APIError) as raised:
        run(main())

    assert hooks.calls == ["chunk", "chunk", "chunk", ("error", raised.value)]
