import { defineConfig } from "vitest/config";

// Four projects, run in this order: the fast unit tests (pure modules and Node adapters), the CLI run
// as a child process, the packed package installed in a consumer folder, and the browser suites. The
// last three run the compiled dist/ (built first when stale). `vitest run --project unit` runs one layer.
export default defineConfig({
  test: {
    reporters: ["default", "./test/support/plain-summary-reporter.ts"],
    testTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/*.test.ts", "test/{core,app,plot,node,web,docs,support}/**/*.test.ts"],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: "cli",
          include: ["test/cli/**/*.test.ts"],
          globalSetup: ["./test/support/built.ts"],
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: "consumer",
          include: ["test/consumer/**/*.test.ts"],
          globalSetup: ["./test/support/built.ts"],
          sequence: { groupOrder: 2 },
        },
      },
      {
        extends: true,
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          globalSetup: ["./test/support/built.ts"],
          sequence: { groupOrder: 3 },
        },
      },
    ],
  },
});
