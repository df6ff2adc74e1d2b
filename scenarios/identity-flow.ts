import type { FlowStep, SlotSpec } from "./flow-schema.ts";

/** How the built-in identity flow asks for each field `identifyBy`/`verifyBy` may name. */
const FIELDS: Record<string, { type: SlotSpec["type"]; prompt: string; arg: string }> = {
  phone: { type: "phone", prompt: "What's the phone number on your account?", arg: "phone" },
  name: { type: "name", prompt: "Can I have your full name, please?", arg: "name" },
  dob: { type: "birthdate", prompt: "To verify your identity, can you tell me your date of birth?", arg: "dob" },
  zip: { type: "digits", prompt: "And the ZIP code on your account?", arg: "zip" },
  ssnLast4: { type: "digits", prompt: "And the last four digits of your social security number?", arg: "ssn_last4" },
};

interface Verification {
  identifyBy: string[];
  verifyBy: string[];
  slots: SlotSpec[];
  steps?: FlowStep[] | undefined;
}

/**
 * A pack that names its identity fields but writes no `steps` gets them written out as data: find
 * the caller with the built-in `find_customer` on `identifyBy`, then check the rest of `verifyBy`
 * with `verify_identity`. The agent then runs one identity mechanism, the pack flow, for every pack.
 */
export function withBuiltinIdentity<V extends Verification>(verification: V, tools: readonly string[]): V & { steps: FlowStep[] } {
  // An agent without the built-in finder (a line that never verifies anyone) gets no steps.
  if (verification.steps || !tools.includes("find_customer")) return { ...verification, steps: verification.steps ?? [] };
  const known = (fields: readonly string[]) => fields.filter((field) => FIELDS[field] !== undefined);
  const identifyBy = known(verification.identifyBy);
  const verifyBy = known(verification.verifyBy).filter((field) => !identifyBy.includes(field));
  const declared = new Set(verification.slots.map((slot) => slot.name));
  const slots: SlotSpec[] = [
    ...verification.slots,
    ...[...identifyBy, ...verifyBy]
      .filter((field) => !declared.has(field))
      .map((field): SlotSpec => {
        const spec = FIELDS[field] as (typeof FIELDS)[string];
        // Asked along with a name, the birth date is part of finding the record, not a check.
        const prompt = field === "dob" && identifyBy.includes("dob") ? "And your date of birth?" : spec.prompt;
        return { name: field, type: spec.type, prompt, required: true, examples: [] };
      }),
  ];
  const args = (fields: readonly string[]) => Object.fromEntries(fields.map((field) => [FIELDS[field]?.arg ?? field, `{slot.${field}}`]));
  const step = (fields: Partial<FlowStep>): FlowStep => ({ args: {}, onError: {}, then: "continue", ...fields });
  const steps: FlowStep[] = identifyBy.length === 0 ? [] : [step({ collect: identifyBy }), step({ call: "find_customer", args: args(identifyBy), identifies: "customers.customer_id" })];
  if (identifyBy.length > 0 && verifyBy.length > 0 && tools.includes("verify_identity")) {
    steps.push(
      step({ collect: verifyBy }),
      step({ call: "verify_identity", args: { customer_id: "{customer.id}", ...args(verifyBy) }, expect: "verified", say: "Thank you, you're verified." }),
    );
  }
  return { ...verification, slots, steps };
}

