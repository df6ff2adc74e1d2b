// The peers `npm run bench` runs beside voicesim on the same loopback model: a bare ChatOpenAI
// loop (the least any LangChain client can do per request) and openevals' multi-turn simulator.
// openevals lives in bench/peers/ (`npm run bench:peers` installs it there), apart from the
// project's dependencies; without it the bench says so and skips it.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { HumanMessage, type BaseMessage, AIMessage } from "@langchain/core/messages";
import { ChatOpenAI } from "@langchain/openai";
import pLimit from "p-limit";

/** What one peer did: conversations finished and model requests made. */
export interface PeerRun {
  conversations: number;
  requests: number;
}

/** Caller and agent take turns, each turn one request, `turns` exchanges after the agent's greeting. */
export async function bareChatOpenAILoop(baseUrl: string, conversations: number, concurrency: number, turns = 3): Promise<PeerRun> {
  const model = new ChatOpenAI({ model: "bench-model", apiKey: "not-needed", maxRetries: 0, configuration: { baseURL: baseUrl } });
  const caller = new ChatOpenAI({ model: "bench-model", apiKey: "not-needed", maxRetries: 0, configuration: { baseURL: baseUrl } });
  let requests = 0;
  const limit = pLimit(concurrency);
  const one = async () => {
    const history: BaseMessage[] = [new HumanMessage("(the phone rings)")];
    history.push(new AIMessage(String((await model.invoke(history)).content)));
    requests++;
    for (let turn = 0; turn < turns; turn++) {
      history.push(new HumanMessage(String((await caller.invoke(history)).content)));
      history.push(new AIMessage(String((await model.invoke(history)).content)));
      requests += 2;
    }
  };
  await Promise.all(Array.from({ length: conversations }, () => limit(one)));
  return { conversations, requests };
}

const PEERS_DIR = fileURLToPath(new URL("./peers/node_modules/", import.meta.url));

/** True when `npm run bench:peers` has installed openevals. */
export function isOpenevalsInstalled(): boolean {
  return existsSync(`${PEERS_DIR}openevals/package.json`);
}

interface ChatLike {
  invoke(messages: unknown): Promise<{ content: unknown }>;
}
interface OpenevalsModule {
  runMultiturnSimulation(params: {
    app: (params: { inputs: unknown; threadId: string }) => Promise<unknown>;
    user: unknown;
    maxTurns: number;
  }): Promise<unknown>;
  createLLMSimulatedUser(params: { system: string; client: ChatLike }): unknown;
}
type ChatOpenAIConstructor = new (fields: Record<string, unknown>) => ChatLike;

/** openevals' runMultiturnSimulation with its LLM simulated user, both on the given endpoint. */
export async function openevalsSimulation(baseUrl: string, conversations: number, concurrency: number, turns = 3): Promise<PeerRun> {
  const openevals = (await import(`${PEERS_DIR}openevals/dist/index.js`)) as OpenevalsModule;
  const { ChatOpenAI: PeerChatOpenAI } = (await import(`${PEERS_DIR}@langchain/openai/dist/index.js`)) as { ChatOpenAI: ChatOpenAIConstructor };
  const fields = { model: "bench-model", apiKey: "not-needed", maxRetries: 0, configuration: { baseURL: baseUrl } };
  let requests = 0;
  const counted = (chat: ChatLike): ChatLike => ({
    invoke: async (messages) => {
      requests++;
      return chat.invoke(messages);
    },
  });
  const app = counted(new PeerChatOpenAI(fields));
  const histories = new Map<string, unknown[]>();
  const limit = pLimit(concurrency);
  const one = async () => {
    const user = openevals.createLLMSimulatedUser({ system: "You are a customer calling about your balance.", client: counted(new PeerChatOpenAI(fields)) });
    await openevals.runMultiturnSimulation({
      app: async ({ inputs, threadId }) => {
        const history = histories.get(threadId) ?? [];
        history.push(inputs);
        const answer = await app.invoke(history);
        const reply = { role: "assistant", content: String(answer.content) };
        history.push(reply);
        histories.set(threadId, history);
        return reply;
      },
      user,
      maxTurns: turns,
    });
  };
  await Promise.all(Array.from({ length: conversations }, () => limit(one)));
  return { conversations, requests };
}
