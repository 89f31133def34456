"""Admission from measured load, the CPU meter, slots of unused sessions, and the 503 a full
node answers."""

from __future__ import annotations

import asyncio
import os

import httpx
import pytest

from firstword.capacity.admission import Admission, DecoderLoad, NodeFull
from firstword.capacity.load import CpuMeter, NodeLoad
from firstword.config import CapacityConfig, Settings
from firstword.testing import ManualClock
from tests.test_hardening import serving


class FakeCpu:
    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self) -> float:
        return self.seconds


def admission(config: CapacityConfig, *, active: int = 0, busy: float = 0.0,
              cpu: CpuMeter | None = None) -> Admission:
    return Admission(config, node_id="n1", base_url="http://n1:8765", sessions=lambda: (active + 2, active),
                     decoder=lambda: DecoderLoad(busy, 1), cpu=cpu)


def test_cpu_meter_reports_cpu_seconds_per_wall_second_over_its_window() -> None:
    wall, cpu = ManualClock(), FakeCpu()
    meter = CpuMeter(window_s=10.0, wall=wall, cpu=cpu)
    assert meter.percent == 0.0
    for _ in range(10):  # ten seconds at one and a half cores
        wall.advance_ms(1000)
        cpu.seconds += 1.5
        meter.sample()
    assert meter.percent == pytest.approx(150.0)
    for _ in range(20):  # then idle: the busy seconds leave the window
        wall.advance_ms(1000)
        meter.sample()
    assert meter.percent == pytest.approx(0.0)


def test_admits_below_capacity_and_says_why_it_refuses_at_it() -> None:
    config = CapacityConfig(max_active_sessions=4)
    assert admission(config, active=3).snapshot().accepting
    admission(config, active=3).check()
    full = admission(config, active=4)
    load = full.snapshot()
    assert not load.accepting and load.headroom == 0
    assert "4 live sessions" in load.reason
    with pytest.raises(NodeFull) as refused:
        full.check()
    assert refused.value.retry_after_s == config.retry_after_s


def test_capacity_follows_the_cores_unless_set() -> None:
    assert admission(CapacityConfig(max_active_sessions=3)).capacity == 3
    per_core = admission(CapacityConfig(sessions_per_core=1.5))
    assert per_core.capacity == max(1, int(1.5 * (os.cpu_count() or 1)))


def test_a_saturated_decoder_or_pegged_cpu_refuses_below_the_count() -> None:
    config = CapacityConfig(max_active_sessions=10, max_decode_busy=0.85)
    busy = admission(config, active=1, busy=0.9).snapshot()
    assert not busy.accepting and "speech decoder was busy 90%" in busy.reason
    wall, cpu = ManualClock(), FakeCpu()
    meter = CpuMeter(window_s=10.0, wall=wall, cpu=cpu)
    wall.advance_ms(1000)
    cpu.seconds += config.max_cpu_percent / 100.0 + 0.01
    meter.sample()
    pegged = admission(config, active=1, cpu=meter).snapshot()
    assert not pegged.accepting and "CPU" in pegged.reason


def test_cpu_taken_by_answers_written_ahead_is_not_load() -> None:
    """Background work (prefetch) gives way to live work at once: a node whose CPU is pegged only
    because idle sessions are writing answers ahead still admits; live load still refuses."""
    config = CapacityConfig(max_active_sessions=10)
    wall, cpu, background = ManualClock(), FakeCpu(), FakeCpu()
    meter = CpuMeter(window_s=10.0, wall=wall, cpu=cpu, background=background)
    node = Admission(config, node_id="n1", base_url="http://n1:8765", sessions=lambda: (3, 1),
                     decoder=lambda: DecoderLoad(0.0, 0), cpu=meter, background_cores=2)
    for _ in range(5):  # five seconds of both cores, all of it a background generation
        wall.advance_ms(1000)
        cpu.seconds += 2.0
        background.seconds += 1.0
        meter.sample()
    assert meter.percent == pytest.approx(200.0) and meter.background_share == pytest.approx(1.0)
    load = node.snapshot()
    assert load.accepting and node.foreground_cpu_percent == pytest.approx(0.0)
    for _ in range(10):  # then ten seconds of live work on both cores
        wall.advance_ms(1000)
        cpu.seconds += 2.0
        meter.sample()
    assert not node.snapshot().accepting and "CPU" in node.snapshot().reason


def test_node_load_round_trips_through_json() -> None:
    load = admission(CapacityConfig(max_active_sessions=4), active=1).snapshot()
    again = NodeLoad.from_json(load.to_json())
    assert again == load and again.headroom == 3


async def test_unused_sessions_free_their_slots_and_a_full_node_answers_503() -> None:
    """Capacity 2: two sessions fill it, the third is refused with 503 and Retry-After; once the
    first two have gone unused past capacity.active_window_s they stop counting."""
    settings = Settings()
    settings.capacity.max_active_sessions = 2
    settings.capacity.active_window_s = 0.3
    async with serving(settings) as srv, httpx.AsyncClient(base_url=srv.url) as http:
        for _ in range(2):
            assert (await http.post("/sessions", json={})).status_code == 201
        refused = await http.post("/sessions", json={})
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == str(settings.capacity.retry_after_s)
        body = refused.json()
        assert "full" in body["error"]["message"] and body["error"]["code"] == "unavailable"
        health = (await http.get("/healthz")).json()
        assert health["load"]["active_sessions"] == 2 and health["load"]["accepting"] is False
        assert health["decoder"]["queued"] == 0
        await asyncio.sleep(0.4)
        assert (await http.post("/sessions", json={})).status_code == 201
        assert (await http.get("/healthz")).json()["sessions"] == 3


def test_capacity_shrinks_to_what_the_decoders_measured_cost_per_session_allows() -> None:
    config = CapacityConfig(max_active_sessions=6, max_decode_busy=0.85, learn_weight=0.5)
    state = {"active": 2, "busy": 0.0}
    node = Admission(config, node_id="n1", base_url="http://n1", sessions=lambda: (state["active"], state["active"]),
                     decoder=lambda: DecoderLoad(state["busy"], 0))
    node.sample()
    assert node.decode_share is None and node.capacity == 6  # idle: nothing learned
    state["busy"] = 0.8  # two speakers keep the decoder 80 % busy: 0.4 each
    node.sample()
    assert node.decode_share == pytest.approx(0.4)
    assert node.capacity == 2  # 0.85 / 0.4
    state["busy"] = 0.4  # they got cheaper (0.2 each): half-way there with weight 0.5
    node.sample()
    assert node.decode_share == pytest.approx(0.3)
    assert node.capacity == 2
    node.sample()
    assert node.capacity == 3  # 0.85 / 0.25
    state["active"] = 3
    assert not node.snapshot().accepting and "capacity: 3" in node.snapshot().reason
