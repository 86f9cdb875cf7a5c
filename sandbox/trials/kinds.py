"""The kinds of product tested here and the national programme's product lines they belong to."""

from __future__ import annotations

from enum import StrEnum

from sandbox.i18n import Text

__all__ = ["ApplicationArea", "DeviceProtocol", "ProductKind", "ProductLine"]


class ProductKind(StrEnum):
    AGRI_UAV = "agri_uav"
    AI_CAMERA = "ai_camera"
    AMR = "amr"

    @property
    def label(self) -> Text:
        return _KIND_LABELS[self]

    @property
    def product_lines(self) -> frozenset[ProductLine]:
        """The strategic-technology product lines a product of this kind may be declared under."""
        return _LINES_OF_KIND[self]


class DeviceProtocol(StrEnum):
    """How a device talks to Sandbox: the project's own MQTT contract, or a standard it already speaks."""

    SANDBOX = "sandbox"
    VDA5050 = "vda5050"  # AGV/AMR state over MQTT (VDA 5050 2.0, 2.1, 3.0)
    FRIGATE = "frigate"  # Frigate NVR events over MQTT

    @property
    def kinds(self) -> frozenset[ProductKind]:
        return _KINDS_OF_PROTOCOL[self]


class ProductLine(StrEnum):
    """Priority lines of Can Tho's programme for strategic-technology products (Decision 2815/QĐ-TTg)."""

    UAV = "uav"
    AI_CAMERA = "ai_camera"
    AMR = "amr"
    VIRTUAL_ASSISTANT = "virtual_assistant"

    @property
    def label(self) -> Text:
        return _LINE_LABELS[self]


class ApplicationArea(StrEnum):
    AGRICULTURE = "agriculture"
    URBAN_MANAGEMENT = "urban_management"
    LOGISTICS = "logistics"
    HEALTH = "health"
    EDUCATION = "education"
    ENVIRONMENT = "environment"

    @property
    def label(self) -> Text:
        return _AREA_LABELS[self]


_KIND_LABELS = {
    ProductKind.AGRI_UAV: Text("UAV phun thuốc nông nghiệp", "Agricultural spraying UAV"),
    ProductKind.AI_CAMERA: Text("Camera AI", "AI camera"),
    ProductKind.AMR: Text("Robot di động tự hành (AMR)", "Autonomous mobile robot (AMR)"),
}
_LINE_LABELS = {
    ProductLine.UAV: Text("Thiết bị bay không người lái (UAV)", "Unmanned aerial vehicles (UAV)"),
    ProductLine.AI_CAMERA: Text("Camera AI", "AI cameras"),
    ProductLine.AMR: Text("Robot di động tự hành", "Autonomous mobile robots"),
    ProductLine.VIRTUAL_ASSISTANT: Text("Trợ lý ảo chuyên ngành", "Specialised virtual assistants"),
}
_AREA_LABELS = {
    ApplicationArea.AGRICULTURE: Text("Nông nghiệp công nghệ cao", "High-tech agriculture"),
    ApplicationArea.URBAN_MANAGEMENT: Text("Quản lý đô thị thông minh", "Smart urban management"),
    ApplicationArea.LOGISTICS: Text("Logistics", "Logistics"),
    ApplicationArea.HEALTH: Text("Y tế", "Health"),
    ApplicationArea.EDUCATION: Text("Giáo dục", "Education"),
    ApplicationArea.ENVIRONMENT: Text("Bảo vệ môi trường", "Environmental protection"),
}
_LINES_OF_KIND = {
    ProductKind.AGRI_UAV: frozenset({ProductLine.UAV}),
    ProductKind.AI_CAMERA: frozenset({ProductLine.AI_CAMERA, ProductLine.VIRTUAL_ASSISTANT}),
    ProductKind.AMR: frozenset({ProductLine.AMR}),
}
_KINDS_OF_PROTOCOL = {
    DeviceProtocol.SANDBOX: frozenset(ProductKind),
    DeviceProtocol.VDA5050: frozenset({ProductKind.AMR}),
    DeviceProtocol.FRIGATE: frozenset({ProductKind.AI_CAMERA}),
}
