export { activity, type DataInput, event, split, unit } from './builders.ts';
export { sequentialIds } from './ids.ts';
export { type Intent, randomLog } from './random-log.ts';
