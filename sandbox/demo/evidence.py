"""What the demo's evaluator uploads before evaluating, as a real one would from outside the telemetry.

- the camera trial's **ground truth**: the clips the camera simulators kept (every road user crossing in the
  first minutes of each hour, with the camera's track of it or none), as an evaluator labels video;
- the robot trial's **living-lab feedback**: a seeded survey of students and staff on the campus, with their
  consent;
- the drone trial's **control records**: the manual spraying rounds of the control field this season,
  from the CSV the demo writes, as the baseline of the hectares sprayed an hour.
"""

from __future__ import annotations

import csv
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
from sqlalchemy.orm import Session

from sandbox.auth.roles import Actor
from sandbox.clock import local_today
from sandbox.evaluation import uploads
from sandbox.evaluation.schemas import ClipUpload, FeedbackUpload, ReferenceUpload
from sandbox.trials.models import Trial

__all__ = ["upload_control_records", "upload_feedback", "upload_ground_truth"]

GROUPS = (("sinh viên", 0.8), ("cán bộ, giảng viên", 0.2))


def upload_ground_truth(db: Session, evaluator: Actor, trial_id: uuid.UUID,
                        cameras: dict[str, tuple[Any, datetime]]) -> int:
    """``cameras``: device id → (its camera simulator after it ran, the last moment it sent). The clips of video
    it sent whole, as labelled."""
    clips = []
    for device_id, (camera, last) in cameras.items():
        for clip in camera.clips:
            if clip.end > last:
                continue
            clips.append({"device_id": device_id, "start": clip.start, "end": clip.end,
                          "objects": [{"t": o.t, "label": o.label, "track_id": o.track_id} for o in clip.objects]})
    if not clips:
        return 0
    return uploads.upload_clips(db, evaluator, trial_id, msgspec.convert({"clips": clips}, ClipUpload)).stored


def upload_feedback(db: Session, evaluator: Actor, trial_id: uuid.UUID, respondents: int = 60, seed: int = 2026) -> int:
    """A week's survey: satisfaction and acceptance on 1–5; most accept a robot on the walkways, some do not."""
    rng = np.random.default_rng(seed)
    today = local_today()
    answers = []
    for n in range(respondents):
        group = GROUPS[0][0] if rng.random() < GROUPS[0][1] else GROUPS[1][0]
        acceptance = int(rng.choice([1, 2, 3, 4, 5], p=[0.04, 0.08, 0.13, 0.40, 0.35]))
        satisfaction = int(np.clip(acceptance + rng.integers(-1, 2), 1, 5))
        answers.append({"respondent": f"KS-{n + 1:03d}", "group": group, "consent": True,
                        "answered_on": (today - timedelta(days=int(rng.integers(0, 7)))).isoformat(),
                        "answers": {"satisfaction": satisfaction, "acceptance": acceptance}})
    data = msgspec.convert({"responses": answers}, FeedbackUpload)
    return uploads.upload_feedback(db, evaluator, trial_id, data).stored


def upload_control_records(db: Session, evaluator: Actor, trial: Trial, records: Path, kpi: str) -> int:
    """The control field's manual rounds this season: hectares over crew-hours, a round a cluster (the manual
    method's pace does not change because a drone flies next door, so the weeks before the trial count too)."""
    with records.open(encoding="utf-8") as source:  # the season's rounds, before and during the trial
        rows = list(csv.DictReader(source))
    if not rows:
        return 0
    observations = [{"day": row["day"][:10], "numerator": float(row["area_ha"]), "denominator": float(row["hours"])}
                    for row in rows]
    data = msgspec.convert({"kpi": kpi, "group": "control", "source": records.name, "observations": observations},
                           ReferenceUpload)
    return uploads.upload_references(db, evaluator, trial.id, data).stored

