"""The `tiercredit` command line: a local platform in one command, the demo story, operations.

`up` starts (or attaches to) a chain, deploys, migrates, seeds the demo consortium, and runs the
API and the indexer until Ctrl-C; `demo` plays the story against it through the API only.
`node`, `deploy`, `serve`, `index` and `status` are the pieces, for running them separately.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from backend.core.settings import PROJECT_ROOT, Settings

app = typer.Typer(
    name="tiercredit",
    help="TierCredit: tiered supply-chain credit vouchers on an EVM chain.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(highlight=False)

DEFAULT_STATE_DIR = PROJECT_ROOT / "var"
MEMBERS_FILE = "demo-members.json"
API_READY_TIMEOUT_SECONDS = 90.0
DEFAULT_FUND_ETHER = 100
RELAYER_KEY_FILE = "relayer.key"
INDEXER_LAG_TOLERANCE_BLOCKS = 5


class NodeKind(StrEnum):
    anvil = "anvil"
    ganache = "ganache"


class CliFailure(Exception):
    """A failure the user can act on: what went wrong, and what to do next."""

    def __init__(self, problem: str, next_step: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.next_step = next_step


def fail(problem: str, next_step: str) -> NoReturn:
    raise CliFailure(problem, next_step)


@contextmanager
def explained_failures() -> Iterator[None]:
    """Prints a known failure as 'error' plus 'next', and exits 1, instead of a traceback."""
    import httpx

    from backend.chain.compiler import CompilerError
    from backend.chain.errors import ChainUnavailable, ContractRevert
    from backend.chain.manifest import ManifestError
    from backend.chain.node import NodeStartError
    from backend.core.errors import DomainError
    from backend.demo.cast import DemoRunMissing
    from backend.demo.seed import OnboardingFailed
    from backend.demo.stack import ChildExited

    advice: list[tuple[type[BaseException], str]] = [
        (
            NodeStartError,
            "run `make setup` (it installs Anvil and Ganache with npm), or pick a free --node-port",
        ),
        (CompilerError, "fix the Solidity error above, or run `make setup` if solc is missing"),
        (ManifestError, "deploy again: `tiercredit deploy --force` (or `tiercredit up`)"),
        (ChainUnavailable, "start a node (`tiercredit node`) or check TIERCREDIT_RPC_URL"),
        (ContractRevert, "the contract refused the call; the error name and values say why"),
        (
            DemoRunMissing,
            "start the platform first: `make up` or `tiercredit up` in another terminal",
        ),
        (ChildExited, "read the end of that log, fix the cause, then run `tiercredit up` again"),
        (
            httpx.TransportError,
            "the API stopped answering: read its log (var/logs/api.log under `up`)",
        ),
        (TimeoutError, "the service is slow or stuck: read its log under the state directory"),
        (
            OnboardingFailed,
            "the API refused the demo members: read var/logs/api.log; a database left from "
            "another chain is the usual cause (unset TIERCREDIT_DATABASE_URL or empty it)",
        ),
        (
            DomainError,
            "if it says MemberAddressTaken, the database holds members of another deployment: "
            "point TIERCREDIT_DATABASE_URL at an empty database, or remove the state directory",
        ),
    ]
    try:
        yield
    except CliFailure as exc:
        _report(exc.problem, exc.next_step)
        raise typer.Exit(1) from None
    except tuple(kind for kind, _ in advice) as exc:
        next_step = next(text for kind, text in advice if isinstance(exc, kind))
        _report(f"{type(exc).__name__}: {exc}", next_step)
        raise typer.Exit(1) from None


def _report(problem: str, next_step: str) -> None:
    console.print(f"[bold red]error:[/] {problem}")
    console.print(f"[bold]next:[/] {next_step}")


def _settings(**overrides: Any) -> Settings:
    """Settings from the environment, with the command line's values on top."""
    return Settings(**{key: value for key, value in overrides.items() if value is not None})


# --- node -----------------------------------------------------------------------------------------


