import type { StoredEvent } from '@chitieu/core';

/**
 * Participant ids never leave the API. Wherever an event's data holds `participants` (a recorded activity,
 * a correction's `set` and `previous`, a void's `previous`) the list becomes `participantCount`; a
 * roster event's `personId` is dropped. The walk is generic so that a future event shape holding
 * people is redacted too, as long as it uses these field names.
 */
const redactValue = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(redactValue);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === 'participants' && Array.isArray(v)) out.participantCount = v.length;
    else if (key === 'personId') out.personRedacted = true;
    else out[key] = redactValue(v);
  }
  return out;
};

/** An event as the API serves it: its data (and nothing else) redacted. */
export type PublicEvent = Omit<StoredEvent, 'data'> & { readonly data: unknown };

/** The event with participant and person ids replaced (see module comment). */
export const redactEvent = (event: StoredEvent): PublicEvent => ({ ...event, data: redactValue(event.data) });
