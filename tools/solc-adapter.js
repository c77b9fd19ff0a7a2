#!/usr/bin/env node
// A native-solc-compatible front end over solc-js, so py-solc-x and Brownie run unchanged
// on machines where only the npm registry is reachable. It answers `--version` in the native
// format and `--standard-json` (stdin to stdout); every other flag is refused by name.
'use strict';
const fs = require('fs');
const path = require('path');

const projectRoot = path.resolve(__dirname, '..');
const solc = require(path.join(projectRoot, 'node_modules', 'solc'));

function fail(message) {
  process.stderr.write(`solc-adapter: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { mode: null, basePath: null, includePaths: [], allowPaths: [] };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) fail(`${arg} needs a value`);
      i += 1;
      return argv[i];
    };
    if (arg === '--version') opts.mode = 'version';
    else if (arg === '--standard-json') opts.mode = 'standard-json';
    else if (arg === '--base-path') opts.basePath = value();
    else if (arg === '--include-path') opts.includePaths.push(value());
    else if (arg === '--allow-paths') opts.allowPaths.push(...value().split(',').filter(Boolean));
    else if (arg.startsWith('--allow-paths=')) opts.allowPaths.push(...arg.slice(14).split(',').filter(Boolean));
    else if (arg.startsWith('--base-path=')) opts.basePath = arg.slice(12);
    else fail(`unsupported option '${arg}': this adapter only implements --version and --standard-json (with --base-path, --include-path, --allow-paths)`);
  }
  if (!opts.mode) fail('give --version or --standard-json');
  return opts;
}

function importResolver(opts) {
  const roots = [
    opts.basePath,
    ...opts.includePaths,
    process.cwd(),
    ...opts.allowPaths,
    projectRoot,
    path.join(projectRoot, 'node_modules'),
  ].filter(Boolean).map((p) => path.resolve(p));
  return (importPath) => {
    const candidates = path.isAbsolute(importPath)
      ? [importPath]
      : roots.map((root) => path.join(root, importPath));
    for (const candidate of candidates) {
      if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) {
        return { contents: fs.readFileSync(candidate, 'utf8') };
      }
    }
    return { error: `File not found: ${importPath} (searched ${roots.join(', ')})` };
  };
}

const opts = parseArgs(process.argv.slice(2));
if (opts.mode === 'version') {
  // Same shape as native solc, which py-solc-x and Brownie parse.
  const version = solc.version();
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${version}\n`);
  process.exit(0);
}
const input = fs.readFileSync(0, 'utf8');
process.stdout.write(solc.compile(input, { import: importResolver(opts) }));
