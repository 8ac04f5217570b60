import * as tf from "@tensorflow/tfjs-core";
import "./ts/graft_cpu.ts";
tf.env().set("PROD", true);
const x = tf.tensor(Float32Array.from({length: 25}, (_, i) => (i % 7) / 7 - 0.5), [1, 5, 5, 1]);
const f = tf.tensor(Float32Array.from({length: 36}, (_, i) => (i % 5) / 5 - 0.4), [3, 3, 1, 4]);
const b = tf.tensor([0.1, -0.2, 0.3, 0.05]);
for (const be of ["cpu", "graft-cpu"]) {
  await tf.setBackend(be);
  for (const activation of ["linear", "relu", "relu6", "elu", "sigmoid", "leakyrelu"] as const) {
    const y = tf.fused.conv2d({ x, filter: f, strides: 1, pad: "same", bias: b, activation });
    console.log(be, activation, Array.from(y.dataSync()).slice(0, 6).map((v) => v.toFixed(4)).join(" "));
  }
}
