import { graftVitestConfig } from "../../vitest.shared.ts";

// Packing, two installs from the registry, a strict type-check and two short training
// runs: minutes, not seconds.
export default graftVitestConfig(process.cwd(), { testTimeout: 600_000 });
