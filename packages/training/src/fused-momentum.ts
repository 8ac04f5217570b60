/**
 * SGD with momentum, as tfjs's MomentumOptimizer (Keras' SGD(momentum=...)),
 * with each variable's update run as one `MomentumUpdate` kernel where the
 * backend has one (graft-cpu does).
 *
 * tfjs updates each variable with four tensor ops (six with Nesterov): m * acc,
 * + grad, c * that, + value. Each is a full pass over the variable, and VGG19's
 * trainable weights are ~46M floats, so on 2 cores the optimizer alone takes
 * ~0.2 s of a training step. The kernel reads value, accumulator and gradient
 * once and writes both results once, rounding each product and sum as those ops
 * do: the values, the saved optimizer state (`getWeights`, class "Momentum") and
 * the learning-rate handling are tfjs's own. On a backend without the kernel, or
 * for a non-float32 variable, it is tfjs's MomentumOptimizer unchanged.
 */
import {
  engine,
  getBackend,
  getKernel,
  MomentumOptimizer,
  type Scalar,
  type Tensor,
  tidy,
  type Variable,
  zerosLike,
} from "@tensorflow/tfjs-core";

/** The kernel's name: graft's native backends register it (native/ts/cpu/kernels/MomentumUpdate.ts). */
export const MOMENTUM_UPDATE = "MomentumUpdate";

/** What MomentumOptimizer.applyGradients takes (its types are not exported by tfjs-core). */
type VariableGradients = Parameters<MomentumOptimizer["applyGradients"]>[0];

/** MomentumOptimizer's private state, which this subclass shares so getWeights/setWeights keep working. */
interface MomentumState {
  accumulations: { originalName: string; variable: Variable }[];
  m: Scalar;
  c: Scalar;
}

/**
 * tfjs's MomentumOptimizer with each variable's update as one `MomentumUpdate` kernel
 * where the backend has it; the same results, state and config (see the module comment).
 */
export class FusedMomentumOptimizer extends MomentumOptimizer {
  /**
   * One step for every variable: fused where every gradient is a float32 match for its variable
   * and the backend has the kernel, else tfjs's own update.
   */
  override applyGradients(variableGradients: VariableGradients): void {
    const list = Array.isArray(variableGradients)
      ? variableGradients.map((g) => ({
          name: g.name,
          gradient: (g.tensor ?? null) as Tensor | null,
        }))
      : Object.keys(variableGradients).map((name) => ({
          name,
          gradient: (variableGradients[name] ?? null) as Tensor | null,
        }));
    const variables = engine().registeredVariables;
    const fusable =
      getKernel(MOMENTUM_UPDATE, getBackend()) !== undefined &&
      list.every(
        ({ name, gradient }) =>
          gradient === null ||
          (variables[name]?.dtype === "float32" &&
            gradient.dtype === "float32" &&
            gradient.size === variables[name]?.size),
      );
    if (!fusable) {
      super.applyGradients(variableGradients);
      return;
    }
    const state = this as unknown as MomentumState;
    const useNesterov = this.getConfig().useNesterov === true;
    list.forEach(({ name, gradient }, i) => {
      const value = variables[name] as Variable;
      // The accumulator slots, named and created as MomentumOptimizer does.
      state.accumulations[i] ??= {
        originalName: `${name}/momentum`,
        variable: tidy(() => zerosLike(value).variable(false)),
      };
      if (gradient === null) return;
      const accumulation = state.accumulations[i].variable;
      tidy(() => {
        const [newValue, newAccumulation] = engine().runKernel(
          MOMENTUM_UPDATE,
          { value, accumulation, gradient, m: state.m, c: state.c },
          { useNesterov },
        ) as Tensor[];
        accumulation.assign(newAccumulation as Tensor);
        value.assign(newValue as Tensor);
      });
    });
    this.incrementIterations();
  }
}

/**
 * `keras.optimizers.SGD(learning_rate, momentum, nesterov)` for tfjs-layers'
 * compile(), fused where the backend allows (see FusedMomentumOptimizer).
 */
export function sgdMomentum(
  learningRate: number,
  momentum: number,
  useNesterov = false,
): FusedMomentumOptimizer {
  return new FusedMomentumOptimizer(learningRate, momentum, useNesterov);
}
