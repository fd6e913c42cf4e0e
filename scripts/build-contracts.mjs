// Compile contracts/**/*.sol with solc-js (standard JSON) and write reproducible artifacts.
// Usage: node scripts/build-contracts.mjs <output-dir>   (run from anywhere; paths are repo-relative)
import { createHash } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(path.join(ROOT, "package.json"));
const solc = require("solc");

const EVM_VERSION = "cancun";
const CONTRACTS_DIR = "contracts";

function die(message) {
  process.stderr.write(`build-contracts: ${message}\n`);
  process.exit(1);
}

function listSolFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...listSolFiles(rel));
    else if (entry.isFile() && entry.name.endsWith(".sol")) out.push(rel);
  }
  return out;
}

function findImports(importPath) {
  // Only @openzeppelin/... (from node_modules) and repo-local contracts/... are resolvable.
  let file;
  if (importPath.startsWith("@openzeppelin/")) {
    file = path.join(ROOT, "node_modules", importPath);
  } else if (importPath.startsWith(`${CONTRACTS_DIR}/`)) {
    file = path.join(ROOT, importPath);
  } else {
    return { error: `cannot resolve import "${importPath}" (only @openzeppelin/... is supported)` };
  }
  try {
    return { contents: fs.readFileSync(file, "utf8") };
  } catch {
    return { error: `import "${importPath}" not found at ${path.relative(ROOT, file)}` };
  }
}

const outDir = path.resolve(ROOT, process.argv[2] ?? "src/safeops/devnet/artifacts");

const sourceNames = listSolFiles(CONTRACTS_DIR).sort();
if (sourceNames.length === 0) die(`no .sol files under ${CONTRACTS_DIR}/`);

const sources = {};
const hashes = {};
for (const name of sourceNames) {
  const buf = fs.readFileSync(path.join(ROOT, name));
  sources[name] = { content: buf.toString("utf8") };
  hashes[name] = createHash("sha256").update(buf).digest("hex");
}

const input = {
  language: "Solidity",
  sources,
  settings: {
    evmVersion: EVM_VERSION,
    optimizer: { enabled: true, runs: 200 },
    outputSelection: {
      "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] },
    },
  },
};

const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
const compiler = `solc-${solc.version()}`;

const diagnostics = output.errors ?? [];
for (const d of diagnostics) {
  if (d.severity !== "error") process.stderr.write(`${d.formattedMessage ?? d.message}\n`);
}
const errors = diagnostics.filter((d) => d.severity === "error");
if (errors.length > 0) {
  for (const d of errors) process.stderr.write(`${d.formattedMessage ?? d.message}\n`);
  die(`compilation failed with ${errors.length} error(s) (${compiler}); no artifacts written`);
}

const artifacts = new Map();
for (const sourceName of sourceNames) {
  const contracts = output.contracts?.[sourceName] ?? {};
  for (const contractName of Object.keys(contracts).sort()) {
    const c = contracts[contractName];
    const file = `${contractName}.json`;
    if (artifacts.has(file)) {
      die(`duplicate contract name ${contractName} (${artifacts.get(file).sourceName}, ${sourceName})`);
    }
    artifacts.set(file, {
      contractName,
      sourceName,
      compiler,
      abi: c.abi,
      bytecode: `0x${c.evm.bytecode.object}`,
      deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
    });
  }
}

const manifest = { compiler, evmVersion: EVM_VERSION, sources: hashes };
const toJson = (value) => `${JSON.stringify(value, null, 2)}\n`;

fs.mkdirSync(outDir, { recursive: true });
// Remove artifacts of contracts that no longer exist so the folder mirrors contracts/.
for (const entry of fs.readdirSync(outDir)) {
  if (entry.endsWith(".json") && entry !== "manifest.json" && !artifacts.has(entry)) {
    fs.rmSync(path.join(outDir, entry));
  }
}
for (const [file, artifact] of artifacts) {
  fs.writeFileSync(path.join(outDir, file), toJson(artifact));
}
fs.writeFileSync(path.join(outDir, "manifest.json"), toJson(manifest));

process.stdout.write(
  `build-contracts: ${compiler}, ${artifacts.size} contract(s) -> ${path.relative(ROOT, outDir) || "."}\n`,
);
