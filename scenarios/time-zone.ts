import { IANAZone } from "luxon";
import { closestName } from "./did-you-mean.ts";

/**
 * Why `zone` cannot be a scenario's time zone, or undefined when it can. Luxon would accept the
 * scenario and then fail deep inside a run; checked here, it is a validation error with a hint.
 */
export function timeZoneProblem(zone: string): string | undefined {
  if (IANAZone.isValidZone(zone)) return undefined;
  const suggestion = closestName(zone, knownZones());
  return suggestion
    ? `unknown IANA time zone "${zone}" — did you mean "${suggestion}"?`
    : `unknown IANA time zone "${zone}" — use a name like Europe/Paris or America/Chicago`;
}

let zones: string[] | undefined;

/** The names this runtime knows (Intl leaves out the UTC alias, which luxon accepts). */
function knownZones(): string[] {
  zones ??= ["UTC", ...(typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [])];
  return zones;
}
