/** The README's example, run as a user would run it (tsx, the package imported by name). */
import { fileURLToPath } from "node:url";
import { runReadmeExample } from "@graft/test-fixtures/readme";
import { expect, it } from "vitest";

const pkg = fileURLToPath(new URL("..", import.meta.url));

it("the README example runs", () => {
  const r = runReadmeExample(pkg, [], 120_000);
  expect(r.stderr).not.toMatch(/Error/);
  expect(r.status).toBe(0);
  expect(r.stdout).toContain("epoch,acc,learning_rate,loss,val_acc,val_loss");
  expect(r.stdout).toContain("resume at epoch 20");
  // Not a TTY here: the progress bar prints plain per-epoch lines.
  expect(r.stdout).toMatch(/^Epoch 1\/20$/m);
  expect(r.stdout).toMatch(/^\d+\/\d+ - \d+s - \d+[mu]?s\/step - loss: /m);
});
