"""The HTTP API: routers combined, middleware, one error handler, health and metrics."""

import logging
import os
import re
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Gauge,
    generate_latest,
    multiprocess,
)
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend.cash.router import router as cash_router
from backend.certificates.router import router as certificates_router
from backend.core.database import engine_for, session_factory
from backend.core.errors import (
    PROBLEM_MEDIA_TYPE,
    DomainError,
    NotFound,
    Unavailable,
    error_response,
    problem,
)
from backend.core.http import (
    BodyLimitMiddleware,
    HttpMetrics,
    RequestContextMiddleware,
    ServerErrorBoundary,
    StrictJsonMiddleware,
)
from backend.core.logging import configure_logging
from backend.core.migrate import run_migrations
from backend.core.settings import Settings, get_settings
from backend.credits.router import router as credits_router
from backend.documents import service as documents_service
from backend.documents.router import PDF_PATH
from backend.documents.router import router as documents_router
from backend.financing.router import router as financing_router
from backend.invoices.router import router as invoices_router
from backend.members import service as members_service
from backend.members.keystore import Keystore
from backend.members.models import Member
from backend.members.router import router as members_router
from backend.openapi import install_docs, install_openapi
from backend.platform.router import router as platform_router
from backend.portal.router import install_portal
from backend.reads import service as reads_service
from backend.reads.cache import ReadCacheMiddleware, cached_routes
from backend.reads.router import router as reads_router
from backend.relay.metrics import WriteMetrics
from backend.relay.models import PENDING, WriteRequest
from backend.relay.relayer import Relayer
from backend.requests.router import router as requests_router
from backend.settlement.router import router as settlement_router
from backend.writes import ChainWriter

log = logging.getLogger("tiercredit.api")

_PDF_UPLOAD = re.compile("^" + PDF_PATH.replace("{document_id}", r"\d+") + "$")
API_DESCRIPTION = """Supply-chain finance on an EVM chain: tiered credit vouchers backed by
confirmed invoices. Every error is RFC 9457 problem details (`application/problem+json`, schema
`Problem`): `type`, `title`, `status`, `detail`, the error's name as `error` and its values as
`args`; a contract revert is named after the contract's custom error, with its arguments. Writes
accept an `Idempotency-Key` header."""


def create_app(settings: Settings | None = None, *, chain: Any = None) -> FastAPI:
    """Builds the app. `chain` (a `backend.chain.client.Chain`) is connected from the settings'
    RPC URL on first use when not given; without either, chain-backed routes answer 503."""
    settings = settings or get_settings()
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        run_migrations(settings.database_url)
        log.info("started", extra={"environment": settings.environment})
        if settings.relayer_private_key and (settings.rpc_url or chain is not None):
            # Requests a dead process left unfinished are taken over from the start.
            app.state.relayer.start()
        yield
        app.state.relayer.stop()

    app = FastAPI(
        title="TierCredit",
        version="0.1.0",
        description=API_DESCRIPTION,
        lifespan=lifespan,
        # Served from npm packages by install_docs, not from a CDN.
        docs_url=None,
        redoc_url=None,
    )
    registry = _metrics_registry()
    app.state.settings = settings
    app.state.session_factory = session_factory(settings.database_url)
    app.state.keystore = Keystore(
        settings.keystore_dir,
        settings.keystore_password,
        kdf=settings.keystore_kdf,
        iterations=settings.keystore_kdf_iterations,
    )
    app.state.chain_provider = _chain_provider(settings, chain)
    app.state.anchor_lookup_provider = lambda: documents_service.chain_anchor_lookup(
        app.state.chain_provider()
    )
    app.state.relayer = Relayer(
        app.state.chain_provider,
        app.state.session_factory,
        app.state.keystore,
        settings,
        metrics=WriteMetrics(registry),
    )
    app.state.chain_writer = ChainWriter(
        app.state.chain_provider,
        app.state.session_factory,
        app.state.keystore,
        settings,
        app.state.relayer,
    )
    app.state.onboard_on_chain_factory = _onboarding_via_chain(app)

    def body_limit(method: str, path: str) -> int:
        if method == "PUT" and _PDF_UPLOAD.match(path):
            return settings.max_pdf_bytes
        return settings.max_request_bytes

    # Added last runs first: the request id wraps everything, including a 413 from the limit;
    # the error boundary sits right around the routes and the read cache.
    app.add_middleware(
        ReadCacheMiddleware,
        routes=cached_routes(reads_router.routes),
        engine=lambda: engine_for(settings.database_url),
        pepper=settings.api_key_pepper,
        max_entries=settings.read_cache_entries,
        registry=registry,
    )
    app.add_middleware(ServerErrorBoundary)
    app.add_middleware(StrictJsonMiddleware, max_depth=settings.max_json_depth)
    app.add_middleware(BodyLimitMiddleware, limit_for=body_limit)
    app.add_middleware(RequestContextMiddleware, metrics=HttpMetrics(registry))
    _install_error_handlers(app)
    app.include_router(members_router)
    app.include_router(documents_router)
    # Writes: each acts on chain as the authenticated member (backend/writes.py).
    app.include_router(invoices_router)
    app.include_router(certificates_router)
    app.include_router(credits_router)
    app.include_router(cash_router)
    app.include_router(financing_router)
    app.include_router(settlement_router)
    app.include_router(platform_router)
    app.include_router(requests_router)
    app.include_router(reads_router)
    _install_operations_routes(app, registry)
    # The web portal at `/`: static files over the same public API.
    install_portal(app)
    install_openapi(app)
    install_docs(app)
    return app


