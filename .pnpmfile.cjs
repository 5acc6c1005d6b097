// devDependencies mean nothing to someone installing a tarball, and pnpm
// rewrites `workspace:*` to the workspace version, so the private kits
// (@four29/test-kit, @four29/fixtures, @four29/mock-upstream) would appear
// at 0.0.0, a version that does not exist on npm. Runs on `pnpm pack` and on
// `pnpm publish` (which `changeset publish` calls); needs pnpm >= 10.28.
module.exports = {
  hooks: {
    beforePacking(pkg) {
      delete pkg.devDependencies;
      return pkg;
    },
  },
};
