import { graftVitestConfig } from "../../vitest.shared.ts";

export default graftVitestConfig(process.cwd());
