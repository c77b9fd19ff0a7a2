"""Cached read answers over HTTP, from read models the indexer filled from a real chain: the
same bytes with an ETag (304 when the client has them) until something is projected, never
another caller's answer, never past a key's revocation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from backend.core.database import session_factory, transaction
from backend.core.settings import Settings
from backend.core.sqltypes import utc_now
from backend.indexer.follower import Follower
from backend.members.models import ApiKey
from backend.readmodels.models import ReadModelVersion
from backend.reads import service
from tests.backend.conftest import Credential
from tests.backend.indexer_flow import UNIT, Platform


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Platform]:
    platform = Platform.start(tmp_path)
    platform.business_day()
    yield platform
    platform.node.stop()


@pytest.fixture
def indexer(platform: Platform, settings: Settings) -> Follower:
    follower = Follower(platform.chain, session_factory(settings.database_url))
    follower.index_once()
    return follower


@pytest.fixture
def members(
    platform: Platform, make_member: Callable[..., Credential], indexer: Follower
) -> dict[str, Credential]:
    roles = {"supplier1": ["SUPPLIER"], "supplier2": ["SUPPLIER"], "auditor": ["AUDITOR"]}
    return {
        name: make_member(r, address=platform.address(name), name=name) for name, r in roles.items()
    }


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often the lineage and portfolio queries really ran."""
    calls = {"credit_lineage": 0, "portfolio": 0}
    for name in calls:
        original = getattr(service, name)

        def counting(*args: Any, _original: Any = original, _name: str = name, **kw: Any) -> Any:
            calls[_name] += 1
            return _original(*args, **kw)

        monkeypatch.setattr(service, name, counting)
    return calls


def version(settings: Settings) -> int:
    with session_factory(settings.database_url)() as session:
        return int(session.scalar(select(ReadModelVersion.version)) or 0)


def test_a_repeated_read_is_answered_from_the_cache_with_its_etag(
    platform: Platform,
    settings: Settings,
    serve: Callable[..., Any],
    members: dict[str, Credential],
    counted: dict[str, int],
) -> None:
    http = serve(settings).client(members["auditor"].api_key)
    path = f"/credits/{platform.ids['credit1']}/lineage"

    first = http.get(path)
    second = http.get(path)
    revalidated = http.get(path, headers={"If-None-Match": first.headers["etag"]})

    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert first.json()["root"]["token_id"] == platform.ids["credit1"]
    assert second.headers["etag"] == first.headers["etag"]
    assert first.headers["cache-control"] == "private, no-cache"
    assert revalidated.status_code == 304
    assert revalidated.content == b""
    assert revalidated.headers["etag"] == first.headers["etag"]
    # The query ran once: the other two were answered from the cache.
    assert counted["credit_lineage"] == 1
    # Another resource is its own entry.
    assert http.get(f"/credits/{platform.ids['credit1']}").status_code == 200


def test_a_projected_change_is_read_at_once_and_an_idle_poll_changes_nothing(
    platform: Platform,
    settings: Settings,
    serve: Callable[..., Any],
    members: dict[str, Credential],
    indexer: Follower,
    counted: dict[str, int],
) -> None:
    http = serve(settings).client(members["supplier1"].api_key)
    path = f"/portfolios/{platform.address('supplier1')}"
    before = http.get(path)
    at = version(settings)

    indexer.index_once()  # nothing new on chain: the read models, and the cache, stay
    assert version(settings) == at
    assert http.get(path, headers={"If-None-Match": before.headers["etag"]}).status_code == 304
    platform.deposit("bank_a", "supplier1", 123 * UNIT)
    indexer.index_once()
    after = http.get(path, headers={"If-None-Match": before.headers["etag"]})

    assert version(settings) == at + 1
    assert after.status_code == 200
    assert after.json()["cash_units"] == before.json()["cash_units"] + 123 * UNIT
    assert after.headers["etag"] != before.headers["etag"]
    assert counted["portfolio"] == 2


def test_callers_never_meet_each_others_answers(
    platform: Platform,
    settings: Settings,
    serve: Callable[..., Any],
    members: dict[str, Credential],
) -> None:
    server = serve(settings)
    path = f"/portfolios/{platform.address('supplier1')}"
    assert server.client(members["auditor"].api_key).get(path).status_code == 200

    refused = server.client(members["supplier2"].api_key).get(path)
    anonymous = server.client().get(path)

    assert refused.status_code == 403
    assert refused.json()["error"] == "NotYourAccount"
    assert "etag" not in refused.headers
    assert anonymous.status_code == 401


@pytest.mark.parametrize("column", ["revoked_at", "expires_at"])
def test_a_revoked_or_expired_key_is_refused_though_its_answer_is_cached(
    platform: Platform,
    settings: Settings,
    serve: Callable[..., Any],
    members: dict[str, Credential],
    column: str,
) -> None:
    auditor = members["auditor"]
    http = serve(settings).client(auditor.api_key)
    path = f"/credits/{platform.ids['credit1']}/lineage"
    assert http.get(path).status_code == 200

    with transaction(session_factory(settings.database_url)) as session:
        session.execute(
            update(ApiKey)
            .where(ApiKey.member_id == auditor.member.id)
            .values({column: utc_now() - timedelta(seconds=1)})
        )
    refused = http.get(path)

    assert refused.status_code == 401
    assert refused.json()["error"] == "InvalidApiKey"


def test_with_no_entries_allowed_nothing_is_cached(
    platform: Platform,
    settings: Settings,
    serve: Callable[..., Any],
    members: dict[str, Credential],
    counted: dict[str, int],
) -> None:
    server = serve(settings.model_copy(update={"read_cache_entries": 0}))
    http = server.client(members["auditor"].api_key)
    path = f"/credits/{platform.ids['credit1']}/lineage"

    answers = [http.get(path) for _ in range(2)]

    assert [a.status_code for a in answers] == [200, 200]
    assert "etag" not in answers[0].headers
    assert counted["credit_lineage"] == 2


def test_a_read_the_cache_cannot_follow_is_never_kept(
    settings: Settings, serve: Callable[..., Any], members: dict[str, Credential]
) -> None:
    """/credits/overdue matches the pattern of /credits/{credit_id} but is its own route, and
    its answer moves with the indexed block's time, which the read-model version does not."""
    http = serve(settings).client(members["auditor"].api_key)

    answers = [http.get("/credits/overdue") for _ in range(2)]

    assert [a.status_code for a in answers] == [200, 200]
    assert "etag" not in answers[1].headers