def _metrics_registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        # Several workers: each writes its samples to the shared directory; /metrics sums them.
        multiprocess.MultiProcessCollector(registry)
    return registry


def _chain_provider(settings: Settings, chain: Any) -> Callable[[], Any]:
    connected: list[Any] = [chain] if chain is not None else []

    def provide() -> Any:
        if connected:
            return connected[0]
        if not settings.rpc_url:
            raise Unavailable(
                "ChainNotConfigured", "no RPC URL is configured", retry_after_seconds=30
            )
        # Imported here: web3 loads only when a chain is actually used.
        from backend.chain.client import Chain

        connected.append(Chain.from_settings(settings))
        return connected[0]

    return provide


def _onboarding_via_chain(app: FastAPI) -> Callable[[Member], members_service.OnboardOnChain]:
    """Onboarding is the acting operator's forward request, relayed like any other write."""

    def for_operator(operator: Member) -> members_service.OnboardOnChain:
        def onboard(address: str, kyc_hash: bytes, roles: Sequence[str]) -> str:
            from backend.chain import consortium

            writer: ChainWriter = app.state.chain_writer
            actor = writer.authorize(operator, "OPERATOR")
            outcome = writer.send(actor, consortium.onboard(address, kyc_hash, roles))
            return outcome.tx_hash

        return onboard

    return for_operator


def _install_error_handlers(app: FastAPI) -> None:
    def render(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DomainError)  # registered for DomainError only
        status, body, headers = error_response(exc)
        if status >= 500:
            log.error("request failed", extra={"error": body["error"]}, exc_info=exc)
        return JSONResponse(
            body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE
        )

    # The chain's errors are domain errors (backend.chain.errors.ChainError).
    app.add_exception_handler(DomainError, render)

    def database_down(request: Request, exc: Exception) -> JSONResponse:
        # The database restarting or out of reach: a named 503 to retry, never a 500.
        down = Unavailable(
            "DatabaseUnavailable", "the database is unreachable", retry_after_seconds=2
        )
        log.warning("database unavailable", extra={"error": str(exc).splitlines()[0]})
        return render(request, down)

    app.add_exception_handler(OperationalError, database_down)

    async def validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        named = _named_validation_error(exc)
        if named is None:
            errors = [
                {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
                for e in exc.errors()
            ]
            named = problem(
                "RequestValidationError",
                422,
                "the request does not match the schema",
                {"errors": errors},
            )
        return JSONResponse(named, status_code=422, media_type=PROBLEM_MEDIA_TYPE)

    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        body = problem(f"HTTP{exc.status_code}", exc.status_code, str(exc.detail))
        return JSONResponse(
            body, status_code=exc.status_code, headers=exc.headers, media_type=PROBLEM_MEDIA_TYPE
        )

    app.add_exception_handler(RequestValidationError, validation)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]


def _named_validation_error(exc: RequestValidationError) -> dict[str, Any] | None:
    """A validator that names its refusal (a PydanticCustomError whose type is an error name in
    CamelCase, pydantic's own being snake_case) is answered as that named error."""
    for error in exc.errors():
        name = str(error.get("type", ""))
        if name[:1].isupper():
            return problem(
                name,
                422,
                str(error.get("msg", "")),
                dict(error.get("ctx") or {}),
                {"loc": list(error.get("loc", ()))},
            )
    return None


