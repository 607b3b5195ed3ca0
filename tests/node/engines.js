// SPDX-License-Identifier: ISC
'use strict';
// node tests/node/engines.js DIR...
//
// Whether each DIR keeps the promise of its package.json's engines.node:
// every package its package-lock.json installs must accept every Node
// version that range accepts (semver.subset), so that a dependency which
// raised its minimum Node (as playwright-core 1.62 did, to 20) is caught
// here on any Node, not first on Debian 12's Node 18.  Packages that name
// no engines.node are taken at their word.  Prints one line per DIR:
//   ok DIR >=18 (N packages)
//   not ok DIR >=18: NAME@VERSION wants node RANGE; ...
// and exits 1 when any DIR is not ok.  semver is the one jsonwebtoken
// brings into tests/node/node_modules (tests/node/ensure-modules.sh).

const fs = require('fs');
const path = require('path');
const semver = require('semver');

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

// The packages of a lock file (version 2 or 3): [name, version, range].
function lockedPackages(lock) {
  const out = [];
  for (const [where, entry] of Object.entries(lock.packages || {})) {
    if (where === '') continue;
    const name = entry.name || where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const engines = entry.engines;
    const range = engines && !Array.isArray(engines) && typeof engines === 'object' ? engines.node : undefined;
    out.push([name, entry.version, range]);
  }
  return out;
}

function check(dir) {
  const pkg = readJson(path.join(dir, 'package.json'));
  const lock = readJson(path.join(dir, 'package-lock.json'));
  const promise = pkg.engines && pkg.engines.node;
  if (!promise || !semver.validRange(promise)) {
    return `not ok ${dir}: package.json has no valid engines.node (${JSON.stringify(promise)})`;
  }
  if (!lock.packages) return `not ok ${dir}: package-lock.json has no "packages" (lockfileVersion 2 or 3 wanted)`;
  const bad = [];
  const all = lockedPackages(lock);
  for (const [name, version, range] of all) {
    if (range === undefined || range === '*' || range === '') continue;
    if (typeof range !== 'string' || !semver.validRange(range)) {
      bad.push(`${name}@${version} has an engines.node that is no range: ${JSON.stringify(range)}`);
    } else if (!semver.subset(promise, range)) {
      bad.push(`${name}@${version} wants node ${range}`);
    }
  }
  return bad.length
    ? `not ok ${dir} ${promise}: ${bad.join('; ')}`
    : `ok ${dir} ${promise} (${all.length} packages)`;
}

const dirs = process.argv.slice(2);
if (!dirs.length) {
  process.stderr.write('usage: node tests/node/engines.js DIR...\n');
  process.exit(2);
}
let failed = false;
for (const dir of dirs) {
  let line;
  try {
    line = check(dir);
  } catch (e) {
    line = `not ok ${dir}: ${e.message}`;
  }
  if (line.startsWith('not ok')) failed = true;
  console.log(line);
}
process.exit(failed ? 1 : 0);
