// The bench's pretend model, in a process of its own so the bench's CPU figures are the client's
// alone. Answers after 200 ms: the agent greets, the caller (structured output) hangs up after
// three turns. Prints its base URL, then serves until stdin closes.
import { startFakeOpenAIServer } from "../test/helpers/fake-openai-server.ts";

export const ANSWER_DELAY_MS = 200;

const server = await startFakeOpenAIServer((request) => {
  const body = request.body;
  const turn = body.messages.filter((m) => m.role === "assistant").length;
  if (body.response_format) {
    return { delayMs: ANSWER_DELAY_MS, content: JSON.stringify({ utterance: turn < 3 ? "I'd like to check my balance, please." : "Thanks, bye.", hang_up: turn >= 3 }) };
  }
  return { delayMs: ANSWER_DELAY_MS, content: "Thanks for calling. Could I have the phone number on your account?" };
}, { keepAliveTimeoutMs: 120_000 });
console.log(server.baseUrl);
process.stdin.resume();
process.stdin.on("end", () => void server.close().then(() => process.exit(0)));