def _install_operations_routes(app: FastAPI, registry: CollectorRegistry) -> None:
    @app.get("/health", tags=["operations"])
    def health(request: Request) -> JSONResponse:
        """200 when the database and the chain answer; 200 `degraded` when only the chain is down
        (reads still work); 503 when the database is down."""
        database_up = _database_up(request.app.state.session_factory)
        chain_state = _chain_state(request.app.state.chain_provider)
        if not database_up:
            status, code = "unavailable", 503
        elif chain_state != "up":
            status, code = "degraded", 200
        else:
            status, code = "ok", 200
        body = {"status": status, "database": "up" if database_up else "down", "chain": chain_state}
        return JSONResponse(
            body, status_code=code, headers={"Retry-After": "5"} if code == 503 else None
        )

    relayer_balance = Gauge(
        "tiercredit_relayer_balance_wei",
        "Balance of the relayer that pays members' gas (read at each scrape)",
        registry=registry,
        multiprocess_mode="liveall",
    )

    indexer_gauges = _IndexerGauges(registry)

    @app.get("/metrics", tags=["operations"], response_class=Response)
    def metrics(request: Request) -> Response:
        """Prometheus metrics, where the settings serve them (TIERCREDIT_METRICS_ENABLED; by
        default not in production): 404 `MetricsDisabled` otherwise."""
        if not request.app.state.settings.metrics_served:
            raise NotFound(
                "MetricsDisabled",
                "metrics are not served here",
                {"setting": "TIERCREDIT_METRICS_ENABLED"},
            )
        try:
            relayer_balance.set(request.app.state.relayer.balance())
        except Exception:  # no relayer key or no chain: the gauge is left out of date
            log.debug("relayer balance unreadable", exc_info=True)
        indexer_gauges.update(request.app.state.session_factory, request.app.state.chain_provider)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


class _IndexerGauges:
    """The indexer runs in a process of its own: what it did is read from the database at each
    scrape (the same for every worker, so multiprocess mode keeps the maximum)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.quarantined = Gauge(
            "tiercredit_indexer_quarantined_events",
            "Events the indexer could not project, recorded and skipped",
            registry=registry,
            multiprocess_mode="max",
        )
        self.block = Gauge(
            "tiercredit_indexer_block",
            "The last block the indexer took in",
            registry=registry,
            multiprocess_mode="max",
        )
        self.lag = Gauge(
            "tiercredit_indexer_lag_blocks",
            "Blocks between the chain's head and the indexer's cursor",
            registry=registry,
            multiprocess_mode="max",
        )
        self.lag_seconds = Gauge(
            "tiercredit_indexer_lag_seconds",
            "Seconds between the chain head's timestamp and the indexer's last block's",
            registry=registry,
            multiprocess_mode="max",
        )
        self.pending = Gauge(
            "tiercredit_pending_write_requests",
            "Write requests not finished yet, by status",
            ("status",),
            registry=registry,
            multiprocess_mode="max",
        )

    def update(self, factory: Any, chain_provider: Callable[[], Any]) -> None:
        head = _chain_head_block(chain_provider)
        try:
            with factory() as session:
                status = reads_service.indexer_status(session, None if head is None else head[0])
                by_status = dict(
                    session.execute(
                        select(WriteRequest.status, func.count())
                        .where(WriteRequest.status.in_(PENDING))
                        .group_by(WriteRequest.status)
                    ).all()
                )
        except Exception:  # the database is down: /health says so; the gauges stay as they were
            log.debug("indexer status unreadable", exc_info=True)
            return
        self.quarantined.set(status.quarantined_count)
        if status.block_number is not None:
            self.block.set(status.block_number)
        if status.lag_blocks is not None:
            self.lag.set(status.lag_blocks)
        if head is not None and status.block_timestamp is not None:
            self.lag_seconds.set(max(0, head[1] - status.block_timestamp))
        for name in PENDING:
            self.pending.labels(name).set(by_status.get(name, 0))


def _chain_head_block(provider: Callable[[], Any]) -> tuple[int, int] | None:
    """The chain's latest block (number, timestamp), or None when no chain answers."""
    try:
        block = provider().w3.eth.get_block("latest")
        return int(block["number"]), int(block["timestamp"])
    except Exception:  # no chain configured or down: the lag is unknown
        log.debug("chain head unreadable", exc_info=True)
        return None


def _database_up(factory: Any) -> bool:
    try:
        with factory() as session:
            session.execute(text("SELECT 1"))
        return True
    except Exception:  # any failure to answer means down
        log.warning("database health check failed", exc_info=True)
        return False


def _chain_state(provider: Callable[[], Any]) -> str:
    try:
        chain = provider()
    except Unavailable:
        return "not_configured"
    except Exception:
        log.warning("chain connection failed", exc_info=True)
        return "down"
    return "up" if chain.is_up() else "down"
