import { correctedFacts, factsOf } from '../engine/engine.ts';
import type { ActivityFacts } from '../events/activities.ts';
import { activityStream } from '../events/activities.ts';
import type { StoredEvent } from '../events/envelope.ts';
import type { EventStore } from '../store/types.ts';

/** An activity as its stream tells it: current facts, whether voided, and the stream's version. */
export interface ActivityState {
  readonly facts: ActivityFacts | undefined;
  readonly voided: boolean;
  readonly version: number;
}

/** Folds an activity's stream (its record, then corrections and voids, in order). */
export const foldActivity = (events: readonly StoredEvent[]): ActivityState => {
  let facts: ActivityFacts | undefined;
  let voided = false;
  let version = 0;
  for (const e of events) {
    version = e.version;
    if (e.type === 'activity.recorded') facts = factsOf(e);
    else if (e.type === 'activity.corrected' && facts) facts = correctedFacts(facts, e.data.set);
    else if (e.type === 'activity.voided') voided = true;
  }
  return { facts, voided, version };
};

/** Reads an activity's state from the log, up to (not including) stream version `before` when given. */
export const loadActivity = async (
  store: EventStore,
  activityId: string,
  before?: number,
): Promise<ActivityState> => {
  const events = await store.readStream(
    activityStream(activityId),
    before === undefined ? {} : { limit: before - 1 },
  );
  return foldActivity(events);
};
