"""One error hierarchy: every error the API names is a DomainError rendered by one handler, the
chain's errors among them, and every 503 is an Unavailable (one class, one Retry-After)."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import backend
from backend.api import create_app
from backend.chain.errors import ChainError, ChainUnavailable, ContractRevert
from backend.core.errors import DomainError, Unavailable
from backend.core.settings import Settings

BACKEND = Path(backend.__file__).parent


def every_subclass(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from every_subclass(sub)


def domain_errors() -> set[type]:
    """Every DomainError class the backend defines (each module imported first)."""
    for module in pkgutil.walk_packages(backend.__path__, "backend."):
        if ".migrations." not in module.name:
            importlib.import_module(module.name)
    return set(every_subclass(DomainError))


def test_the_chains_errors_are_domain_errors() -> None:
    assert issubclass(ChainError, DomainError)
    assert issubclass(ContractRevert, ChainError)
    assert issubclass(ChainUnavailable, ChainError) and issubclass(ChainUnavailable, Unavailable)


def test_every_503_is_an_unavailable() -> None:
    errors = domain_errors()
    unavailable = {cls.__name__ for cls in errors if cls.http_status == 503}

    assert unavailable >= {"ChainUnavailable", "RelayerOutOfFunds", "RelayerNotConfigured"}
    assert {
        cls.__name__
        for cls in errors
        if cls.http_status == 503 and not issubclass(cls, Unavailable)
    } == set()


def test_one_handler_renders_every_domain_error(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite'}"))
    handled = set(app.exception_handlers)

    assert DomainError in handled
    # No subclass has a handler of its own: each renders through DomainError's.
    assert handled & domain_errors() == set()


def test_nothing_is_duck_typed_as_renderable() -> None:
    sources = [p for p in BACKEND.rglob("*.py") if "is_renderable" in p.read_text("utf-8")]

    assert sources == []
