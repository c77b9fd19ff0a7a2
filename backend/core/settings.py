"""Settings from the environment (prefix TIERCREDIT_); placeholder secrets refused in production."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# The npm packages `make setup` installs (package.json); the app serves some of them as they are.
NODE_MODULES = PROJECT_ROOT / "node_modules"
PLACEHOLDER_SECRET = "change-me"


class Settings(BaseSettings):
    """Where the chain, the deployment, the database and the keys are."""

    model_config = SettingsConfigDict(env_prefix="TIERCREDIT_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    # Empty: `tiercredit up` starts a local Anvil and fills this in.
    rpc_url: str = ""
    chain_id: int | None = None
    deployment_manifest: Path = PROJECT_ROOT / "deployments" / "local.json"
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'tiercredit.db'}"
    keystore_dir: Path = PROJECT_ROOT / "var" / "keystore"
    keystore_password: str = PLACEHOLDER_SECRET
    # Key derivation of new keystore files; None keeps eth-account's default (scrypt, n=2**18).
    keystore_kdf: Literal["scrypt", "pbkdf2"] = "scrypt"
    keystore_kdf_iterations: int | None = None
    api_key_pepper: str = PLACEHOLDER_SECRET
    confirmations: int = 0
    # Gas price strategy: None lets the node suggest (EIP-1559 where available).
    max_fee_per_gas_gwei: float | None = None
    receipt_timeout_seconds: float = 120.0
    indexer_batch_blocks: int = 2_000
    indexer_poll_seconds: float = 0.5
    # What a Sign-In with Ethereum message must name: the site's domain (EIP-4361's authority,
    # host[:port]) and its URI (the message's URI must be this one or a path under it).
    siwe_domain: str = "localhost"
    siwe_uri: str = "http://localhost"
    siwe_nonce_ttl_seconds: int = 600
    # Nonces handed out per client IP and per named account within the window; more answer
    # 429 SiweNonceRateLimited with Retry-After.
    siwe_nonce_limit_per_client: int = Field(default=30, ge=1)
    siwe_nonce_limit_per_account: int = Field(default=5, ge=1)
    siwe_nonce_limit_window_seconds: int = Field(default=60, ge=1)
    # A SIWE sign-in yields an API key that lives this long.
    session_key_ttl_seconds: int = 12 * 3600
    # Limits on what clients send: a document's canonical JSON, a PDF, any other request body.
    max_document_bytes: int = 256 * 1024
    max_pdf_bytes: int = 5 * 1024 * 1024
    max_request_bytes: int = 512 * 1024
    # How deep a JSON request body may nest (objects and arrays); documents need a handful.
    max_json_depth: int = Field(default=32, ge=1, le=256)
    log_level: str = "INFO"
    # GET /metrics (Prometheus): unset, it is served in development and test and not in
    # production, where it would tell anyone the platform's volumes; true or false decides.
    metrics_enabled: bool | None = None
    # The operator-funded account that sends members' forward requests and pays their gas.
    relayer_private_key: str = ""
    # Read answers each API process keeps per API key and resource until the read models change
    # (backend/reads/cache.py); 0 turns the cache off.
    read_cache_entries: int = Field(default=10_000, ge=0)
    # Group commit: requests arriving within this window (and at most this many) share one
    # executeBatch; batches in flight at once per API process.
    batch_window_ms: float = 5.0
    batch_max_requests: int = Field(default=32, ge=1, le=256)
    relay_batches_in_flight: int = Field(default=4, ge=1, le=64)
    # How long a forward request signed by the keystore stays valid.
    forward_request_ttl_seconds: int = 3600
    # A request whose owning process stops renewing its lease for this long is taken over by
    # another process's recovery.
    request_lease_seconds: float = 15.0
    # How long a write waiting for a checker's approval stays approvable.
    approval_ttl_seconds: int = 24 * 3600
    # Test instrumentation of crash safety: the relayer stops at this point and waits to be
    # killed (before_send, after_send, after_receipt), announcing it with a file in fault_dir.
    fault_pause_at: str = ""
    fault_dir: str = ""
    # Development only (`up` sets it): the portal's sign-in page offers the members of this
    # demo members file (GET /dev/demo-members). Ignored in any other environment.
    demo_members_file: Path | None = None

    @property
    def metrics_served(self) -> bool:
        if self.metrics_enabled is None:
            return self.environment != "production"
        return self.metrics_enabled

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> "Settings":
        if self.environment != "development":
            for name in ("keystore_password", "api_key_pepper"):
                if getattr(self, name) == PLACEHOLDER_SECRET:
                    raise ValueError(
                        f"TIERCREDIT_{name.upper()} must be set to a real secret "
                        "outside development"
                    )
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
