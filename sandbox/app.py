"""The Litestar application: every domain's controllers under ``/api/v1``, OpenAPI at ``/docs``."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Litestar, Router, get
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.params import FromPath
from litestar.response import Redirect

from sandbox import __version__
from sandbox.api.dependencies import DEPENDENCIES
from sandbox.api.problems import exception_handlers, problem_types
from sandbox.api.text_guard import refuse_nul_characters
from sandbox.audit.controllers import AuditController
from sandbox.auth.controllers import SessionController, UserController
from sandbox.config import Settings, load_settings
from sandbox.db import make_engine, make_session_factory
from sandbox.errors import NotFound
from sandbox.evaluation.controllers import EvaluationController
from sandbox.i18n import Text
from sandbox.telemetry.broker.accounts import broker_accounts
from sandbox.telemetry.controllers import MetricsController, TelemetryController
from sandbox.trials.controllers import (
    DeviceController,
    IncidentController,
    OrganisationController,
    PlanController,
    ProductController,
    PublicController,
    RegistrationController,
    TrialController,
)

__all__ = ["create_app"]

API_PREFIX = "/api/v1"


@get("/", include_in_schema=False, sync_to_thread=False)
def home() -> Redirect:
    return Redirect("/docs")


@get("/problems/{code:str}", include_in_schema=False, sync_to_thread=False)
def problem_type(code: FromPath[str]) -> dict[str, Any]:
    """What a problem ``type`` URI means, so that it can be followed."""
    title = problem_types().get(code)
    if title is None:
        raise NotFound(Text(f"Không có loại lỗi '{code}'", f"There is no problem type '{code}'"))
    return {"type": f"/problems/{code}", "code": code, "title": {"vi": title.vi, "en": title.en}}


@get("/health", tags=["Public"], summary="Liveness: the process answers", sync_to_thread=False)
def health() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or load_settings()
    engine = make_engine(settings.database_url)
    api = Router(
        path=API_PREFIX,
        route_handlers=[
            SessionController,
            UserController,
            RegistrationController,
            OrganisationController,
            ProductController,
            TrialController,
            PlanController,
            DeviceController,
            IncidentController,
            TelemetryController,
            EvaluationController,
            PublicController,
            AuditController,
        ],
    )
    logging.getLogger("sandbox").setLevel(settings.log_level)
    return Litestar(
        route_handlers=[home, health, problem_type, MetricsController, api],
        dependencies=DEPENDENCIES,
        before_request=refuse_nul_characters,
        exception_handlers=exception_handlers(),
        state=State({"settings": settings, "sessions": make_session_factory(engine), "engine": engine,
                     "accounts": broker_accounts(settings)}),
        on_shutdown=[lambda: engine.dispose()],
        openapi_config=OpenAPIConfig(
            title="Sandbox — thử nghiệm có kiểm soát / controlled trials",
            version=__version__,
            description=(
                "API của hệ thống thử nghiệm có kiểm soát (sandbox) và living lab của Sở KH&CN Cần Thơ. "
                "API of Can Tho SKHCN's regulatory sandbox and living lab. Errors are RFC 9457 problem "
                "details in Vietnamese by default; send 'Accept-Language: en' for English. Times are "
                "shown in Asia/Ho_Chi_Minh."
            ),
            path="/docs",
            render_plugins=[SwaggerRenderPlugin(path="/"), ScalarRenderPlugin(path="/scalar")],
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(type="http", scheme="bearer", description="POST /api/v1/auth/token")
                }
            ),
            security=[{"bearer": []}],
        ),
    )
