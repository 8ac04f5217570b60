/** Small readers for the report's own markup (its shape is ours, so regular expressions do). */

export function chartSvg(html: string, id: string): string | undefined {
  return new RegExp(`<svg class="chart" data-chart="${id}"[\\s\\S]*?</svg>`).exec(html)?.[0];
}

/** series key → number of points of its polyline. */
export function polylinePoints(svg: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of svg.matchAll(/<polyline data-series="([^"]*)" points="([^"]*)"/g)) {
    out[m[1]!] = m[2]!.trim().split(/\s+/).length;
  }
  return out;
}

export function count(haystack: string, needle: string | RegExp): number {
  if (typeof needle === "string") return haystack.split(needle).length - 1;
  return [...haystack.matchAll(new RegExp(needle.source, `${needle.flags.replace("g", "")}g`))]
    .length;
}

export function section(html: string, id: string): string | undefined {
  return new RegExp(`<section id="${id}">[\\s\\S]*?</section>`).exec(html)?.[0];
}
