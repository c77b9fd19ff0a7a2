"""HTTP routes of members' write requests."""

from typing import Annotated

from fastapi import APIRouter, Path

from backend.api_deps import CurrentMember, SessionDep
from backend.requests import service
from backend.requests.schemas import RequestRead

router = APIRouter(tags=["requests"])

RequestIdPath = Annotated[str, Path(min_length=32, max_length=32, pattern="^[0-9a-f]{32}$")]


@router.get("/requests/{request_id}", response_model=RequestRead)
def get_request(
    request_id: RequestIdPath, member: CurrentMember, session: SessionDep
) -> RequestRead:
    """One of the member's write requests: where it stands and, once finished, its outcome."""
    return RequestRead.of(service.own_request(session, member, request_id))
