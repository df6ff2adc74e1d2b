import { VoicesimError } from "../../scenarios/index.ts";

/**
 * The agent under test failed the call: it broke the protocol, timed out or hung up the socket.
 * The code is the one the call graph records as a failed call with this reason, so the batch
 * goes on and the run counts it against the agent.
 */
export function agentFailure(endpoint: string, message: string): VoicesimError {
  return new VoicesimError("model_failed", `${endpoint}: ${message}`);
}
