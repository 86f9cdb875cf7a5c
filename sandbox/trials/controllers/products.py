"""Products a startup brings to its trials."""

from __future__ import annotations

import uuid

from litestar import Controller
from litestar.params import FromPath, JSONBody

from sandbox.api.dependencies import CurrentActor, Db
from sandbox.api.pagination import Limit, Offset, Page
from sandbox.api.routing import get, patch, post
from sandbox.trials import products
from sandbox.trials.schemas import ProductCreate, ProductUpdate, ProductView
from sandbox.trials.views import product_view

__all__ = ["ProductController"]


class ProductController(Controller):
    path = "/products"
    tags = ["Products"]

    @get("/", summary="Products (startups: their own)")
    def list_products(self, db: Db, actor: CurrentActor, limit: Limit = 50, offset: Offset = 0) -> Page[ProductView]:
        found, total = products.list_products(db, actor, limit, offset)
        return Page([product_view(p) for p in found], total, limit, offset)

    @post("/", summary="Register a product")
    def create_product(self, db: Db, actor: CurrentActor, data: JSONBody[ProductCreate]) -> ProductView:
        return product_view(products.create_product(db, actor, data))

    @get("/{product_id:uuid}", summary="One product")
    def get_product(self, db: Db, actor: CurrentActor, product_id: FromPath[uuid.UUID]) -> ProductView:
        return product_view(products.get_product(db, actor, product_id))

    @patch(
        "/{product_id:uuid}", summary="Change a product's description (specifications freeze once reviewed)"
    )
    def update_product(
        self, db: Db, actor: CurrentActor, product_id: FromPath[uuid.UUID], data: JSONBody[ProductUpdate]
    ) -> ProductView:
        return product_view(products.update_product(db, actor, product_id, data))
