"""The ``sandbox`` command: run the service and ingesters, migrate, manage users and the broker, import logs.

Errors are printed as a message in the operator's language (Vietnamese unless ``LANG`` is
English) and end the command with a non-zero status; there is no traceback for a known error.
"""

from __future__ import annotations

import logging

import click

from sandbox import __version__
from sandbox.cli.common import guarded
from sandbox.config import load_settings

__all__ = ["main"]


@click.group()
@click.version_option(__version__, prog_name="sandbox")
@click.pass_context
@guarded
def main(ctx: click.Context) -> None:
    """Sandbox: thử nghiệm có kiểm soát của Sở KH&CN Cần Thơ / Can Tho SKHCN's controlled trials."""
    ctx.obj = load_settings()
    logging.basicConfig(level=ctx.obj.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


from sandbox.cli import admin, evaluate, imports, service, sim  # noqa: E402, F401 - each module adds its commands to `main`