@app.command()
def node(
    kind: Annotated[NodeKind, typer.Argument(help="anvil (default) or ganache")] = NodeKind.anvil,
    port: Annotated[int, typer.Option(help="JSON-RPC port")] = 8545,
    chain_id: Annotated[
        int | None, typer.Option(help="chain id (node's default if omitted)")
    ] = None,
    block_time: Annotated[
        int | None, typer.Option(help="mine every N seconds instead of on each transaction")
    ] = None,
) -> None:
    """Runs a local development chain (EVM shanghai) in the foreground until Ctrl-C."""
    from backend.chain.node import NodeStartError, start_node
    from backend.demo.stack import interrupt_on_stop_signals, interrupts_deferred

    interrupt_on_stop_signals()
    local = None
    with explained_failures():
        try:
            with console.status(f"Starting {kind.value} on port {port}…"), interrupts_deferred():
                local = start_node(kind.value, port=port, chain_id=chain_id, block_time=block_time)
            _print_node(local)
            while local.is_running():
                time.sleep(0.5)
            raise NodeStartError(f"{kind.value} exited on its own")
        except KeyboardInterrupt:
            console.print(f"Stopping {kind.value}…")
        finally:
            if local is not None:
                local.stop()


def _print_node(local: Any) -> None:
    console.print(f"[green]✓[/] {local.kind} on [bold]{local.url}[/] (chain id {local.chain_id})")
    table = Table(
        title="Funded development accounts (public test mnemonic: never use on a real chain)"
    )
    table.add_column("#", justify="right")
    table.add_column("address")
    table.add_column("private key")
    for index, account in enumerate(local.accounts[:5]):
        table.add_row(str(index), account.address, "0x" + account.key.hex().removeprefix("0x"))
    console.print(table)
    console.print(f"Use it: [bold]export TIERCREDIT_RPC_URL={local.url}[/]   Stop: Ctrl-C")


# --- deploy ---------------------------------------------------------------------------------------


@app.command()
def deploy(
    rpc_url: Annotated[
        str | None, typer.Option(envvar="TIERCREDIT_RPC_URL", help="the chain's JSON-RPC URL")
    ] = None,
    deployer_key: Annotated[
        str | None,
        typer.Option(
            envvar="TIERCREDIT_DEPLOYER_KEY",
            help="private key of the deployer, who becomes the operator "
            "(default: the development mnemonic's first account)",
        ),
    ] = None,
    manifest: Annotated[
        Path | None,
        typer.Option(envvar="TIERCREDIT_DEPLOYMENT_MANIFEST", help="where to write the manifest"),
    ] = None,
    force: Annotated[bool, typer.Option(help="replace a manifest of another chain")] = False,
) -> None:
    """Compiles if the sources changed, deploys and wires the contracts, writes the manifest."""
    with explained_failures():
        settings = _settings(rpc_url=rpc_url, deployment_manifest=manifest)
        if not settings.rpc_url:
            fail(
                "no RPC URL",
                "pass --rpc-url or set TIERCREDIT_RPC_URL (or start one: `tiercredit node`)",
            )
        _compile()
        deployed = _deploy(settings, _deployer(deployer_key), force=force)
        _print_contracts(deployed, settings.deployment_manifest)


def _deployer(private_key: str | None) -> Any:
    from eth_account import Account

    from backend.chain.node import dev_accounts

    return Account.from_key(private_key) if private_key else dev_accounts(1)[0]


def _compile() -> None:
    from backend.chain.compiler import compile_contracts

    with console.status("Compiling the contracts if a source changed…"):
        result = compile_contracts()
    state = "compiled" if result.compiled else "up to date"
    console.print(f"[green]✓[/] contracts {state} (solc {result.compiler_version})")


def _deploy(settings: Settings, deployer: Any, *, force: bool) -> Any:
    from backend.chain.connection import connect
    from backend.chain.deploy import deploy_platform
    from backend.chain.manifest import ensure_replaceable, write_manifest
    from backend.chain.sender import node_errors

    w3 = connect(settings.rpc_url)
    with node_errors():
        chain_id = w3.eth.chain_id
    ensure_replaceable(settings.deployment_manifest, chain_id, force=force)
    with console.status(f"Deploying the platform on chain {chain_id}…"), node_errors():
        deployed = deploy_platform(w3, deployer, receipt_timeout=settings.receipt_timeout_seconds)
    write_manifest(settings.deployment_manifest, deployed, force=force)
    console.print(
        f"[green]✓[/] deployed on chain {deployed.chain_id} at block {deployed.deployment_block}"
        f" by {deployed.deployer}"
    )
    return deployed


def _print_contracts(deployed: Any, path: Path) -> None:
    table = Table(title=f"Contracts (manifest {path})")
    table.add_column("contract")
    table.add_column("address")
    for name, address in deployed.contracts.items():
        table.add_row(name, address)
    console.print(table)


