// @ts-check
// npm run test:mutation (test/mutation/run.sh) runs Stryker once per folder
// of src/ (MUTATION_FOLDER); see README, Mutation testing.
const folder = process.env.MUTATION_FOLDER ?? 'outbound'

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  "packageManager": "npm",
  "testRunner": "tap",
  "buildCommand": "tsc -p tsconfig.mutation.json",
  "tap": {
    "testFiles": [
      ".mutation-build/test/dialplan/*.test.js",
      ".mutation-build/test/directory/*.test.js",
      ".mutation-build/test/followme/*.test.js",
      ".mutation-build/test/freeswitch/*.test.js",
      ".mutation-build/test/outbound/*.test.js",
      ".mutation-build/test/presence/*.test.js"
    ],
    "nodeArgs": [
      "-r",
      "{{hookFile}}",
      "{{testFile}}"
    ],
    "forceBail": true
  },
  "coverageAnalysis": "perTest",
  "ignoreStatic": true,
  "concurrency": 1,
  "timeoutMS": 20000,
  "timeoutFactor": 2,
  "reporters": [
    "clear-text",
    "progress",
    "json"
  ],
  "mutate": [`src/${folder}/**/*.ts`],
  "jsonReporter": { "fileName": `reports/mutation/${folder}.json` },
  "ignorePatterns": [
    "dist",
    "data",
    ".tap",
    ".bench-build",
    ".mutation-build",
    "reports",
    "coverage",
    "bench/results"
  ],
  "tempDirName": ".stryker-tmp",
  "cleanTempDir": "always"
}
