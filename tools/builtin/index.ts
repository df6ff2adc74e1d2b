import type { ToolDefinition } from "../define-tool.ts";
import { calendarTools } from "./calendar.ts";
import { crmTools } from "./crm.ts";
import { handoffTools } from "./handoff.ts";
import { paymentTools } from "./payments.ts";

/** Every built-in tool: CRM, calendar/booking, payments, hand-off. */
export const builtinTools: readonly ToolDefinition[] = [...crmTools, ...calendarTools, ...paymentTools, ...handoffTools] as unknown as ToolDefinition[];

export const builtinToolNames: readonly string[] = builtinTools.map((tool) => tool.name);
