"""Fill an empty database with the demonstration: three startups, their trials in different states.

Everything goes through the services, as people would do it through the API, so the audit log
and the trials' histories are those of a real sequence of events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from sandbox.auth.roles import Actor, Role
from sandbox.auth.schemas import UserCreate
from sandbox.auth.users import actor_of, create_staff_user
from sandbox.clock import local_today
from sandbox.config import Settings
from sandbox.demo.plans import amr_plan, camera_plan, uav_plan
from sandbox.trials import devices, organisations, products, service, transitions
from sandbox.trials.commands import Activate, Approve, Recommend, StartReview, Submit, TransitionRequest
from sandbox.trials.kinds import ApplicationArea, ProductKind, ProductLine
from sandbox.trials.models import Product, Trial
from sandbox.trials.plan import PlanContent, content_from_document
from sandbox.trials.schemas import (
    DeviceEnrol,
    MemberCreate,
    OrganisationCreate,
    ProductCreate,
    ProductSpecs,
    Registration,
    TrialCreate,
)
from sandbox.trials.states import Recommendation

__all__ = ["ALERTS_AFTER_DAYS", "DEMO_EVALUATOR", "DEMO_PASSWORD", "DemoWorld", "Fleet", "seed"]

DEMO_PASSWORD = "sandbox-demo-2026"
DEMO_EVALUATOR = "thamdinh@skhcn.cantho.demo"
ALERTS_AFTER_DAYS = 7  # the camera's first week of history is its pre-period: alerts start after it


@dataclass(frozen=True)
class Fleet:
    """The devices of one running demo trial, with the secrets shown at enrolment: they publish."""

    kind: str
    trial: str  # reference, as in the topics
    trial_id: str
    plan: PlanContent
    devices: list[tuple[str, str, str]]  # (serial, device id, secret)


@dataclass
class DemoWorld:
    users: list[tuple[str, str, str]] = field(default_factory=list)  # (role, e-mail, organisation)
    trials: list[tuple[str, str, str]] = field(default_factory=list)  # (reference, state, title)
    devices: list[tuple[str, str, str]] = field(default_factory=list)  # (trial reference, MQTT username, password)
    fleets: dict[str, Fleet] = field(default_factory=dict)  # by product kind: the three running trials

    @property
    def fleet(self) -> Fleet:
        """The drones (they also publish live once the history is in)."""
        return self.fleets["agri_uav"]


def _staff(db: Session, admin: Actor | None, role: Role, email: str, name: str, settings: Settings) -> Actor:
    user = create_staff_user(db, admin, UserCreate(email=email, full_name=name, password=DEMO_PASSWORD, role=role), settings)
    return actor_of(user)


def _startup(db: Session, world: DemoWorld, name: str, tax_code: str, email: str, person: str,
             settings: Settings) -> Actor:
    org, user = organisations.register(
        db,
        Registration(
            organisation=OrganisationCreate(name=name, tax_code=tax_code, contact_name=person, contact_email=email,
                                            contact_phone="+84 292 3831 000", address="Cần Thơ"),
            user=MemberCreate(email=email, full_name=person, password=DEMO_PASSWORD),
        ),
        settings,
    )
    world.users.append(("startup", email, org.name))
    return actor_of(user)


def _product(db: Session, actor: Actor, kind: ProductKind, name: str, maker: str, model: str, line: ProductLine,
             area: ApplicationArea, specs: tuple[float, float, float]) -> Product:
    data = ProductCreate(kind=kind, name=name, manufacturer=maker, model=model, product_line=line,
                         application_area=area, specs=ProductSpecs(*specs))
    return products.create_product(db, actor, data)


def seed(db: Session, settings: Settings, history_days: int = 14) -> DemoWorld:
    """Three running trials that started ``history_days`` ago (their simulated history fills them): drones
    spraying rice near Vị Tân, an AI camera at an intersection in Ninh Kiều (alerts from its second week;
    the first is the pre-period), a delivery robot on a campus in Ninh Kiều; and a fourth trial under
    review, so that the evaluators have something on their desk."""
    world = DemoWorld()
    today = local_today()
    began, ends = today - timedelta(days=history_days + 1), today + timedelta(days=120)
    admin = _staff(db, None, Role.ADMIN, "admin@skhcn.cantho.demo", "Quản trị hệ thống", settings)
    evaluator = _staff(db, admin, Role.EVALUATOR, DEMO_EVALUATOR, "Trần Thị Thẩm Định", settings)
    policy = _staff(db, admin, Role.POLICY, "lanhdao@skhcn.cantho.demo", "Lê Văn Quyết", settings)
    department = "Sở KH&CN Cần Thơ"
    world.users += [("admin", admin.email, department), ("evaluator", evaluator.email, department),
                    ("policy", policy.email, department)]

    drone_co = _startup(db, world, "Công ty TNHH Nông nghiệp Bay Mekong", "1800123450", "uav@baymekong.demo",
                        "Nguyễn Văn Bay", settings)
    camera_co = _startup(db, world, "Công ty CP Thị giác AI Tây Đô", "1800543215", "camera@taydo-ai.demo",
                         "Phạm Thị Nhìn", settings)
    robot_co = _startup(db, world, "Công ty TNHH Robot Ninh Kiều", "1800678903", "amr@robotnk.demo",
                        "Võ Minh Chạy", settings)

    drone = _product(db, drone_co, ProductKind.AGRI_UAV, "MekongFly A30", "Bay Mekong", "A30", ProductLine.UAV,
                     ApplicationArea.AGRICULTURE, (26.5, 2.5, 10.0))
    bigger_drone = _product(db, drone_co, ProductKind.AGRI_UAV, "MekongFly A50", "Bay Mekong", "A50",
                            ProductLine.UAV, ApplicationArea.AGRICULTURE, (41.0, 3.1, 10.0))
    camera = _product(db, camera_co, ProductKind.AI_CAMERA, "TayDo Vision T2", "Tây Đô AI", "TV-T2",
                      ProductLine.AI_CAMERA, ApplicationArea.URBAN_MANAGEMENT, (2.1, 0.35, 0.1))
    robot = _product(db, robot_co, ProductKind.AMR, "NK Courier", "Robot Ninh Kiều", "NKC-1", ProductLine.AMR,
                     ApplicationArea.LOGISTICS, (85.0, 1.1, 2.0))

    def open_trial(actor: Actor, product: Product, plan: dict[str, Any]) -> Trial:
        return service.create_trial(db, actor, TrialCreate(product.id, content_from_document(plan)), settings)

    def move(actor: Actor, trial: Trial, request: TransitionRequest) -> None:
        transitions.apply_transition(db, actor, trial.id, request, settings)

    def run(kind: str, actor: Actor, product: Product, plan: dict[str, Any],
            serials: list[tuple[str, str]] | list[tuple[str, str, str]], conditions: list[str]) -> Trial:
        """Open, enrol, approve and start a trial: its devices are the fleet the simulators drive."""
        content = content_from_document(plan)
        trial = service.create_trial(db, actor, TrialCreate(product.id, content), settings)
        enrolled = []
        for serial, model, *site in serials:  # a camera names the junction it watches
            device, secret = devices.enrol_device(
                db, actor, trial.id, DeviceEnrol(serial=serial, model=model, site=site[0] if site else None), settings)
            world.devices.append((trial.reference, str(device.id), secret))
            enrolled.append((serial, str(device.id), secret))
        move(actor, trial, Submit())
        move(evaluator, trial, StartReview())
        move(evaluator, trial, Recommend(Recommendation.APPROVE, "Hồ sơ đầy đủ, rủi ro được kiểm soát"))
        move(policy, trial, Approve(conditions=conditions))
        move(actor, trial, Activate())
        world.fleets[kind] = Fleet(kind, trial.reference, str(trial.id), content, enrolled)
        return trial

    uav_trial = run("agri_uav", drone_co, drone, uav_plan(began, ends),
                    [("MF-A30-0001", "A30"), ("MF-A30-0002", "A30")],
                    ["Không phun khi gió trên 5 m/s", "Báo lịch bay cho UBND phường trước 24 giờ"])
    alerts_from = today - timedelta(days=history_days) + timedelta(days=min(history_days, ALERTS_AFTER_DAYS))
    cameras = camera_plan(began, ends, alerts_from)
    junctions = [site["name"] for site in cameras["sites"]]
    camera_trial = run("ai_camera", camera_co, camera, cameras,
                       [("TV-T2-0001", "TV-T2", junctions[0]), ("TV-T2-0002", "TV-T2", junctions[1])],  # control
                       ["Che mặt và biển số trước khi lưu hình", "Xoá hình gốc sau 30 ngày"])
    robot_trial = run("amr", robot_co, robot, amr_plan(began, ends), [("NKC-0001", "NKC-1")],
                      ["Tốc độ tối đa 1 m/s vào giờ tan học"])
    waiting = open_trial(drone_co, bigger_drone, uav_plan(today + timedelta(days=14), today + timedelta(days=150)))
    move(drone_co, waiting, Submit())
    move(evaluator, waiting, StartReview())

    for trial in (uav_trial, camera_trial, robot_trial, waiting):
        world.trials.append((trial.reference, str(trial.state), str(trial.working_plan().content["title"])))
    return world
