/**
 * The emulator's GroupwareItemID index answers exactly what a scan of the rows would, after any mix of creates,
 * changes, deletes and rolled-back changesets (property test): it may make look-ups fast, never different.
 */
import fc from 'fast-check';
import { TenantStore } from '../emulators/c4c/store';

type Op =
  | { op: 'put'; id: number; key: string | undefined }
  | { op: 'remove'; id: number }
  | { op: 'begin' }
  | { op: 'commit' }
  | { op: 'rollback' };

const KEYS = ['<a@x>', '<A@X>', '<b@x>', '<c@x>'];

const ops = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant('put' as const), id: fc.integer({ min: 0, max: 5 }), key: fc.option(fc.constantFrom(...KEYS), { nil: undefined }) }),
    fc.record({ op: fc.constant('remove' as const), id: fc.integer({ min: 0, max: 5 }) }),
    fc.constant({ op: 'begin' as const }),
    fc.constant({ op: 'commit' as const }),
    fc.constant({ op: 'rollback' as const }),
  ),
  { maxLength: 40 },
);

test('rowsWhere equals a case-insensitive scan, in the scan order, after any operations', () => {
  fc.assert(
    fc.property(ops, fc.subarray(KEYS, { minLength: 1 }), (sequence: Op[], wanted) => {
      const store = new TenantStore();
      let depth = 0;
      for (const step of sequence) {
        if (step.op === 'put') store.put('EMailCollection', `O${step.id}`, { ObjectID: `O${step.id}`, ...(step.key ? { GroupwareItemID: step.key } : {}) });
        else if (step.op === 'remove') store.remove('EMailCollection', `O${step.id}`);
        else if (step.op === 'begin') {
          store.begin();
          depth += 1;
        } else if (depth > 0) {
          if (step.op === 'commit') store.commit();
          else store.rollback();
          depth -= 1;
        }
      }
      const lower = new Set(wanted.map((k) => k.toLowerCase()));
      const scanned = store.rows('EMailCollection').filter((r) => typeof r.GroupwareItemID === 'string' && lower.has(r.GroupwareItemID.toLowerCase()));
      expect(store.rowsWhere('EMailCollection', 'GroupwareItemID', wanted)).toEqual(scanned);
    }),
    { numRuns: 500 },
  );
});