# --- serve and index ------------------------------------------------------------------------------


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="HTTP port")] = 8000,
    workers: Annotated[
        int, typer.Option(help="worker processes (nonces are safe across them)")
    ] = 1,
) -> None:
    """Serves the HTTP API (uvicorn); settings come from TIERCREDIT_* variables."""
    import uvicorn

    from backend.core.serving import KEEP_ALIVE_SECONDS, NoDelayHTTPProtocol

    uvicorn.run(
        "backend.api:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http=NoDelayHTTPProtocol,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        log_level="warning",
        # The app writes structured JSON logs of its own; uvicorn's access log would repeat them.
        access_log=False,
    )


@app.command()
def index() -> None:
    """Follows the contracts' events into the read models until stopped (one per database)."""
    import signal
    import threading

    from backend.core.logging import configure_logging
    from backend.indexer.follower import IndexerAlreadyRunning, run_indexer

    settings = _settings()
    configure_logging(settings.log_level)
    stop = threading.Event()
    # SIGTERM (how `up` stops it) and Ctrl-C both finish the current batch, then stop.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda _signum, _frame: stop.set())
    with explained_failures():
        try:
            run_indexer(settings, stop)
        except IndexerAlreadyRunning as exc:
            fail(str(exc), "one indexer per database: stop the other one, or use another database")


@app.command()
def reindex(
    database_url: Annotated[
        str, typer.Option(help="an empty database: migrated, then indexed from the deployment")
    ],
    to_block: Annotated[
        int | None,
        typer.Option(help="index no further than this block (default: head - confirmations)"),
    ] = None,
) -> None:
    """Indexes the chain afresh into an empty database, to compare with the live read models."""
    from sqlalchemy import select

    from backend.chain.client import Chain
    from backend.core.database import session_factory
    from backend.core.migrate import run_migrations
    from backend.indexer.follower import Follower, IndexerLock
    from backend.readmodels.models import IndexerCursor

    with explained_failures():
        settings = _settings(database_url=database_url)
        run_migrations(database_url)
        factory = session_factory(database_url)
        with factory() as session:
            if session.scalars(select(IndexerCursor.name)).first() is not None:
                fail(
                    f"{_shown_url(database_url)} has been indexed before",
                    "reindex into an empty database (create a new one)",
                )
        follower = Follower(
            Chain.from_settings(settings),
            factory,
            batch_blocks=settings.indexer_batch_blocks,
            confirmations=settings.confirmations,
        )
        with IndexerLock(factory.kw["bind"]).held():
            applied = follower.index_once(until=to_block)
        console.print(
            f"[green]✓[/] reindexed {applied} events up to block {follower.cursor_block()} "
            f"into {_shown_url(database_url)}"
        )


# --- up -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UpPaths:
    """Where `up` keeps its state; each path is the environment's when it names one."""

    state_dir: Path
    database_url: str
    keystore_dir: Path
    manifest: Path
    members_file: Path
    logs: Path
    defaults: frozenset[str]

    @classmethod
    def resolve(cls, state_dir: Path, settings: Settings) -> UpPaths:
        state_dir = state_dir.resolve()
        chosen = settings.model_fields_set
        defaults = frozenset(
            name
            for name in ("database_url", "keystore_dir", "deployment_manifest")
            if name not in chosen
        )
        return cls(
            state_dir=state_dir,
            database_url=(
                f"sqlite:///{state_dir / 'tiercredit.db'}"
                if "database_url" in defaults
                else settings.database_url
            ),
            keystore_dir=state_dir / "keystore"
            if "keystore_dir" in defaults
            else settings.keystore_dir,
            manifest=(
                state_dir / "deployment.json"
                if "deployment_manifest" in defaults
                else settings.deployment_manifest
            ),
            members_file=state_dir / MEMBERS_FILE,
            logs=state_dir / "logs",
            defaults=defaults,
        )

    def forget_previous_chain(self) -> None:
        """A new local chain makes the last run's deployment, members and keys meaningless;
        only the files `up` itself placed in the state directory are removed."""
        self.members_file.unlink(missing_ok=True)
        if "deployment_manifest" in self.defaults:
            self.manifest.unlink(missing_ok=True)
        if "database_url" in self.defaults:
            for suffix in ("", "-wal", "-shm"):
                (self.state_dir / f"tiercredit.db{suffix}").unlink(missing_ok=True)
        if "keystore_dir" in self.defaults and self.keystore_dir.is_dir():
            for key_file in self.keystore_dir.glob("*.json"):
                key_file.unlink()


