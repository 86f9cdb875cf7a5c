"""HTTP controllers of the registry: a few lines each, calling the services."""

from sandbox.trials.controllers.devices import DeviceController
from sandbox.trials.controllers.incidents import IncidentController
from sandbox.trials.controllers.organisations import OrganisationController, RegistrationController
from sandbox.trials.controllers.plans import PlanController
from sandbox.trials.controllers.products import ProductController
from sandbox.trials.controllers.register import PublicController
from sandbox.trials.controllers.trials import TrialController

__all__ = [
    "DeviceController",
    "IncidentController",
    "OrganisationController",
    "PlanController",
    "ProductController",
    "PublicController",
    "RegistrationController",
    "TrialController",
]
