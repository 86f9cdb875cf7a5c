"""Products a startup brings to a trial: what they are, who makes them, how big and fast they are."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sandbox import audit
from sandbox.auth.roles import Actor, Role
from sandbox.auth.schemas import changed_fields
from sandbox.db.pages import page_of
from sandbox.errors import Conflict, InvalidInput, NotFound
from sandbox.i18n import Text
from sandbox.trials.access import require_owner
from sandbox.trials.kinds import ProductKind, ProductLine
from sandbox.trials.models import Product, Trial
from sandbox.trials.schemas import ProductCreate, ProductSpecs, ProductUpdate

__all__ = ["create_product", "get_product", "list_products", "product_snapshot", "update_product"]

_SPEC_FIELDS = ("mass_kg", "largest_dimension_m", "max_speed_mps")


def product_snapshot(product: Product) -> dict[str, object]:
    return {
        "kind": product.kind,
        "name": product.name,
        "manufacturer": product.manufacturer,
        "model": product.model,
        "product_line": product.product_line,
        "application_area": product.application_area,
        "specs": {name: getattr(product, name) for name in _SPEC_FIELDS},
        "description": product.description,
    }


def _check_line(kind: ProductKind, line: ProductLine) -> None:
    if line not in kind.product_lines:
        allowed = ", ".join(sorted(kind.product_lines))
        raise InvalidInput.at(
            "/product_line",
            Text(
                f"sản phẩm loại '{kind.label.vi}' không thuộc dòng '{line.label.vi}' (chọn: {allowed})",
                f"a product of kind '{kind}' does not belong to the '{line}' product line (choose: {allowed})",
            ),
        )


def create_product(db: Session, actor: Actor, data: ProductCreate) -> Product:
    require_owner(actor, actor.organisation_id, doing=Text("đăng ký sản phẩm", "register products"))  # type: ignore[arg-type]
    _check_line(data.kind, data.product_line)
    product = Product(
        organisation_id=actor.organisation_id,
        kind=data.kind,
        name=data.name.strip(),
        manufacturer=data.manufacturer.strip(),
        model=data.model.strip(),
        product_line=data.product_line,
        application_area=data.application_area,
        description=data.description,
        **{name: getattr(data.specs, name) for name in _SPEC_FIELDS},
    )
    db.add(product)
    db.flush()
    audit.record(db, actor, "product.create", "product", product.id, None, product_snapshot(product))
    return product


def get_product(db: Session, actor: Actor, product_id: uuid.UUID) -> Product:
    product = db.get(Product, product_id)
    if product is None or (actor.role is Role.STARTUP and actor.organisation_id != product.organisation_id):
        raise NotFound(Text(f"Không tìm thấy sản phẩm {product_id}", f"Product {product_id} not found"))
    return product


def list_products(db: Session, actor: Actor, limit: int, offset: int) -> tuple[list[Product], int]:
    query = select(Product)
    if actor.role is Role.STARTUP:
        query = query.where(Product.organisation_id == actor.organisation_id)
    return page_of(db, query, Product.created_at, Product.name, limit=limit, offset=offset)


def update_product(db: Session, actor: Actor, product_id: uuid.UUID, patch: ProductUpdate) -> Product:
    product = get_product(db, actor, product_id)
    require_owner(actor, product.organisation_id, doing=Text("sửa sản phẩm", "change products"))
    changes = changed_fields(patch)
    if "specs" in changes:
        submitted = db.scalar(
            select(func.count()).select_from(Trial).where(
                Trial.product_id == product.id, Trial.first_submitted_at.is_not(None)
            )
        )
        specs: ProductSpecs = changes.pop("specs")  # type: ignore[assignment]
        if submitted and any(getattr(specs, name) != getattr(product, name) for name in _SPEC_FIELDS):
            raise Conflict(
                Text(
                    "thông số kỹ thuật đã được thẩm định cùng hồ sơ thử nghiệm nên không thể sửa; "
                    "hãy đăng ký sản phẩm mới cho phiên bản khác",
                    "the specifications were reviewed with a submitted trial and cannot change; "
                    "register a new product for a different version",
                )
            )
        changes.update({name: getattr(specs, name) for name in _SPEC_FIELDS})
    _check_line(product.kind, changes.get("product_line", product.product_line))  # type: ignore[arg-type]
    old = product_snapshot(product)
    for name, value in changes.items():
        setattr(product, name, value.strip() if isinstance(value, str) and name != "description" else value)
    if (new := product_snapshot(product)) != old:
        audit.record(db, actor, "product.update", "product", product.id, old, new)
    return product