@app.command()
def up(
    rpc_url: Annotated[
        str | None,
        typer.Option(
            envvar="TIERCREDIT_RPC_URL",
            help="attach to this chain instead of starting a local node",
        ),
    ] = None,
    node_kind: Annotated[
        NodeKind, typer.Option("--node", help="the local node to start")
    ] = NodeKind.anvil,
    node_port: Annotated[int, typer.Option(help="JSON-RPC port of the local node")] = 8545,
    chain_id: Annotated[
        int | None, typer.Option(envvar="TIERCREDIT_CHAIN_ID", help="chain id of the local node")
    ] = None,
    api_host: Annotated[str, typer.Option(help="interface the API listens on")] = "127.0.0.1",
    api_port: Annotated[int, typer.Option(help="HTTP port of the API")] = 8000,
    state_dir: Annotated[
        Path,
        typer.Option(
            envvar="TIERCREDIT_STATE_DIR", help="database, keystore, manifest, members file, logs"
        ),
    ] = DEFAULT_STATE_DIR,
    deployer_key: Annotated[
        str | None,
        typer.Option(
            envvar="TIERCREDIT_DEPLOYER_KEY",
            help="deployer and operator key when attaching "
            "(default: the development mnemonic's first account)",
        ),
    ] = None,
    fund_ether: Annotated[
        int,
        typer.Option(
            help="ether sent to the relayer, which pays every member's gas (0: a gas-free chain)"
        ),
    ] = DEFAULT_FUND_ETHER,
    demo: Annotated[
        bool, typer.Option("--demo", help="play the demo story once the platform is up")
    ] = False,
) -> None:
    """Runs the whole platform locally: chain, contracts, database, demo members, API, indexer.

    Ctrl-C stops what this command started (node, API, indexer) and nothing else.
    """
    from backend.demo.stack import ignore_stop_signals, interrupt_on_stop_signals

    interrupt_on_stop_signals()
    platform = LocalPlatform()
    try:
        with explained_failures():
            settings = _settings(rpc_url=rpc_url, chain_id=chain_id)
            paths = UpPaths.resolve(state_dir, settings)
            platform.start(
                settings,
                paths,
                node_kind=node_kind.value,
                node_port=node_port,
                api_host=api_host,
                api_port=api_port,
                deployer_key=deployer_key,
                fund_ether=fund_ether,
            )
            if demo:
                try:
                    _play_story(paths.members_file)
                except CliFailure as exc:
                    # The platform stays up: the failed step can be looked into and retried.
                    _report(exc.problem, exc.next_step)
            console.print(
                "[bold]Running.[/] Press [bold]Ctrl-C[/] to stop the "
                + ", ".join(platform.started_names())
                + " started by this command (nothing else is touched)."
            )
            platform.watch()
    except KeyboardInterrupt:
        console.print("\nStopping…")
    finally:
        ignore_stop_signals()
        stopped = platform.stop()
        if stopped:
            console.print(f"[green]✓[/] stopped {', '.join(stopped)}")


