"""An AI camera watching an intersection in Ninh Kiều: traffic by time of day, detections, health, outages.

Road users arrive as a Poisson process whose rate follows the day (`HOURLY_PROFILE`: a morning and an
evening peak, quiet nights) and whose mix is Vietnamese city traffic, motorbikes far ahead of
everything else (`TRAFFIC_MIX`). Each one is detected or missed (recall per class, lower at night),
with a confidence score, a box in the frame, the zone it crossed and a track id; some break a rule
(red light, wrong way, no helmet), fewer once the camera's alerts are on (``alert_effect``), which is
what a trial of the camera sets out to show. The detector also sees things that are not there
(false positives, at a rate per hour, with lower scores). Every ``status_every_s`` the camera
reports its frame rate, inference latency and temperature, each with noise; now and then it goes
dark for a while (an outage: its last will says so, no detections, and a status when it is back).

For evaluation the simulator keeps the **ground truth** of labelled clips — a few minutes an hour,
as an evaluator would label video — with every real road user in them and whether the camera
caught it, so precision and recall can be computed from what was reported. A control site is the
same simulator with the alerts off. Everything is drawn from one seeded generator: same seed, same
day.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from sandbox.telemetry.contract import CameraDetection, CameraStatus, DeviceStatus
from sims.places import LOCAL_OFFSET

__all__ = ["HOURLY_PROFILE", "TRAFFIC_MIX", "CameraSim", "CameraSpec", "Clip", "Outage", "TruthObject"]


# Share of road users by class at a Cần Thơ city intersection: motorbikes dominate.
TRAFFIC_MIX: dict[str, float] = {
    "motorbike": 0.80, "car": 0.08, "bicycle": 0.03, "person": 0.05, "truck": 0.02, "bus": 0.02,
}
# Relative arrival rate by local hour (0–23): school and work runs at 6–8, the evening peak at 16–18.
HOURLY_PROFILE: tuple[float, ...] = (
    0.10, 0.06, 0.05, 0.05, 0.12, 0.45, 0.95, 1.00, 0.80, 0.60, 0.55, 0.60,
    0.65, 0.55, 0.55, 0.65, 0.90, 1.00, 0.85, 0.65, 0.50, 0.38, 0.25, 0.15,
)
# Recall of the detector by class in daylight; at night (18:00–06:00) it is multiplied by ``night_recall``.
RECALL: dict[str, float] = {"motorbike": 0.93, "car": 0.97, "bicycle": 0.85, "person": 0.88, "truck": 0.97,
                            "bus": 0.98}
# How often each class breaks which rule, before any alert.
VIOLATIONS: dict[str, tuple[tuple[str, float], ...]] = {
    "motorbike": (("no_helmet", 0.04), ("red_light", 0.03), ("wrong_way", 0.01)),
    "car": (("red_light", 0.015),),
    "truck": (("red_light", 0.01),),
    "bicycle": (("wrong_way", 0.02),),
}
ZONES = ("approach_north", "approach_south", "approach_east", "approach_west", "crosswalk")
# Typical box size (width, height as fractions of the frame) by class.
BOX_SIZE: dict[str, tuple[float, float]] = {"motorbike": (0.05, 0.10), "car": (0.12, 0.10), "bicycle": (0.04, 0.09),
                                           "person": (0.03, 0.10), "truck": (0.18, 0.16), "bus": (0.22, 0.18)}


@dataclass(frozen=True)
class CameraSpec:
    """An edge AI camera on a pole at a city intersection (defaults: a busy one in Ninh Kiều)."""

    peak_per_hour: float = 1_800.0  # road users an hour at the busiest hour
    fps: float = 25.0
    fps_sigma: float = 0.6
    latency_median_ms: float = 45.0
    latency_spread: float = 0.25  # log-normal sigma of the inference latency
    night_recall: float = 0.92
    false_positives_per_hour: float = 3.0
    alert_effect: float = 0.0  # relative fall in violations while alerts run (0 at a control site)
    alerts_from: datetime | None = None  # alerts start here (None: never; a pre-period before it)
    outages_per_day: float = 0.3
    outage_mean_s: float = 20 * 60
    status_every_s: float = 30.0
    clip_s: float = 5 * 60  # ground truth: the first minutes of every labelled hour
    clip_every_h: int = 1
    privacy_masking: bool = True


@dataclass(frozen=True)
class TruthObject:
    """A road user an evaluator labelled in a clip, and the track the camera gave it (None: missed)."""

    t: datetime
    label: str
    violation: str | None
    track_id: str | None


@dataclass
class Clip:
    start: datetime
    end: datetime
    objects: list[TruthObject] = field(default_factory=list)


@dataclass(frozen=True)
class Outage:
    start: datetime
    end: datetime


# What happens at an instant of `watch`, in the order it is handled when several share one.
_OUTAGE, _CROSSING, _STATUS = 0, 1, 2


def local_hour(moment: datetime) -> int:
    return (moment.astimezone(UTC) + LOCAL_OFFSET).hour


class CameraSim:
    """One camera; `watch` yields its statuses, detections and outage notices over a stretch of time, in order."""

    def __init__(self, *, seed: int, spec: CameraSpec | None = None) -> None:
        self.spec = spec or CameraSpec()
        self.rng = np.random.default_rng(seed)
        self.clips: list[Clip] = []
        self.outages: list[Outage] = []
        self.arrivals_by_hour = [0] * 24  # real road users by local hour, detected or not
        self.arrivals_by_label: dict[str, int] = dict.fromkeys(TRAFFIC_MIX, 0)
        self.violations: list[tuple[datetime, str]] = []  # real violations, seen or not
        self._seq = {"status": 0, "detection": 0, "link": 0}
        self._tracks = 0
        self._down: Outage | None = None  # an outage still running when the last stretch ended

    def _next(self, what: str) -> int:
        self._seq[what] += 1
        return self._seq[what] - 1

    # ------------------------------------------------------------ the world

    def _arrivals(self, start: datetime, end: datetime) -> list[tuple[datetime, str]]:
        """Road users crossing between ``start`` and ``end``: Poisson, piecewise constant by local hour."""
        found: list[tuple[datetime, str]] = []
        labels, shares = list(TRAFFIC_MIX), np.array(list(TRAFFIC_MIX.values()))
        moment = start
        while moment < end:
            hour_end = min(end, moment.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1))
            seconds = (hour_end - moment).total_seconds()
            rate = self.spec.peak_per_hour * HOURLY_PROFILE[local_hour(moment)] / 3600.0
            count = int(self.rng.poisson(rate * seconds))
            offsets = np.sort(self.rng.uniform(0.0, seconds, count))
            kinds = self.rng.choice(len(labels), size=count, p=shares / shares.sum())
            found.extend((moment + timedelta(seconds=float(o)), labels[k]) for o, k in zip(offsets, kinds, strict=True))
            moment = hour_end
        return found

    def _violation(self, label: str, moment: datetime) -> str | None:
        spec = self.spec
        alerting = spec.alerts_from is not None and moment >= spec.alerts_from
        factor = 1.0 - spec.alert_effect if alerting else 1.0
        draw = self.rng.random()
        for kind, rate in VIOLATIONS.get(label, ()):
            if draw < rate * factor:
                return kind
            draw -= rate * factor
        return None

    def _box(self, label: str) -> list[float]:
        width, height = (size * float(self.rng.uniform(0.7, 1.4)) for size in BOX_SIZE.get(label, (0.05, 0.08)))
        x1, y1 = float(self.rng.uniform(0.0, 1.0 - width)), float(self.rng.uniform(0.2, 1.0 - height))
        return [round(x1, 4), round(y1, 4), round(x1 + width, 4), round(y1 + height, 4)]

    def _detection(self, moment: datetime, label: str, score: float, violation: str | None,
                   track: str) -> CameraDetection:
        zone = "crosswalk" if label == "person" else ZONES[int(self.rng.integers(0, 4))]
        return CameraDetection(seq=self._next("detection"), t=moment, label=label, score=round(score, 3),
                               box=self._box(label), zone=zone, track_id=track, violation=violation)

    def _status(self, moment: datetime) -> CameraStatus:
        spec = self.spec
        hour = local_hour(moment) + moment.minute / 60.0
        heat = 38.0 + 8.0 * math.sin((hour - 9.0) / 24.0 * 2 * math.pi)  # hottest mid-afternoon
        return CameraStatus(
            seq=self._next("status"), t=moment, online=True,
            fps=round(float(np.clip(self.rng.normal(spec.fps, spec.fps_sigma), 0.0, spec.fps * 1.2)), 2),
            inference_latency_ms=round(float(spec.latency_median_ms * math.exp(self.rng.normal(0, spec.latency_spread))), 1),
            temperature_c=round(heat + float(self.rng.normal(0.0, 0.8)), 1), privacy_masking=spec.privacy_masking,
        )

    def _plan_outages(self, start: datetime, end: datetime) -> list[Outage]:
        days = (end - start).total_seconds() / 86_400
        count = int(self.rng.poisson(self.spec.outages_per_day * days))
        found = []
        for offset in np.sort(self.rng.uniform(0.0, (end - start).total_seconds(), count)):
            begin = start + timedelta(seconds=float(offset))
            found.append(Outage(begin, begin + timedelta(seconds=float(self.rng.exponential(self.spec.outage_mean_s)))))
        merged: list[Outage] = []
        for outage in found:  # overlapping outages are one
            if merged and outage.start <= merged[-1].end:
                merged[-1] = Outage(merged[-1].start, max(merged[-1].end, outage.end))
            else:
                merged.append(outage)
        return merged

    def _in_clip(self, moment: datetime) -> Clip | None:
        spec = self.spec
        hour_start = moment.replace(minute=0, second=0, microsecond=0)
        if int(hour_start.timestamp() // 3600) % spec.clip_every_h:
            return None
        if (moment - hour_start).total_seconds() >= spec.clip_s:
            return None
        if not self.clips or self.clips[-1].start != hour_start:
            self.clips.append(Clip(hour_start, hour_start + timedelta(seconds=spec.clip_s)))
        return self.clips[-1]

    # ------------------------------------------------------------ a stretch of time

    def watch(self, start: datetime, until: datetime) -> Iterator[CameraStatus | CameraDetection | DeviceStatus]:
        """Everything the camera reports from ``start`` to ``until``, in time order."""
        spec = self.spec
        outages = self._plan_outages(start, until)
        self.outages.extend(outages)
        # (when, what, label): a crossing with a label is a real road user, without one a false positive.
        events: list[tuple[datetime, int, str | None]] = [(outage.start, _OUTAGE, None) for outage in outages]
        statuses = int((until - start).total_seconds() // spec.status_every_s) + 1
        events += [(start + timedelta(seconds=n * spec.status_every_s), _STATUS, None) for n in range(statuses)]
        events += [(moment, _CROSSING, label) for moment, label in self._arrivals(start, until)]
        events += [(moment, _CROSSING, None) for moment in self._false_positive_times(start, until)]
        events.sort(key=lambda e: (e[0], e[1]))
        yield from self._report(events, outages)

    def _false_positive_times(self, start: datetime, end: datetime) -> list[datetime]:
        seconds = (end - start).total_seconds()
        count = int(self.rng.poisson(self.spec.false_positives_per_hour * seconds / 3600.0))
        return [start + timedelta(seconds=float(o)) for o in np.sort(self.rng.uniform(0.0, seconds, count))]

    def _report(self, events: list[tuple[datetime, int, str | None]],
                outages: list[Outage]) -> Iterator[CameraStatus | CameraDetection | DeviceStatus]:
        pending = list(outages)
        down = self._down
        for moment, kind, label in events:
            if down is not None and moment >= down.end:
                yield DeviceStatus(seq=self._next("link"), t=down.end, online=True, detail="back after outage")
                yield self._status(down.end)
                down = None
            if kind == _OUTAGE:
                outage = pending.pop(0)
                if down is None:  # else still dark from the stretch before: the two are one
                    down = outage
                    yield DeviceStatus(seq=self._next("link"), t=moment, online=False, detail="camera unreachable")
            elif kind == _CROSSING and label is not None:
                detection = self._road_user(moment, label, dark=down is not None)
                if detection is not None:
                    yield detection
            elif down is None and kind == _CROSSING:  # the detector's own invention
                self._tracks += 1
                invented = str(self.rng.choice(["motorbike", "person", "car"], p=[0.6, 0.3, 0.1]))
                self._in_clip(moment)  # the clip exists even when nothing real crossed
                yield self._detection(moment, invented, float(self.rng.beta(2.5, 3.0)), None, f"t{self._tracks}")
            elif down is None:
                yield self._status(moment)
        self._down = down  # back online in a later stretch

    def _road_user(self, moment: datetime, label: str, *, dark: bool) -> CameraDetection | None:
        """A real road user crossing: counted, labelled if in a clip, and detected — or missed."""
        violation = self._violation(label, moment)
        self.arrivals_by_hour[local_hour(moment)] += 1
        self.arrivals_by_label[label] += 1
        if violation is not None:
            self.violations.append((moment, violation))
        recall = RECALL[label] * (self.spec.night_recall if not 6 <= local_hour(moment) < 18 else 1.0)
        seen = not dark and self.rng.random() < recall
        track = None
        if seen:
            self._tracks += 1
            track = f"t{self._tracks}"
        clip = None if dark else self._in_clip(moment)  # no video to label while dark
        if clip is not None:
            clip.objects.append(TruthObject(moment, label, violation, track))
        if track is None:
            return None
        score = float(self.rng.beta(12.0, 2.5))  # mostly 0.7–0.95
        # A violation the detector sees it flags, apart from helmets it cannot make out.
        flagged = violation if violation != "no_helmet" or self.rng.random() < 0.8 else None
        return self._detection(moment, label, score, flagged, track)
