import { graftVitestConfig } from "../../vitest.shared.ts";

// The CLI tests run graft as real processes (a build of VGG16/VGG19 each, whole training
// runs): slower than unit tests, and slower still when both workers share two cores.
export default graftVitestConfig(process.cwd(), { testTimeout: 180_000 });