class LocalPlatform:
    """The node, API and indexer `up` started, stopped in reverse order."""

    def __init__(self) -> None:
        self.node: Any = None
        self.children: list[Any] = []

    def started_names(self) -> list[str]:
        names = [child.name for child in self.children]
        return ([self.node.kind] if self.node is not None else []) + names

    def start(
        self,
        settings: Settings,
        paths: UpPaths,
        *,
        node_kind: str,
        node_port: int,
        api_host: str,
        api_port: int,
        deployer_key: str | None,
        fund_ether: int,
    ) -> None:
        from backend.chain.node import start_node
        from backend.core.migrate import run_migrations
        from backend.demo.stack import (
            cli_command,
            interrupts_deferred,
            port_in_use,
            spawn,
            wait_for_http,
        )

        if port_in_use(api_host, api_port):
            fail(
                f"port {api_port} is in use",
                "pass --api-port with a free port, or stop what uses it",
            )
        if not settings.rpc_url and port_in_use("127.0.0.1", node_port):
            fail(
                f"port {node_port} is in use (another node?)",
                f"attach to it with --rpc-url http://127.0.0.1:{node_port}, "
                "or pass --node-port with a free port",
            )
        paths.state_dir.mkdir(parents=True, exist_ok=True)
        paths.logs.mkdir(parents=True, exist_ok=True)
        if settings.rpc_url:
            rpc_url = settings.rpc_url
            deployer = _deployer(deployer_key)
            funder = deployer
            console.print(f"[green]✓[/] attached to {rpc_url}")
        else:
            with (
                console.status(f"Starting {node_kind} on port {node_port}…"),
                interrupts_deferred(),
            ):
                self.node = start_node(
                    node_kind,  # type: ignore[arg-type]
                    port=node_port,
                    chain_id=settings.chain_id,
                    log_path=paths.logs / f"{node_kind}.log",
                )
            rpc_url = self.node.url
            deployer = self.node.accounts[0]
            # Not the deployer: the operator's nonces stay the API's alone.
            funder = self.node.accounts[-1]
            console.print(
                f"[green]✓[/] {node_kind} on {rpc_url} "
                f"(chain id {self.node.chain_id}, pid {self.node.process.pid})"
            )
        run_settings = _settings(
            rpc_url=rpc_url,
            chain_id=settings.chain_id,
            database_url=paths.database_url,
            keystore_dir=paths.keystore_dir,
            deployment_manifest=paths.manifest,
        )
        manifest = self._deployment(run_settings, paths, deployer)
        run_settings = _settings(
            **{
                **run_settings.model_dump(),
                "chain_id": manifest.chain_id,
                "relayer_private_key": _relayer_key(paths.state_dir / RELAYER_KEY_FILE),
            }
        )
        with console.status("Migrating the database…"):
            run_migrations(run_settings.database_url)
        console.print(f"[green]✓[/] database migrated ({_shown_url(run_settings.database_url)})")
        if fund_ether > 0:
            _fund_relayer(run_settings, funder, fund_ether)

        env = {**os.environ, **_settings_env(run_settings)}
        if run_settings.environment == "development":
            # The portal's sign-in page offers the demo members (GET /dev/demo-members).
            env["TIERCREDIT_DEMO_MEMBERS_FILE"] = str(paths.members_file)
        api_url = f"http://{api_host}:{api_port}"
        # Sign-In with Ethereum messages name the site the member signs in to: the portal here,
        # unless the environment names the site a proxy serves it under.
        env.setdefault("TIERCREDIT_SIWE_DOMAIN", f"{api_host}:{api_port}")
        env.setdefault("TIERCREDIT_SIWE_URI", api_url)
        with console.status(f"Starting the API on {api_url}…"):
            api = spawn(
                "API",
                cli_command("serve", "--host", api_host, "--port", str(api_port)),
                env,
                paths.logs / "api.log",
            )
            self.children.append(api)
            wait_for_http(f"{api_url}/health", api, API_READY_TIMEOUT_SECONDS)
        console.print(f"[green]✓[/] API on {api_url} (pid {api.pid}, log {api.log_path})")
        indexer = spawn("indexer", cli_command("index"), env, paths.logs / "indexer.log")
        self.children.append(indexer)
        console.print(
            f"[green]✓[/] indexer following the contracts "
            f"(pid {indexer.pid}, log {indexer.log_path})"
        )

        run = _seed(run_settings, paths, manifest, api_url, deployer)
        _print_ready(run, paths, self.started_names())

    def _deployment(self, settings: Settings, paths: UpPaths, deployer: Any) -> Any:
        """Reuses a manifest whose contracts are live on this chain; otherwise deploys afresh,
        and what `up` kept of an earlier deployment (members, keys, database) goes with it."""
        from backend.chain.client import Chain
        from backend.chain.errors import ChainError
        from backend.chain.manifest import ManifestError, read_manifest

        _compile()
        if self.node is None and paths.manifest.is_file():
            try:
                existing = read_manifest(paths.manifest)
                Chain(settings.rpc_url, existing).verify()
            except (ManifestError, ChainError) as exc:
                console.print(f"[yellow]![/] not reusing {paths.manifest}: {exc}")
            else:
                console.print(f"[green]✓[/] reusing the deployment of {paths.manifest}")
                return existing
        paths.forget_previous_chain()
        # A manifest `up` keeps in its own state directory may be replaced; one the user named
        # may not.
        return _deploy(settings, deployer, force="deployment_manifest" in paths.defaults)

    def watch(self) -> None:
        """Returns never; restarts the API or the indexer when it exits (with a backoff), and
        raises NodeStartError if the node stops: its chain is gone with it."""
        from backend.chain.node import NodeStartError
        from backend.demo.stack import Supervisor

        supervisor = Supervisor(self.children, lambda line: console.print(f"[yellow]![/] {line}"))
        while True:
            supervisor.check()
            if self.node is not None and not self.node.is_running():
                raise NodeStartError(f"{self.node.kind} exited; see {self.node.log_path}")
            time.sleep(0.5)

    def stop(self) -> list[str]:
        """Stops the indexer, then the API, then the node; returns what was stopped."""
        stopped: list[str] = []
        for child in reversed(self.children):
            child.stop()
            stopped.append(child.name)
        self.children.clear()
        if self.node is not None:
            self.node.stop()
            stopped.append(self.node.kind)
            self.node = None
        return stopped


