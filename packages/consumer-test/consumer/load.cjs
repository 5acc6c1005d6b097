// Loads each package named on the command line with require() and reports its exports and the
// file Node resolved, so the test can tell a CommonJS build apart from an accidental ESM one.
const out = {};
for (const name of process.argv.slice(2)) {
  out[name] = { file: require.resolve(name), exports: Object.keys(require(name)).sort() };
}
console.log(JSON.stringify(out));
