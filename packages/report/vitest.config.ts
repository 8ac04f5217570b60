import { mergeConfig } from "vitest/config";
import { graftVitestConfig } from "../../vitest.shared.ts";

// The browser tests need a Chromium; test/global-setup.ts finds (or installs) one once per run.
export default mergeConfig(graftVitestConfig(process.cwd()), {
  test: { globalSetup: ["test/global-setup.ts"] },
});
