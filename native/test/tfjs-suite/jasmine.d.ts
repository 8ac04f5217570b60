// jasmine ships no declarations; the runner uses this much of it.
declare module "jasmine" {
  export default class Jasmine {
    constructor(options: Record<string, unknown>);
    exitOnCompletion: boolean;
    jasmine: { DEFAULT_TIMEOUT_INTERVAL: number };
    clearReporters(): void;
    addReporter(reporter: Record<string, (result: never) => void>): void;
    execute(): Promise<unknown>;
  }
}
