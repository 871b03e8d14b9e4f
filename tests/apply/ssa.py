"""The shared API emulator, taught enough server-side apply for ``apply``'s tests.

kmock treats an apply PATCH as a naive merge into an existing object: it answers 404 for a
new object, and it stores the merge before any reaction runs (so a 409/403/500 reaction or a
``dryRun=All`` would still change the stored object). Here an apply PATCH creates the object
when missing, and the stored state is put back when the answer is an error or a dry run.
The request log, reactions and everything else come from tests/emulator.py unchanged.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from tests.emulator import KubeEmulator, _Emulator


class _ApplyingEmulator(_Emulator):
    async def _handle(self, request: Any) -> Any:
        content_type = str(request.headers.get("Content-Type", ""))
        method = str(getattr(request.method, "value", request.method)).upper()
        if method != "PATCH" or "apply-patch" not in content_type or request.name is None:
            return await super()._handle(request)
        key = (request.resource, request.namespace, request.name)
        async with self._lock:
            existed = key in self._objects and not self._objects[key].deleted
            before = copy.deepcopy(self._objects[key].raw) if existed else None
            if not existed:
                self._objects[key] = {"metadata": {"name": request.name}}
        try:
            response = await super()._handle(request)
        except BaseException:
            await self._restore(key, before)
            raise
        if response.status >= 400 or request.params.get("dryRun"):
            await self._restore(key, before)
        return response

    async def _restore(self, key: Any, before: dict[str, Any] | None) -> None:
        async with self._lock:
            if before is None:
                if key in self._objects:
                    del self._objects[key]
            else:
                self._objects[key] = before


class ApplyEmulator(KubeEmulator):
    def __init__(self, directory: Path, **kwargs: Any) -> None:
        super().__init__(directory, **kwargs)
        self._emu = _ApplyingEmulator()

    def __enter__(self) -> ApplyEmulator:
        super().__enter__()
        return self
