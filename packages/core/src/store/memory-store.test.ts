import { eventStoreContract } from './contract.ts';
import { MemoryEventStore } from './memory-store.ts';

eventStoreContract('memory', {
  open: async (options) => new MemoryEventStore(options),
});
