"""The contracts' interfaces document every parameter: each event, error and function declared in
contracts/interfaces/ has a @param for each of its parameters (solc's devdoc says which)."""

from __future__ import annotations

import re

import pytest
import solcx

from backend.chain.compiler import PROJECT_ROOT, project_sources, solc_binary, standard_input
from backend.chain.compiler_settings import compiler_settings

INTERFACES = "contracts/interfaces/"
DEVDOC_SECTION = {"function": "methods", "event": "events", "error": "errors"}


def _signature(item: dict) -> str:
    def canonical(param: dict) -> str:
        kind = param["type"]
        if kind.startswith("tuple"):
            return "(" + ",".join(canonical(c) for c in param["components"]) + ")" + kind[5:]
        return kind

    return f"{item['name']}({','.join(canonical(p) for p in item['inputs'])})"


@pytest.fixture(scope="module")
def interfaces() -> dict[str, dict]:
    """abi and devdoc of every interface, keyed by its name, with its own source text."""
    settings = compiler_settings()
    sources = project_sources(PROJECT_ROOT)
    paths = [path for path in sources if path.startswith(INTERFACES)]
    assert paths, f"no interfaces under {INTERFACES}"
    request = standard_input(sources, settings)
    request["settings"]["outputSelection"] = {path: {"*": ["abi", "devdoc"]} for path in paths}
    output = solcx.compile_standard(
        request,
        solc_binary=solc_binary(settings.solc_version),
        base_path=str(PROJECT_ROOT),
        allow_paths=[str(PROJECT_ROOT)],
    )
    return {
        name: {**compiled, "source": sources[path]}
        for path in paths
        for name, compiled in output["contracts"][path].items()
    }


def _declared_here(item: dict, source: str) -> bool:
    """Whether the interface's own file declares the item, this overload of it (not one it
    inherits): a declaration of the name whose parameter types match, a user type for any."""
    wanted = [param["type"] for param in item["inputs"]]
    pattern = rf"\b{item['type']}\s+{re.escape(item['name'])}\s*\(([^)]*)\)"
    for declared in re.finditer(pattern, source):
        types = [part.split()[0] for part in declared.group(1).split(",") if part.strip()]
        if len(types) == len(wanted) and all(
            kind == found or found[0].isupper()  # an enum, struct or contract type
            for kind, found in zip(wanted, types, strict=True)
        ):
            return True
    return False


def undocumented(compiled: dict) -> list[str]:
    missing = []
    for item in compiled["abi"]:
        section = DEVDOC_SECTION.get(item["type"])
        if section is None or not _declared_here(item, compiled["source"]):
            continue
        doc = compiled["devdoc"].get(section, {}).get(_signature(item), {})
        docs = doc if isinstance(doc, list) else [doc]
        params = {name for entry in docs for name in entry.get("params", {})}
        missing += [
            f"{item['type']} {_signature(item)}: @param {param['name'] or '(unnamed)'}"
            for param in item["inputs"]
            if param["name"] not in params
        ]
    return missing


def test_every_interface_parameter_has_param_natspec(interfaces: dict[str, dict]) -> None:
    missing = {name: gaps for name, c in interfaces.items() if (gaps := undocumented(c))}
    assert missing == {}


def test_an_undocumented_parameter_is_found() -> None:
    compiled = {
        "abi": [{"type": "error", "name": "Oops", "inputs": [{"name": "id", "type": "uint256"}]}],
        "devdoc": {"errors": {"Oops(uint256)": [{"details": "no params"}]}},
        "source": "interface I { error Oops(uint256 id); }",
    }
    assert undocumented(compiled) == ["error Oops(uint256): @param id"]
