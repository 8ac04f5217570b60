/**
 * Adam as Keras computes it (`keras.optimizers.Adam`), for tfjs-layers' compile().
 *
 * tfjs' AdamOptimizer divides by `sqrt(v̂) + ε` with v̂ the bias-corrected second moment;
 * Keras folds the bias corrections into the step size and divides by `sqrt(v) + ε`:
 *
 *     α = lr · sqrt(1 − β₂ᵗ) / (1 − β₁ᵗ)
 *     m += (g − m)(1 − β₁);   v += (g² − v)(1 − β₂);   θ −= α·m / (sqrt(v) + ε)
 *
 * The two agree except for ε, which tfjs in effect scales by 1 / sqrt(1 − β₂ᵗ): about 32×
 * larger on the first step. Where the gradients are small (a frozen-ish fine-tune, a layer
 * far from the loss) that is a visibly different step, so training drifts away from the
 * same run in Keras. This class keeps tfjs' state (the `m`/`v` slots and the running β
 * powers `accBeta1`/`accBeta2`, which @graft/training's resumable state saves exactly) and
 * Keras' update and defaults (lr 0.001, β₁ 0.9, β₂ 0.999, ε 1e-7).
 */
import {
  AdamOptimizer,
  add,
  div,
  engine,
  mul,
  serialization,
  sqrt,
  square,
  sub,
  type Tensor,
  tidy,
  type Variable,
  zerosLike,
} from "@tensorflow/tfjs-core";

/** What AdamOptimizer.applyGradients takes (its NamedTensor type is not exported by tfjs-core). */
type VariableGradients = Parameters<AdamOptimizer["applyGradients"]>[0];

/** AdamOptimizer's state, which this subclass shares so getWeights/setWeights keep working. */
interface AdamState {
  accumulatedFirstMoment: { originalName: string; variable: Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: Variable }[];
  accBeta1: Variable;
  accBeta2: Variable;
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** `keras.optimizers.Adam`: tfjs' Adam state with Keras' update (see the module comment). */
export class KerasAdamOptimizer extends AdamOptimizer {
  /** Its own name: its saved state must not resume under tfjs' Adam, nor the reverse. */
  static override get className(): string {
    return "KerasAdam";
  }

  /** One Keras Adam step for every variable, then β₁ᵗ and β₂ᵗ move on to the next step. */
  override applyGradients(variableGradients: VariableGradients): void {
    const s = this as unknown as AdamState;
    const names = Array.isArray(variableGradients)
      ? variableGradients.map((v) => v.name)
      : Object.keys(variableGradients);
    tidy(() => {
      // accBeta1/accBeta2 hold β₁ᵗ and β₂ᵗ for this step (t counted from 1).
      const alpha = div(
        mul(sqrt(sub(1, s.accBeta2)), s.learningRate),
        sub(1, s.accBeta1),
      ) as Tensor;
      names.forEach((name, i) => {
        const value = engine().registeredVariables[name] as Variable;
        s.accumulatedFirstMoment[i] ??= {
          originalName: `${name}/m`,
          variable: tidy(() => zerosLike(value).variable(false)),
        };
        s.accumulatedSecondMoment[i] ??= {
          originalName: `${name}/v`,
          variable: tidy(() => zerosLike(value).variable(false)),
        };
        const gradient = Array.isArray(variableGradients)
          ? variableGradients[i]?.tensor
          : variableGradients[name];
        if (gradient == null) return;
        const m = s.accumulatedFirstMoment[i].variable;
        const v = s.accumulatedSecondMoment[i].variable;
        const newM = add(m, mul(sub(gradient, m), 1 - s.beta1));
        const newV = add(v, mul(sub(square(gradient), v), 1 - s.beta2));
        m.assign(newM);
        v.assign(newV);
        value.assign(sub(value, div(mul(newM, alpha), add(sqrt(newV), s.epsilon))));
      });
      s.accBeta1.assign(mul(s.accBeta1, s.beta1));
      s.accBeta2.assign(mul(s.accBeta2, s.beta2));
    });
    this.incrementIterations();
  }
}
serialization.registerClass(KerasAdamOptimizer);

/** `keras.optimizers.Adam(learning_rate, beta_1, beta_2, epsilon)` with Keras' defaults. */
export function kerasAdam(
  learningRate = 0.001,
  beta1 = 0.9,
  beta2 = 0.999,
  epsilon = 1e-7,
): KerasAdamOptimizer {
  return new KerasAdamOptimizer(learningRate, beta1, beta2, epsilon);
}
