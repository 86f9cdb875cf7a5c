"""Route decorators for our handlers: synchronous, run in a worker thread.

Handlers call SQLAlchemy synchronously; running them in a thread keeps the event loop free.
"""

from __future__ import annotations

from functools import partial

import litestar

__all__ = ["delete", "get", "patch", "post", "put"]

get = partial(litestar.get, sync_to_thread=True)
post = partial(litestar.post, sync_to_thread=True)
put = partial(litestar.put, sync_to_thread=True)
patch = partial(litestar.patch, sync_to_thread=True)
delete = partial(litestar.delete, sync_to_thread=True)
