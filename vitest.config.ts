import { defineConfig } from "vitest/config";

// Three projects, run in this order: the fast unit tests (pure modules and Node adapters), the CLI run
// as a child process, and the browser suites. `vitest run --project unit` runs one layer alone.
export default defineConfig({
  test: {
    reporters: ["default", "./test/support/plain-summary-reporter.ts"],
    testTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/*.test.ts", "test/{core,app,plot,node,web,docs}/**/*.test.ts"],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: { name: "cli", include: ["test/cli/**/*.test.ts"], sequence: { groupOrder: 1 } },
      },
      {
        extends: true,
        test: { name: "browser", include: ["test/browser/**/*.test.ts"], sequence: { groupOrder: 2 } },
      },
    ],
  },
});
