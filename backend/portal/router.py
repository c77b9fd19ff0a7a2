"""Serves the portal at `/` (its assets under `/portal/`) and, in development only, the demo
members the sign-in page offers.

The portal is plain ES modules with no build step (see the README): every asset is a file of
this package or of an npm package `make setup` installs (`/portal/vendor/<package>/`), so
nothing loads from outside the machine. It calls only the public API.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from backend.api_deps import SettingsDep
from backend.core.errors import NotFound
from backend.core.settings import NODE_MODULES

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
# The npm packages the pages import, each served from the folder that holds its browser build.
VENDOR_DIRS = {
    "qrcode-generator": NODE_MODULES / "qrcode-generator" / "dist",
    "js-sha3": NODE_MODULES / "js-sha3" / "src",
}
# What the sign-in page shows of a demo member; never its private key.
DEMO_MEMBER_FIELDS = ("key", "name", "part", "roles", "address", "api_key")

router = APIRouter(tags=["portal"])


@router.get("/", include_in_schema=False)
def index() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})


@router.get("/dev/demo-members", tags=["development"])
def demo_members(settings: SettingsDep) -> dict[str, Any]:
    """Development only: the demo members `up` onboarded, with their API keys, for the portal's
    sign-in page. 404 `DemoMembersUnavailable` outside development or without a members file."""
    path = settings.demo_members_file
    if settings.environment != "development" or path is None or not path.is_file():
        raise NotFound("DemoMembersUnavailable", "no demo members in this environment", {})
    raw = json.loads(path.read_text(encoding="utf-8"))
    members = [
        {field: member.get(field) for field in DEMO_MEMBER_FIELDS}
        for member in raw.get("members", {}).values()
    ]
    return {"members": members}


def install_portal(app: FastAPI) -> None:
    app.include_router(router)
    # Before /portal itself, which would answer their paths with 404.
    for package, directory in VENDOR_DIRS.items():
        if not directory.is_dir():
            log.warning("%s missing from node_modules (make setup): the portal needs it", package)
            continue
        app.mount(f"/portal/vendor/{package}", StaticFiles(directory=directory), name=package)
    app.mount("/portal", StaticFiles(directory=STATIC_DIR), name="portal")
