import type { StoredEvent } from '@chitieu/core';
import { describe, expect, it } from 'vitest';
import { redactEvent } from './redact.ts';

const stored = (type: string, data: unknown) =>
  ({
    id: 'x',
    type,
    schemaVersion: 1,
    stream: 's',
    version: 1,
    position: 1,
    occurredAt: '2024-01-01',
    recordedAt: '2024-01-01T00:00:00Z',
    data,
  }) as unknown as StoredEvent;

describe('redactEvent', () => {
  it('turns participant lists into counts at any depth and drops person ids', () => {
    const e = redactEvent(
      stored('activity.corrected', {
        activityId: 'a',
        set: { participants: ['p1', 'p2'] },
        previous: { participants: ['p1'], unitId: 'u' },
        reason: 'r',
      }),
    );
    expect(e.data).toEqual({
      activityId: 'a',
      set: { participantCount: 2 },
      previous: { participantCount: 1, unitId: 'u' },
      reason: 'r',
    });
    expect(redactEvent(stored('role.vacated', { bodyId: 'b', personId: 'p9', role: 'member' })).data).toEqual(
      {
        bodyId: 'b',
        personRedacted: true,
        role: 'member',
      },
    );
  });

  it('leaves the envelope and other data untouched', () => {
    const e = stored('unit.registered', { unitId: 'u', name: 'U', level: 'central', parentId: null });
    expect(redactEvent(e)).toEqual(e);
  });
});
