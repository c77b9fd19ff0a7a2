"""Quick compile of contracts/ through the solc adapter (developer aid; prints errors and code sizes)."""
import json
import pathlib
import subprocess
import sys

root = pathlib.Path(__file__).resolve().parent.parent
sources = {str(p.relative_to(root)): {"urls": [str(p)]} for p in sorted((root / "contracts").rglob("*.sol"))}
sources = {k: {"content": pathlib.Path(v["urls"][0]).read_text()} for k, v in sources.items()}
std = {
    "language": "Solidity",
    "sources": sources,
    "settings": {
        "evmVersion": "shanghai",
        "optimizer": {"enabled": True, "runs": 200},
        "remappings": ["@openzeppelin/=node_modules/@openzeppelin/", "@solvprotocol/=node_modules/@solvprotocol/"],
        "outputSelection": {"*": {"*": ["evm.deployedBytecode.object"]}},
    },
}
out = subprocess.run(["node", str(root / "tools/solc-adapter.js"), "--standard-json", "--base-path", str(root)],
                     input=json.dumps(std), capture_output=True, text=True, cwd=root)
res = json.loads(out.stdout)
bad = False
for e in res.get("errors", []):
    if e["severity"] == "error" or "--warn" in sys.argv:
        print(e["formattedMessage"])
    bad |= e["severity"] == "error"
for f, cs in res.get("contracts", {}).items():
    for name, c in cs.items():
        n = len(c["evm"]["deployedBytecode"]["object"]) // 2
        if n:
            print(f"{name:24s} {n:6d} bytes")
sys.exit(1 if bad else 0)
