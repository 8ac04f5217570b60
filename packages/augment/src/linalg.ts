/**
 * Eigen-decomposition of a real symmetric matrix by cyclic Jacobi rotations, in
 * double precision: enough for ZCA whitening matrices (Keras computes them with
 * an SVD of the data; for symmetric positive semi-definite XᵀX the eigenvectors
 * are the singular vectors and the eigenvalues the squared singular values).
 */
export function symmetricEigen(
  a: Float64Array,
  n: number,
): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < n; p++) {
      diag += (m[p * n + p] as number) ** 2;
      for (let q = p + 1; q < n; q++) off += (m[p * n + q] as number) ** 2;
    }
    if (off <= 1e-30 * Math.max(diag, 1e-300)) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q] as number;
        if (apq === 0) continue;
        const app = m[p * n + p] as number;
        const aqq = m[q * n + q] as number;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k * n + p] as number;
          const mkq = m[k * n + q] as number;
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p * n + k] as number;
          const mqk = m[q * n + k] as number;
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p] as number;
          const vkq = v[k * n + q] as number;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = m[i * n + i] as number;
  return { values, vectors: v };
}

/**
 * Keras' ZCA matrix: with X the (n, d) data, `u, s, _ = svd(Xᵀ, full_matrices=False)`,
 * W = u · diag(√n / (s + ε)) · uᵀ. Computed from the eigenvectors of XᵀX (d ≤ n) or
 * of XXᵀ (d > n, mapped back with u = Xᵀv / s). Where d > n, directions with a zero
 * singular value are left out; numpy returns arbitrary vectors there, weighted √n/ε.
 */
export function zcaMatrix(x: Float32Array, n: number, d: number, epsilon: number): Float32Array {
  const w = new Float64Array(d * d);
  const add = (u: Float64Array, s: number) => {
    const f = Math.sqrt(n) / (s + epsilon);
    for (let i = 0; i < d; i++) {
      const ui = (u[i] as number) * f;
      if (ui === 0) continue;
      for (let j = 0; j < d; j++) w[i * d + j] = (w[i * d + j] as number) + ui * (u[j] as number);
    }
  };
  if (d <= n) {
    const c = new Float64Array(d * d);
    for (let r = 0; r < n; r++) {
      const o = r * d;
      for (let i = 0; i < d; i++) {
        const xi = x[o + i] as number;
        if (xi === 0) continue;
        for (let j = i; j < d; j++)
          c[i * d + j] = (c[i * d + j] as number) + xi * (x[o + j] as number);
      }
    }
    for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) c[i * d + j] = c[j * d + i] as number;
    const { values, vectors } = symmetricEigen(c, d);
    const u = new Float64Array(d);
    for (let k = 0; k < d; k++) {
      for (let i = 0; i < d; i++) u[i] = vectors[i * d + k] as number;
      add(u, Math.sqrt(Math.max(values[k] as number, 0)));
    }
  } else {
    const g = new Float64Array(n * n);
    for (let a = 0; a < n; a++) {
      for (let b = a; b < n; b++) {
        let s = 0;
        for (let i = 0; i < d; i++) s += (x[a * d + i] as number) * (x[b * d + i] as number);
        g[a * n + b] = s;
        g[b * n + a] = s;
      }
    }
    const { values, vectors } = symmetricEigen(g, n);
    const smax = Math.sqrt(Math.max(...Array.from(values, (v) => Math.max(v, 0))));
    const u = new Float64Array(d);
    for (let k = 0; k < n; k++) {
      const s = Math.sqrt(Math.max(values[k] as number, 0));
      if (s <= smax * 1e-6) continue;
      u.fill(0);
      for (let a = 0; a < n; a++) {
        const va = (vectors[a * n + k] as number) / s;
        for (let i = 0; i < d; i++) u[i] = (u[i] as number) + va * (x[a * d + i] as number);
      }
      add(u, s);
    }
  }
  return Float32Array.from(w);
}