def _settings_env(settings: Settings) -> dict[str, str]:
    """The settings the children must share with `up`, as TIERCREDIT_* variables."""
    return {
        "TIERCREDIT_RPC_URL": settings.rpc_url,
        "TIERCREDIT_CHAIN_ID": str(settings.chain_id),
        "TIERCREDIT_DATABASE_URL": settings.database_url,
        "TIERCREDIT_KEYSTORE_DIR": str(settings.keystore_dir),
        "TIERCREDIT_DEPLOYMENT_MANIFEST": str(settings.deployment_manifest),
        "TIERCREDIT_RELAYER_PRIVATE_KEY": settings.relayer_private_key,
    }


def _relayer_key(path: Path) -> str:
    """The local platform's relayer key, made once per state directory (owner-only file)."""
    if not path.is_file():
        from eth_account import Account

        path.write_text(Account.create().key.hex())
        path.chmod(0o600)
    return path.read_text().strip()


def _fund_relayer(settings: Settings, funder: Any, ether: int) -> None:
    """Tops the relayer up to `ether` on a local chain: it pays every member's gas."""
    from eth_account import Account

    from backend.chain.client import Chain
    from backend.chain.fees import fee_fields, price_per_gas
    from backend.demo.seed import fund_with_ether

    chain = Chain.from_settings(settings)
    relayer = Account.from_key(settings.relayer_private_key).address
    if price_per_gas(fee_fields(chain.w3)) == 0:
        console.print(f"[green]✓[/] relayer {relayer}: a gas-free chain, nothing to fund")
        return
    if chain.w3.eth.get_balance(relayer) >= ether * 10**18 // 2:
        return
    with console.status(f"Funding the relayer with {ether} ETH for members' gas…"):
        fund_with_ether(settings, chain, funder, [relayer], ether)
    console.print(f"[green]✓[/] relayer {relayer} funded with {ether} ETH (members hold none)")


