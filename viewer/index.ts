export { startViewer } from "./server.ts";
export type { Viewer, ViewerOptions } from "./server.ts";
export { ClientMessage, ForkPair, ListFilters, ListItem } from "./protocol.ts";
export type { ServerMessage } from "./protocol.ts";
export { gapBefore, MAX_GAP_MS } from "./playback.ts";
