import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BodyKind, Role } from '../events/roster.ts';
import { Adoptions } from './adoptions.ts';
import { type BodyRecord, type DirectiveRecord, Records } from './records.ts';
import { SnapshotReader, SnapshotWriter } from './snapshot-codec.ts';

const fcParams = { seed: 20_261_205, numRuns: 100, verbose: 1 } as const;

const day = fc.integer({ min: 19_000, max: 21_000 });
const text = fc.string({ minLength: 1, maxLength: 12 });
const holding = fc.record({
  person: text,
  role: fc.constantFrom(...Role.options),
  from: day,
  reasonIn: text,
  to: fc.option(day, { nil: undefined }),
  reasonOut: fc.option(text, { nil: undefined }),
});
const body = (i: number) =>
  fc.record({
    id: fc.constant(`body-${i}`),
    unit: fc.nat(50),
    kind: fc.constantFrom(...BodyKind.options),
    name: text,
    programme: fc.option(text, { nil: undefined }),
    constitutedDay: day,
    holdings: fc.array(holding, { maxLength: 8 }),
  }) as fc.Arbitrary<BodyRecord>;
const directive = (i: number) =>
  fc
    .record({
      number: text,
      title: text,
      issuedDay: day,
      adoptions: fc.array(
        fc.tuple(fc.nat(80), fc.record({ day, plan: fc.option(text, { nil: undefined }) })),
        { maxLength: 10 },
      ),
      withdrawnDay: fc.option(day, { nil: undefined }),
    })
    .map(
      (d): DirectiveRecord => ({
        id: `d-${i}`,
        number: d.number,
        kind: 'plan',
        title: d.title,
        issuer: { unitId: 'tw' },
        issuerUnit: 0,
        issuedDay: d.issuedDay,
        period: undefined,
        implements: i > 0 ? [`d-${i - 1}`] : [],
        targets: new Map(),
        adoptions: Adoptions.from(d.adoptions),
        withdrawnDay: d.withdrawnDay,
        amendments: 0,
      }),
    );
const records = fc
  .tuple(fc.nat(5), fc.nat(4))
  .chain(([b, d]) =>
    fc.tuple(
      fc.tuple(...Array.from({ length: b }, (_, i) => body(i))),
      fc.tuple(...Array.from({ length: d }, (_, i) => directive(i))),
    ),
  );

const roundTrip = (from: Records): Records => {
  const w = new SnapshotWriter();
  const r = new SnapshotReader(w.finish(from.exportState(w)));
  const to = new Records();
  to.importState(r, r.header as ReturnType<Records['exportState']>);
  return to;
};

describe('Records checkpoint', () => {
  it('restores bodies with their holdings and directives with their adoptions, open ends and missing plans kept', () => {
    fc.assert(
      fc.property(records, ([bodies, directives]) => {
        const before = new Records();
        for (const b of bodies) before.addBody(b);
        for (const d of directives) before.addDirective(d);
        const after = roundTrip(before);
        expect([...after.bodies.values()]).toEqual([...before.bodies.values()]);
        expect([...after.bodiesByUnit]).toEqual([...before.bodiesByUnit]);
        for (const [id, d] of before.directives) {
          const back = after.directives.get(id)!;
          expect([...back.adoptions]).toEqual([...d.adoptions]);
          expect({ ...back, adoptions: null }).toEqual({ ...d, adoptions: null });
        }
        expect([...after.implementedBy]).toEqual([...before.implementedBy]);
      }),
      fcParams,
    );
  });

  it('refuses holding counts that do not add up to the holdings', () => {
    const before = new Records();
    before.addBody({
      id: 'b',
      unit: 1,
      kind: 'executive-committee',
      name: 'Ban Chấp hành',
      programme: undefined,
      constitutedDay: 19_000,
      holdings: [
        {
          person: 'p',
          role: 'secretary',
          from: 19_000,
          reasonIn: 'elected',
          to: undefined,
          reasonOut: undefined,
        },
      ],
    });
    const w = new SnapshotWriter();
    const state = before.exportState(w);
    const r = new SnapshotReader(w.finish({ ...state, holdingCounts: w.blob(Int32Array.of(2)) }));
    expect(() => new Records().importState(r, r.header as typeof state)).toThrow(
      'Records.importState: the holding counts do not add up to the holdings',
    );
    before.addDirective({
      id: 'd',
      number: '12-KH/TĐTN',
      kind: 'plan',
      title: 'Kế hoạch',
      issuer: { unitId: 'tw' },
      issuerUnit: 0,
      issuedDay: 19_000,
      period: undefined,
      implements: [],
      targets: new Map(),
      adoptions: Adoptions.from([
        [1, { day: 19_001, plan: undefined }],
        [2, { day: 19_002, plan: 'KH 12' }],
      ]),
      withdrawnDay: undefined,
      amendments: 0,
    });
    const w2 = new SnapshotWriter();
    const state2 = before.exportState(w2);
    const r2 = new SnapshotReader(
      w2.finish({
        more: { ...state2, adoptionCounts: w2.blob(Int32Array.of(3)) },
        fewer: { ...state2, adoptionCounts: w2.blob(Int32Array.of(1)) },
        state: state2,
      }),
    );
    const h2 = r2.header as Record<'more' | 'fewer' | 'state', typeof state2>;
    for (const bad of [h2.more, h2.fewer])
      expect(() => new Records().importState(r2, bad)).toThrow(
        'Records.importState: the adoption counts do not add up to the adoptions',
      );
    const back = new Records();
    back.importState(r2, h2.state);
    expect([...back.directives.get('d')!.adoptions]).toEqual([...before.directives.get('d')!.adoptions]);
  });
});
