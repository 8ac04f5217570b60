// A typedoc plugin for graft's API reference (loaded from typedoc.json).
//
// typedoc's notDocumented check asks for a comment on every property it finds,
// including the members of the type TypeScript infers for an exported const with
// no type annotation (`export const RUN_CONFIG_KEYS = { data: { kind, help }, ... }
// as const`): 151 warnings for one table whose every entry carries its own `help`.
// Those members are the initializer's values, not declarations a reader looks up
// one by one, and the const's own comment (still required) says what they mean;
// this plugin counts them as intentionally undocumented. Everything else
// (interface and class members, inline literals in declared types, functions'
// return types) still needs its own comment.

import { Converter, ReflectionKind } from "typedoc";
import ts from "typescript";

/** Undocumented reflections nested in `decl` (a type literal), depth first. */
function* undocumentedMembers(decl) {
  for (const child of decl.children ?? []) {
    if (!child.hasComment()) yield child;
    if (child.type?.type === "reflection") yield* undocumentedMembers(child.type.declaration);
  }
  for (const sig of decl.signatures ?? []) {
    if (!sig.hasComment()) yield sig;
  }
}

/** Whether the const was declared without a type annotation, so its type is inferred. */
function isInferredConst(context, reflection) {
  const symbol = context.getSymbolFromReflection(reflection);
  const decl = symbol?.valueDeclaration;
  return decl !== undefined && ts.isVariableDeclaration(decl) && decl.type === undefined;
}

/** @param {import("typedoc").Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_END, (context) => {
    // The validator reads this array after conversion; typedoc hands out the
    // option's own array, so names added here are seen as intentional.
    const intentional = app.options.getValue("intentionallyNotDocumented");
    for (const reflection of context.project.getReflectionsByKind(ReflectionKind.Variable)) {
      if (reflection.type?.type !== "reflection" || !reflection.hasComment()) continue;
      if (!isInferredConst(context, reflection)) continue;
      for (const member of undocumentedMembers(reflection.type.declaration)) {
        intentional.push(member.getFriendlyFullName());
      }
    }
  });
}
