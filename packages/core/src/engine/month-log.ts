/**
 * A subtree's participations in one month, as the people of each (day, slot) group: 4 bytes a
 * participation, grouped day by day and, within a day, slot by slot. A read of any days in the month for any
 * slots is then one contiguous run per (day, slot) — or, for every slot, one run for all its days — with no
 * test per entry and no search.
 *
 * Only who took part is kept, not the order or the sign: a removal takes one of the person's entries out of
 * its group, which nets exactly as the unit logs' removal entries do (each follows, on the same day and slot,
 * what it takes back).
 */
export class MonthLog {
  /** The people, group after group; `starts[g]` is where group g begins, `starts[days × slots]` the end. */
  persons: Int32Array;
  starts: Int32Array;
  /** Slots per day: a participation in a slot past them regroups the log (see {@link #widen}). */
  slots: number;
  readonly days: number;

  constructor(days: number, slots: number, persons: Int32Array, starts: Int32Array) {
    this.days = days;
    this.slots = slots;
    this.persons = persons;
    this.starts = starts;
  }

  /** Participations kept. */
  get length(): number {
    return this.starts[this.days * this.slots]!;
  }

  /** Bytes held, the spare room in {@link persons} included. */
  get byteLength(): number {
    return this.persons.byteLength + this.starts.byteLength;
  }

  /** Where day `day`'s (0-based) group for `slot` begins (its end is the next group's start). */
  groupStart(day: number, slot: number): number {
    return this.starts[day * this.slots + slot]!;
  }

  /**
   * Adds (sign 1) or takes back (sign -1) a participation of `person` on day `day` (0-based) of the month in
   * `slot`. A participation taken back must have been added: anything else is a log out of step, a bug.
   */
  add(day: number, slot: number, person: number, sign: 1 | -1): void {
    if (sign === 1) {
      // Opened first: the opening may replace `persons` with a larger array.
      const at = this.#open(day, slot, 1);
      this.persons[at] = person;
      return;
    }
    const g = day * this.slots + slot;
    const starts = this.starts;
    const persons = this.persons;
    // A slot past the log's has no group: nothing to take back there.
    const from = slot < this.slots ? starts[g]! : 0;
    let at = slot < this.slots ? starts[g + 1]! - 1 : -1;
    while (at >= from && persons[at] !== person) at--;
    if (at < from) {
      throw new Error(
        `month log out of step: person ${person} has nothing to take back on day ${day}, slot ${slot}`,
      );
    }
    persons.copyWithin(at, at + 1, this.length);
    for (let k = g + 1; k < starts.length; k++) starts[k]!--;
  }

  /**
   * Adds participations of `persons[0..count)` on day `day` (0-based) in `slot` at once: one move of the
   * groups after it and one pass over their starts, where {@link add} would make one each per person (an
   * activity's participants arrive together).
   */
  addAll(day: number, slot: number, persons: Int32Array, count: number): void {
    if (count === 0) return;
    const at = this.#open(day, slot, count);
    this.persons.set(persons.subarray(0, count), at);
  }

  /** Makes room for `count` people at the end of day `day`'s group for `slot`; returns where they go. */
  #open(day: number, slot: number, count: number): number {
    if (slot >= this.slots) this.#widen(slot + 1);
    const g = day * this.slots + slot;
    const starts = this.starts;
    const end = this.length;
    if (end + count > this.persons.length) {
      const grown = new Int32Array(Math.max(16, end + count, end * 2));
      grown.set(this.persons.subarray(0, end));
      this.persons = grown;
    }
    const at = starts[g + 1]!;
    this.persons.copyWithin(at + count, at, end);
    for (let k = g + 1; k < starts.length; k++) starts[k]! += count;
    return at;
  }

  /** Regroups the log for `slots` slots a day: the new slots' groups are empty, at the end of each day. */
  #widen(slots: number): void {
    const old = this.slots;
    const starts = new Int32Array(this.days * slots + 1);
    for (let d = 0; d < this.days; d++) {
      for (let s = 0; s < slots; s++) {
        starts[d * slots + s] = this.starts[d * old + Math.min(s, old)]!;
      }
    }
    starts[this.days * slots] = this.length;
    this.starts = starts;
    this.slots = slots;
  }
}

/**
 * Gathers a {@link MonthLog} from participations met in any order of days — unit after unit, each in its own
 * log's order — with their signs. Its scratch is kept from one gathering to the next: a province's month is
 * hundreds of thousands of participations, gathered by a first read.
 */
export class MonthLogBuilder {
  /** Per participation met: its group × 2, +1 when it takes one back; and its person. */
  #groups = new Int32Array(1024);
  #persons = new Int32Array(1024);
  #n = 0;
  #removals = 0;
  #days = 0;
  #slots = 0;

  /** Starts a month of `days` days and `slots` slots a day, forgetting what was met before. */
  begin(days: number, slots: number): void {
    this.#days = days;
    this.#slots = Math.max(1, slots);
    this.#n = 0;
    this.#removals = 0;
  }

  /** Meets a participation (sign 1) or a taking back (sign -1) on day `day` (0-based) in `slot`. */
  push(day: number, slot: number, person: number, sign: number): void {
    if (this.#n === this.#groups.length) {
      const groups = new Int32Array(this.#n * 2);
      groups.set(this.#groups);
      this.#groups = groups;
      const persons = new Int32Array(this.#n * 2);
      persons.set(this.#persons);
      this.#persons = persons;
    }
    const removal = sign < 0 ? 1 : 0;
    this.#groups[this.#n] = (day * this.#slots + slot) * 2 + removal;
    this.#persons[this.#n] = person;
    this.#removals += removal;
    this.#n++;
  }

  /**
   * The month log of what was met: grouped by counting the additions per group; each removal then takes
   * back one of its person's entries in its group (met before it, as a unit log keeps them), and the groups
   * are closed up.
   */
  finish(): MonthLog {
    const groupCount = this.#days * this.#slots;
    const starts = new Int32Array(groupCount + 1);
    const groups = this.#groups;
    const n = this.#n;
    for (let i = 0; i < n; i++) {
      const g = groups[i]!;
      if ((g & 1) === 0) starts[(g >> 1) + 1]!++;
    }
    for (let g = 0; g < groupCount; g++) starts[g + 1]! += starts[g]!;
    const persons = new Int32Array(Math.max(16, starts[groupCount]!));
    const next = starts.slice(0, groupCount);
    const from = this.#persons;
    for (let i = 0; i < n; i++) {
      const g = groups[i]!;
      const group = g >> 1;
      if ((g & 1) === 0) {
        persons[next[group]!++] = from[i]!;
        continue;
      }
      // A removal: the person's entry moves out to the group's filled end, which then shrinks by one.
      let at = next[group]! - 1;
      while (at >= starts[group]! && persons[at] !== from[i]) at--;
      if (at < starts[group]!) {
        throw new Error(
          `month log out of step: person ${from[i]} has nothing to take back in group ${group}`,
        );
      }
      persons[at] = persons[--next[group]!]!;
    }
    if (this.#removals > 0) {
      // Close the gaps the removals left at the groups' ends.
      let to = 0;
      for (let g = 0; g < groupCount; g++) {
        const start = starts[g]!;
        const end = next[g]!;
        starts[g] = to;
        persons.copyWithin(to, start, end);
        to += end - start;
      }
      starts[groupCount] = to;
    }
    return new MonthLog(this.#days, this.#slots, persons, starts);
  }
}
