"""The ingester's writer thread with a fake pipeline: retried while the database is away, a refused batch split
until the message at fault is dead-lettered, every message acknowledged once written — none left hanging."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.exc import DataError, OperationalError

from sandbox.config import Settings
from sandbox.telemetry.ingest import consumer as consumer_module
from sandbox.telemetry.ingest.consumer import Consumer, _Delivery
from sandbox.telemetry.ingest.messages import Received


class FakePipeline:
    """Fails as told (``failures``: per topic, the exceptions to raise, one per call), records what it stored."""

    engine = None  # the rollup keeper's, never started here

    def __init__(self, failures: dict[str, list[Exception]]) -> None:
        self.failures = failures
        self.stored: list[str] = []
        self.refused: list[tuple[str, str, str]] = []
        self.calls = 0

    def process(self, messages: list[Received]) -> None:
        self.calls += 1
        for message in messages:
            if self.failures.get(message.topic):
                raise self.failures[message.topic].pop(0)
        self.stored.extend(message.topic for message in messages)

    def refuse(self, message: Received, reason: str, detail: str) -> None:
        self.refused.append((message.topic, reason, detail))


class FakeClient:
    def __init__(self) -> None:
        self.acked: list[int] = []

    def ack_many(self, mids: Iterable[int]) -> None:
        self.acked.extend(mids)


def writer(tmp_path: Path, failures: dict[str, list[Exception]]) -> tuple[Consumer, FakePipeline, FakeClient]:
    pipeline = FakePipeline(failures)
    consumer = Consumer(Settings(data_dir=tmp_path, database_url="sqlite://"), pipeline)  # type: ignore[arg-type]
    consumer.client = FakeClient()  # type: ignore[assignment]
    return consumer, pipeline, consumer.client  # type: ignore[return-value]


def deliveries(*topics: str) -> list[_Delivery]:
    now = datetime(2026, 11, 24, tzinfo=UTC)
    return [_Delivery(Received(topic, b"{}", now, mid=mid), connection=0, arrived=0.0)
            for mid, topic in enumerate(topics, start=1)]


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(consumer_module, "RETRY_BACKOFF_S", (0.0,))


def away() -> OperationalError:
    return OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))


def test_a_batch_is_retried_while_the_database_is_away_then_acknowledged(tmp_path: Path) -> None:
    consumer, pipeline, client = writer(tmp_path, {"a": [away(), away(), away()]})
    consumer._write(deliveries("a", "b"))
    assert pipeline.calls == 4 and pipeline.stored == ["a", "b"]
    assert client.acked == [1, 2]


@pytest.mark.logs_errors
def test_a_fault_of_ours_in_one_message_dead_letters_that_message_and_keeps_the_rest(tmp_path: Path) -> None:
    """A bug (here a KeyError) used to leave the whole batch unacknowledged until the next reconnect."""
    consumer, pipeline, client = writer(tmp_path, {"b": [KeyError("battery_pct"), KeyError("battery_pct")]})
    consumer._write(deliveries("a", "b", "c"))
    assert pipeline.stored == ["a", "c"]
    assert pipeline.refused == [("b", "unstorable", "KeyError: 'battery_pct'")]
    assert client.acked == [1, 2, 3]


@pytest.mark.logs_errors
def test_a_value_the_database_refuses_is_dead_lettered_with_its_words(tmp_path: Path) -> None:
    refused = DataError("INSERT", {}, Exception("value out of range for type smallint\nDETAIL: …"))
    consumer, pipeline, client = writer(tmp_path, {"b": [refused, refused]})
    consumer._write(deliveries("a", "b"))
    assert pipeline.refused == [("b", "unstorable", "value out of range for type smallint")]
    assert pipeline.stored == ["a"] and client.acked == [1, 2]


@pytest.mark.logs_errors
def test_the_database_going_away_while_writing_one_by_one_is_waited_out(tmp_path: Path) -> None:
    refused = DataError("INSERT", {}, Exception("invalid input"))
    consumer, pipeline, client = writer(tmp_path, {"a": [refused, away(), away()]})
    consumer._write(deliveries("a"))
    assert pipeline.stored == ["a"] and pipeline.refused == [] and client.acked == [1]


def test_stopping_while_the_database_is_away_acknowledges_nothing(tmp_path: Path) -> None:
    consumer, pipeline, client = writer(tmp_path, {"a": [away()] * 100})
    consumer._stop.set()
    consumer._write(deliveries("a"))
    assert pipeline.stored == [] and client.acked == []