def _shown_url(database_url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(database_url).render_as_string(hide_password=True)


def _seed(
    settings: Settings,
    paths: UpPaths,
    manifest: Any,
    api_url: str,
    deployer: Any,
) -> Any:
    """The demo members: reused if this deployment was seeded before, else onboarded now."""
    import httpx

    from backend.demo.cast import DemoRun, read_demo_run, write_demo_run
    from backend.demo.seed import onboard_members, register_operator

    if paths.members_file.is_file():
        previous = read_demo_run(paths.members_file)
        if previous.contracts == manifest.contracts and previous.chain_id == manifest.chain_id:
            console.print(f"[green]✓[/] demo members already onboarded ({paths.members_file})")
            run = DemoRun(**{**previous.__dict__, "api_url": api_url, "rpc_url": settings.rpc_url})
            write_demo_run(paths.members_file, run)
            return run
    with console.status("Registering the operator…"):
        operator = register_operator(settings, deployer)
    members = {operator.key: operator}
    with (
        console.status("Onboarding the demo members through the API…") as spinner,
        httpx.Client(base_url=api_url, timeout=settings.receipt_timeout_seconds + 30) as api,
    ):
        members |= onboard_members(
            api,
            operator.api_key,
            lambda role: spinner.update(f"Onboarding {role.name} ({role.part})…"),
        )
    console.print(
        f"[green]✓[/] onboarded {len(members) - 1} members (QualiCert Labs holds its own key, "
        "the others have custodial keys)"
    )
    run = DemoRun(
        api_url=api_url,
        rpc_url=settings.rpc_url,
        chain_id=manifest.chain_id,
        manifest_path=str(paths.manifest),
        database_url=settings.database_url,
        contracts=dict(manifest.contracts),
        members=members,
    )
    write_demo_run(paths.members_file, run)
    return run


def _print_ready(run: Any, paths: UpPaths, started: list[str]) -> None:
    table = Table(title="Demo members (API keys: send as `Authorization: Bearer <key>`)")
    table.add_column("member")
    table.add_column("part")
    # Folded, never truncated: these are what the reader copies.
    table.add_column("address", overflow="fold")
    table.add_column("API key", overflow="fold")
    for member in run.members.values():
        table.add_row(member.name, member.part, member.address, member.api_key)
    console.print(table)
    console.print(
        f"[bold]API[/]        {run.api_url}   "
        f"(docs: {run.api_url}/docs, health: {run.api_url}/health)"
    )
    console.print(f"[bold]Portal[/]     {run.api_url}/   (English and 简体中文)")
    console.print(f"[bold]Chain[/]      {run.rpc_url}   (chain id {run.chain_id})")
    console.print(f"[bold]Manifest[/]   {run.manifest_path}")
    console.print(f"[bold]Database[/]   {_shown_url(run.database_url)}")
    console.print(f"[bold]Members[/]    {paths.members_file}")
    console.print(f"[bold]Logs[/]       {paths.logs}")
    console.print(
        "[bold]Story[/]      in another terminal: [bold]tiercredit demo[/]   "
        "status: [bold]tiercredit status[/]"
    )


# --- demo -----------------------------------------------------------------------------------------


@app.command()
def demo(
    members_file: Annotated[
        Path, typer.Option(help="the members file a running `tiercredit up` wrote")
    ] = DEFAULT_STATE_DIR / MEMBERS_FILE,
) -> None:
    """Plays the demo story against a running `tiercredit up`, through its API only."""
    with explained_failures():
        _play_story(members_file)


def _play_story(members_file: Path) -> None:
    import httpx

    from backend.demo.cast import read_demo_run
    from backend.demo.story import Story, StoryStepFailed, render

    run = read_demo_run(members_file)
    console.print(f"Playing the TierCredit story against {run.api_url} (chain {run.chain_id})")
    try:
        with httpx.Client(base_url=run.api_url, timeout=300.0) as api:
            result = Story(run, api, console).play()
    except httpx.TransportError as exc:
        fail(
            f"the API at {run.api_url} does not answer ({exc})",
            "is `tiercredit up` still running? Start it again, then rerun `tiercredit demo`",
        )
    except OSError as exc:
        # The story reads and moves the local chain's clock at the node itself.
        fail(
            f"the chain at {run.rpc_url} does not answer ({exc})",
            "is `tiercredit up` still running? Start it again, then rerun `tiercredit demo`",
        )
    except StoryStepFailed as exc:
        fail(
            str(exc),
            f"see the API log under {members_file.parent / 'logs'}; "
            "`tiercredit status` checks each part",
        )
    console.rule("[bold]Lineage of the credit")
    console.print(render(result, run))
    console.print("[bold green]The story is complete:[/] every tier was paid from one voucher.")


# --- status ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    component: str
    ok: bool
    detail: str


@app.command()
def status(
    members_file: Annotated[
        Path | None,
        typer.Option(help="read the chain and database of a running `up` from this file"),
    ] = None,
) -> None:
    """Chain, contracts, database and indexer lag, as this configuration sees them."""
    settings = _status_settings(members_file or DEFAULT_STATE_DIR / MEMBERS_FILE)
    checks = _status_checks(settings)
    table = Table(title="TierCredit status")
    table.add_column("component")
    table.add_column("state")
    table.add_column("detail")
    for check in checks:
        table.add_row(
            check.component, "[green]ok[/]" if check.ok else "[red]failing[/]", check.detail
        )
    console.print(table)
    if not all(check.ok for check in checks):
        raise typer.Exit(1)


def _status_settings(members_file: Path) -> Settings:
    """Environment settings; where they name no RPC URL, those of the running `up`, if any."""
    from backend.demo.cast import read_demo_run

    settings = _settings()
    if settings.rpc_url or not members_file.is_file():
        return settings
    run = read_demo_run(members_file)
    relayer_key = members_file.parent / RELAYER_KEY_FILE
    return _settings(
        rpc_url=run.rpc_url,
        chain_id=run.chain_id,
        deployment_manifest=Path(run.manifest_path),
        database_url=run.database_url,
        relayer_private_key=relayer_key.read_text().strip() if relayer_key.is_file() else "",
    )


def _status_checks(settings: Settings) -> list[Check]:
    from backend.chain.manifest import ManifestError, read_manifest
    from backend.chain.node import rpc_request

    checks: list[Check] = []
    head: int | None = None
    if not settings.rpc_url:
        checks.append(
            Check("chain", False, "no RPC URL: set TIERCREDIT_RPC_URL or run `tiercredit up`")
        )
    else:
        try:
            chain_id = int(str(rpc_request(settings.rpc_url, "eth_chainId")), 16)
            head = int(str(rpc_request(settings.rpc_url, "eth_blockNumber")), 16)
            checks.append(
                Check("chain", True, f"{settings.rpc_url} chain {chain_id}, block {head}")
            )
        except (OSError, RuntimeError, ValueError) as exc:
            checks.append(Check("chain", False, f"{settings.rpc_url} does not answer ({exc})"))
    try:
        manifest = read_manifest(settings.deployment_manifest)
    except ManifestError as exc:
        checks.append(Check("contracts", False, str(exc)))
    else:
        checks.append(_contracts_check(settings, manifest, reachable=head is not None))
    if head is not None:
        checks.append(_relayer_check(settings))
    checks.extend(_database_checks(settings, head))
    return checks


def _relayer_check(settings: Settings) -> Check:
    """The relayer's balance: it pays every member's gas (none is needed at gas price 0)."""
    from eth_account import Account

    from backend.chain.node import rpc_request

    if not settings.relayer_private_key:
        return Check("relayer", False, "no relayer key: set TIERCREDIT_RELAYER_PRIVATE_KEY")
    address = Account.from_key(settings.relayer_private_key).address
    try:
        balance = int(str(rpc_request(settings.rpc_url, "eth_getBalance", [address, "latest"])), 16)
        price = int(str(rpc_request(settings.rpc_url, "eth_gasPrice")), 16)
    except (OSError, RuntimeError, ValueError) as exc:
        return Check("relayer", False, f"{address}: balance unreadable ({exc})")
    detail = f"{address} holds {balance / 10**18:.4f} ETH (gas price {price} wei)"
    return Check("relayer", balance > 0 or price == 0, detail)


def _contracts_check(settings: Settings, manifest: Any, *, reachable: bool) -> Check:
    from backend.chain.client import Chain
    from backend.chain.errors import ChainError
    from backend.chain.manifest import ManifestError

    where = (
        f"{len(manifest.contracts)} contracts on chain {manifest.chain_id} "
        f"from block {manifest.deployment_block}"
    )
    if not reachable:
        return Check("contracts", False, f"{where}; chain unreachable, not verified")
    try:
        Chain(settings.rpc_url, manifest, expected_chain_id=settings.chain_id).verify()
    except (ManifestError, ChainError) as exc:
        return Check("contracts", False, str(exc))
    return Check("contracts", True, f"{where}, code present")


def _database_checks(settings: Settings, head: int | None) -> list[Check]:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import select
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.orm import Session

    from backend.core.database import make_engine
    from backend.core.migrate import alembic_config
    from backend.indexer.follower import DEFAULT_CURSOR
    from backend.readmodels.models import IndexerCursor
    from backend.reads.service import indexer_status

    url = make_url(settings.database_url)
    shown_url = url.render_as_string(hide_password=True)
    # Connecting would create an empty SQLite file; a missing one is simply not there yet.
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).is_file():
        return [
            Check("database", False, f"{shown_url} does not exist: run `tiercredit up`"),
            Check("indexer", False, "no database"),
        ]
    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
            indexed = (
                connection.execute(
                    select(IndexerCursor.block_number).where(IndexerCursor.name == DEFAULT_CURSOR)
                ).scalar_one_or_none()
                if current is not None
                else None
            )
            with Session(connection) as session:
                quarantine = indexer_status(session, head) if indexed is not None else None
    except SQLAlchemyError as exc:
        return [
            Check("database", False, f"{shown_url}: {type(exc).__name__}"),
            Check("indexer", False, "no database"),
        ]
    finally:
        engine.dispose()
    heads = ScriptDirectory.from_config(alembic_config(settings.database_url)).get_heads()
    migrated = current in heads
    database = Check(
        "database",
        migrated,
        f"{shown_url}, migration {current or 'none'}"
        + (
            ""
            if migrated
            else f" (head is {', '.join(heads)}: `tiercredit up` or `serve` migrates)"
        ),
    )
    if indexed is None:
        return [database, Check("indexer", False, "never ran: start `tiercredit index`")]
    if head is None:
        return [database, Check("indexer", False, f"at block {indexed}; chain unreachable")]
    lag = head - indexed
    # The indexer stays `confirmations` blocks behind the head on purpose.
    healthy = lag <= settings.confirmations + INDEXER_LAG_TOLERANCE_BLOCKS
    indexer = Check("indexer", healthy, f"at block {indexed}, {lag} behind the head")
    return [database, indexer, _quarantine_check(quarantine)]


def _quarantine_check(status: Any) -> Check:
    """Events the indexer recorded and skipped: each needs an operator's look."""
    if status is None or status.quarantined_count == 0:
        return Check("quarantine", True, "no event quarantined")
    latest = status.quarantined[0]
    return Check(
        "quarantine",
        False,
        f"{status.quarantined_count} event(s) quarantined; latest {latest.contract}."
        f"{latest.event} at block {latest.block_number} (tx {latest.tx_hash}, log "
        f"{latest.log_index}): {latest.error}",
    )


if __name__ == "__main__":
    app()
