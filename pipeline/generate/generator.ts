import type { Scenario, ScenarioPack, TokenUsage } from "../../scenarios/index.ts";

/** What the critic said of the previous round, fed to the next one. */
export interface GenerationFeedback {
  /** A short text for an LLM generator ("12 of 30 were redundant: vary the persona ..."). */
  summary: string;
  /** Signatures of variants the critic or gate rejected: don't make them again. */
  avoidSignatures: string[];
  /** Share of last round's variants flagged redundant (0–1). */
  redundantShare: number;
}

export interface GenerateRequest {
  pack: ScenarioPack;
  /** 1-based generation round. */
  round: number;
  /** How many variants to propose. */
  count: number;
  seed: number;
  feedback?: GenerationFeedback;
}

export interface GenerateResult {
  scenarios: Scenario[];
  usage: TokenUsage;
}

/** Step 1: proposes scenario variants from a pack's seeds (scripted or LLM). */
export interface ScenarioGenerator {
  readonly id: string;
  generate(request: GenerateRequest): Promise<GenerateResult>;
}
