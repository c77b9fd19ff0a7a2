"""The portal's static files and its development-only demo members route, over real HTTP."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from backend.core.settings import Settings
from backend.portal.router import STATIC_DIR, VENDOR_DIRS

if TYPE_CHECKING:
    from tests.backend.conftest import LiveServer

IMPORT = re.compile(r"""^import (?:.* from )?"([^"]+)";$""", re.MULTILINE)


def test_the_portal_is_served_at_the_root_with_only_local_assets(server: LiveServer) -> None:
    with server.client() as http:
        index = http.get("/")
        assert index.status_code == 200
        assert index.headers["content-type"].startswith("text/html")
        assert '<script type="module" src="/portal/js/main.js">' in index.text
        for path in sorted(STATIC_DIR.rglob("*.*")):
            served = http.get("/portal/" + path.relative_to(STATIC_DIR).as_posix())
            assert served.status_code == 200, path
        assert http.get("/portal/nothing.js").status_code == 404
    # Nothing from a CDN: the page and the modules reference only files of the portal itself
    # and of the npm packages it serves (installed by `make setup`, not copied into the repo).
    assert "http" not in re.sub(r"<!--.*?-->", "", index.text)
    vendored = set()
    for module in (STATIC_DIR / "js").glob("*.js"):
        for specifier in IMPORT.findall(module.read_text()):
            if specifier.startswith("../vendor/"):
                vendored.add(specifier.removeprefix("../vendor/"))
            else:
                assert specifier.startswith("./"), specifier
    assert {path.split("/")[0] for path in vendored} == set(VENDOR_DIRS)
    with server.client() as http:
        for path in sorted(vendored):
            served = http.get(f"/portal/vendor/{path}")
            assert served.status_code == 200, path
            assert served.headers["content-type"].startswith("text/javascript"), path
            package, file = path.split("/", 1)
            assert served.content == (VENDOR_DIRS[package] / file).read_bytes()


def test_demo_members_are_offered_in_development_only(
    serve: Callable[..., LiveServer], settings: Settings, tmp_path: Path
) -> None:
    members_file = tmp_path / "demo-members.json"
    member = {
        "key": "tier1",
        "member_id": 2,
        "name": "Helix Drivetrain",
        "address": "0x" + "11" * 20,
        "roles": ["SUPPLIER"],
        "part": "tier-1 supplier",
        "api_key": "tc_demo",
        "private_key": "0x" + "22" * 32,
    }
    members_file.write_text(json.dumps({"members": {"tier1": member}}))

    development = settings.model_copy(
        update={"demo_members_file": members_file, "environment": "development"}
    )
    with serve(development).client() as http:
        offered = http.get("/dev/demo-members")
    assert offered.status_code == 200
    assert offered.json() == {
        "members": [{k: member[k] for k in ("key", "name", "part", "roles", "address", "api_key")}]
    }

    # The test environment (as production) never offers them; nor does development without a file.
    without_file = development.model_copy(update={"demo_members_file": None})
    elsewhere = settings.model_copy(update={"demo_members_file": members_file})
    for app_settings in (without_file, elsewhere):
        with serve(app_settings).client() as http:
            refused = http.get("/dev/demo-members")
        assert refused.status_code == 404
        assert refused.json()["error"] == "DemoMembersUnavailable"
