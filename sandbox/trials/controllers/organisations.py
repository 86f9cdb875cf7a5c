"""Startups sign up, keep their organisation's details and add colleagues."""

from __future__ import annotations

import uuid

from litestar import Controller
from litestar.params import FromPath, JSONBody
from msgspec import Struct

from sandbox.api.dependencies import AppSettings, CurrentActor, Db
from sandbox.api.pagination import Limit, Offset, Page
from sandbox.api.routing import get, patch, post
from sandbox.auth.schemas import UserView, user_view
from sandbox.trials import organisations
from sandbox.trials.schemas import MemberCreate, OrganisationUpdate, OrganisationView, Registration
from sandbox.trials.views import organisation_view

__all__ = ["OrganisationController", "RegistrationController"]


class Registered(Struct):
    organisation: OrganisationView
    user: UserView


class RegistrationController(Controller):
    path = "/registrations"
    tags = ["Organisations"]

    @post("/", summary="A startup registers its organisation and first user (no login needed)")
    def register(self, db: Db, settings: AppSettings, data: JSONBody[Registration]) -> Registered:
        org, user = organisations.register(db, data, settings)
        return Registered(organisation_view(org), user_view(user))


class OrganisationController(Controller):
    path = "/organisations"
    tags = ["Organisations"]

    @get("/", summary="Organisations (startups: their own)")
    def list_organisations(
        self, db: Db, actor: CurrentActor, limit: Limit = 50, offset: Offset = 0
    ) -> Page[OrganisationView]:
        found, total = organisations.list_organisations(db, actor, limit, offset)
        return Page([organisation_view(o) for o in found], total, limit, offset)

    @get("/{organisation_id:uuid}", summary="One organisation")
    def get_organisation(
        self, db: Db, actor: CurrentActor, organisation_id: FromPath[uuid.UUID]
    ) -> OrganisationView:
        return organisation_view(organisations.get_organisation(db, actor, organisation_id))

    @patch("/{organisation_id:uuid}", summary="Change the organisation's name or contact")
    def update_organisation(
        self,
        db: Db,
        actor: CurrentActor,
        organisation_id: FromPath[uuid.UUID],
        data: JSONBody[OrganisationUpdate],
    ) -> OrganisationView:
        return organisation_view(organisations.update_organisation(db, actor, organisation_id, data))

    @post("/{organisation_id:uuid}/users", summary="Add a colleague to the organisation")
    def add_member(
        self,
        db: Db,
        actor: CurrentActor,
        settings: AppSettings,
        organisation_id: FromPath[uuid.UUID],
        data: JSONBody[MemberCreate],
    ) -> UserView:
        return user_view(organisations.add_member(db, actor, organisation_id, data, settings))
