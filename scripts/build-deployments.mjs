// Write the compact table of official Safe deployments that safeops trusts, from the pinned
// npm package @safe-global/safe-deployments (the Safe team's own data), through its public API.
// Usage: node scripts/build-deployments.mjs <output-file>   (paths are repo-relative)
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(path.join(ROOT, "package.json"));
const PACKAGE = "@safe-global/safe-deployments";
const deployments = require(PACKAGE);
const packageVersion = require(`${PACKAGE}/package.json`).version;

// Only the contracts safeops reasons about: singletons and fallback handlers (the Safe's live
// configuration), the libraries a Safe may DELEGATECALL, and the full MultiSend (never trusted,
// recognised to say so).
const GETTERS = [
  "getSafeSingletonDeployments",
  "getSafeL2SingletonDeployments",
  "getCompatibilityFallbackHandlerDeployments",
  "getExtensibleFallbackHandlerDeployments",
  "getMultiSendCallOnlyDeployments",
  "getMultiSendDeployments",
  "getSignMessageLibDeployments",
  "getSafeMigrationDeployments",
  "getSafeToL2MigrationDeployments",
];
const VARIANTS = ["canonical", "eip155", "zksync"];

function die(message) {
  process.stderr.write(`build-deployments: ${message}\n`);
  process.exit(1);
}

function semverKey(version) {
  return version.split(".").map((part) => part.padStart(4, "0")).join(".");
}

// Every version the package ships assets for; the getters then pick the released ones.
const assets = path.join(path.dirname(require.resolve(`${PACKAGE}/package.json`)), "dist", "assets");
const versions = fs
  .readdirSync(assets)
  .filter((name) => /^v\d+\.\d+\.\d+$/.test(name))
  .map((name) => name.slice(1))
  .sort((a, b) => semverKey(a).localeCompare(semverKey(b)));
if (versions.length === 0) die(`no versions under ${assets}`);

function entry(found) {
  const variants = {};
  const byAddress = new Map();
  for (const variant of VARIANTS) {
    const deployment = found.deployments[variant];
    if (!deployment) continue;
    variants[variant] = { address: deployment.address, codeHash: deployment.codeHash.toLowerCase() };
    byAddress.set(deployment.address, [...(byAddress.get(deployment.address) ?? []), variant]);
  }
  for (const variant of Object.keys(found.deployments)) {
    if (!VARIANTS.includes(variant)) die(`${found.contractName} ${found.version}: unknown variant ${variant}`);
  }
  const chains = Object.fromEntries(Object.keys(variants).map((variant) => [variant, []]));
  for (const [chainId, addresses] of Object.entries(found.networkAddresses)) {
    for (const address of [addresses].flat()) {
      const named = byAddress.get(address);
      if (!named) die(`${found.contractName} ${found.version}: chain ${chainId} lists unknown ${address}`);
      for (const variant of named) chains[variant].push(Number(chainId));
    }
  }
  for (const list of Object.values(chains)) list.sort((a, b) => a - b);
  return { contract: found.contractName, version: found.version, variants, chains };
}

const table = [];
for (const getter of GETTERS) {
  if (typeof deployments[getter] !== "function") die(`${PACKAGE} has no ${getter}()`);
  for (const version of versions) {
    const found = deployments[getter]({ version, released: true });
    if (found && found.version === version) table.push(entry(found));
  }
}

// One deployment per line group, chain lists on one line each: small diffs when the pin moves.
const lines = [
  "{",
  `  "source": ${JSON.stringify({ package: PACKAGE, version: packageVersion })},`,
  '  "deployments": [',
];
table.forEach((item, index) => {
  const last = index === table.length - 1;
  lines.push("    {");
  lines.push(`      "contract": ${JSON.stringify(item.contract)},`);
  lines.push(`      "version": ${JSON.stringify(item.version)},`);
  lines.push(`      "variants": ${JSON.stringify(item.variants)},`);
  lines.push('      "chains": {');
  const variants = Object.keys(item.chains);
  variants.forEach((variant, i) => {
    const comma = i === variants.length - 1 ? "" : ",";
    lines.push(`        ${JSON.stringify(variant)}: ${JSON.stringify(item.chains[variant])}${comma}`);
  });
  lines.push("      }");
  lines.push(last ? "    }" : "    },");
});
lines.push("  ]", "}", "");

const out = path.resolve(ROOT, process.argv[2] ?? "src/safeops/core/deployments_data.json");
fs.writeFileSync(out, lines.join("\n"));
