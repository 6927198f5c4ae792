// @ts-check
// npm run test:mutation (test/mutation/run.sh) runs Stryker once per folder
// of src/ (MUTATION_FOLDER); see README, Mutation testing.
const folder = process.env.MUTATION_FOLDER ?? 'outbound'

// The test folders that may kill a folder's mutants: its own tests first,
// then the route tests that reach it through /freeswitch. Running every test
// file that covers a mutant (route tests cover nearly all of src/) cost
// about 50 s a mutant; a folder's own tests are what should guard it.
/** @param {string} name */
function testsFor(name) {
  /** @type {Record<string, string[]>} */
  const dirs = {
    // The edge renders what the sections decide: their route tests check its output.
    freeswitch: ['freeswitch', 'directory', 'dialplan'],
    directory: ['directory', 'freeswitch'],
    // The dialplan's decisions are also checked where each feature lives.
    dialplan: ['dialplan', 'forwards', 'callerid', 'dialbyname', 'presence', 'outbound'],
    // *21's toggle and its SQL are tested with the lamps; explain with each
    // feature, and its registered-phone warnings with the status.
    followme: ['followme', 'dialplan', 'presence', 'forwards', 'callerid', 'status'],
    outbound: ['outbound', 'dialplan'],
    // The event socket client serves the live status too, and the dnd/cf lamps.
    presence: ['presence', 'status', 'forwards'],
  }
  const chosen = dirs[name]
  if (chosen === undefined) throw new Error(`MUTATION_FOLDER: no test folders known for src/${name}`)
  return chosen
}

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  "packageManager": "npm",
  "testRunner": "tap",
  "buildCommand": "tsc -p tsconfig.mutation.json",
  "tap": {
    "testFiles": testsFor(folder).map((dir) => `.mutation-build/test/${dir}/*.test.js`),
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
