import { createJobQueue, type JobQueue } from '../../relay/scheduler/jobs';
import { describeEachBackend } from '../helpers/backends';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** A gate a job handler waits on, so tests decide when a job finishes. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

describeEachBackend('job queue', (backend) => {
  let jobs: JobQueue;
  const errors: Error[] = [];

  beforeAll(async () => {
    jobs = await createJobQueue(backend.db(), {
      schema: backend.kind === 'postgres' ? backend.uniqueSchema('pgboss') : 'pgboss',
      pollingIntervalSeconds: 0.5,
      schedule: false,
      onError: (error) => errors.push(error),
    });
  });
  afterAll(async () => {
    await jobs?.stop({ timeoutMs: 1000 });
  });

  it('sends a job, a worker runs it with its data, and it ends completed', async () => {
    await jobs.createQueue('basic');
    const seen: Array<{ id: string; data: { n: number } }> = [];
    await jobs.work<{ n: number }>('basic', async (job) => {
      seen.push({ id: job.id, data: job.data });
      return { doubled: job.data.n * 2 };
    });
    const id = await jobs.send('basic', { n: 21 });
    expect(id).toEqual(expect.any(String));
    await waitFor(async () => (await jobs.countByState('basic')).completed === 1, 10000, 'completion');
    expect(seen).toEqual([{ id, data: { n: 21 } }]);
    const job = await jobs.boss.getJobById('basic', id!);
    expect(job?.output).toEqual({ doubled: 42 });
  });

  it('refuses to send to a queue that was never created, and createQueue is idempotent', async () => {
    await expect(jobs.send('no-such-queue', {})).rejects.toThrow(/does not exist/);
    await jobs.createQueue('twice', { policy: 'short' });
    await jobs.createQueue('twice', { policy: 'short', retryLimit: 5 });
    expect(await jobs.boss.getQueue('twice')).toMatchObject({ retryLimit: 5, policy: 'short' });
    await expect(jobs.createQueue('twice', { policy: 'exclusive' })).rejects.toThrow(/policy short; it cannot be changed/);

    // A relay restart calls createQueue again: an exclusive queue must stay exclusive.
    await jobs.createQueue('restarted', { policy: 'exclusive' });
    await jobs.createQueue('restarted', { policy: 'exclusive', retryLimit: 1 });
    expect(await jobs.boss.getQueue('restarted')).toMatchObject({ policy: 'singleton', retryLimit: 1 });
    expect(await jobs.send('restarted', {}, { singletonKey: 'k', startAfter: 60 })).toEqual(expect.any(String));
    expect(await jobs.send('restarted', {}, { singletonKey: 'k', startAfter: 60 })).toBeNull();
  });

  it('exclusive queue: one job per key at a time, other keys run alongside, the key frees up when done', async () => {
    await jobs.createQueue('sessions', { policy: 'exclusive' });
    const active = new Map<string, number>();
    let maxActivePerKey = 0;
    const started: string[] = [];
    const gates = new Map<string, ReturnType<typeof gate>>();
    await jobs.work<{ mailbox: string; tag: string }>(
      'sessions',
      async (job) => {
        const key = job.data.mailbox;
        active.set(key, (active.get(key) ?? 0) + 1);
        maxActivePerKey = Math.max(maxActivePerKey, active.get(key)!);
        started.push(job.data.tag);
        try {
          await gates.get(job.data.tag)?.opened;
        } finally {
          active.set(key, active.get(key)! - 1);
        }
      },
      { concurrency: 3 },
    );
    for (const tag of ['A1', 'A2', 'B1', 'A3']) gates.set(tag, gate());

    const a1 = await jobs.send('sessions', { mailbox: 'a', tag: 'A1' }, { singletonKey: 'mailbox-a' });
    expect(a1).toEqual(expect.any(String));
    await waitFor(() => started.includes('A1'), 10000, 'A1 to start');

    // "Sync now" for the same mailbox while its session runs: refused, so the two can never overlap.
    expect(await jobs.send('sessions', { mailbox: 'a', tag: 'A2' }, { singletonKey: 'mailbox-a' })).toBeNull();
    // Enforced by the database, not just by this wrapper: a raw pg-boss send (as cron would do) is refused too.
    expect(await jobs.boss.send('sessions', { mailbox: 'a', tag: 'A2' }, { singletonKey: 'mailbox-a' })).toBeNull();

    // Another mailbox is not held up by mailbox a's running session.
    const b1 = await jobs.send('sessions', { mailbox: 'b', tag: 'B1' }, { singletonKey: 'mailbox-b' });
    expect(b1).toEqual(expect.any(String));
    await waitFor(() => started.includes('B1'), 10000, 'B1 to start while A1 runs');
    expect(active.get('a')).toBe(1);
    expect(active.get('b')).toBe(1);

    gates.get('A1')!.open();
    gates.get('B1')!.open();
    await waitFor(async () => (await jobs.countByState('sessions')).completed === 2, 10000, 'A1 and B1 to complete');

    // Mailbox a is free again.
    const a3 = await jobs.send('sessions', { mailbox: 'a', tag: 'A3' }, { singletonKey: 'mailbox-a' });
    expect(a3).toEqual(expect.any(String));
    gates.get('A3')!.open();
    await waitFor(async () => (await jobs.countByState('sessions')).completed === 3, 10000, 'A3 to complete');

    expect(started).toEqual(['A1', 'B1', 'A3']);
    expect(maxActivePerKey).toBe(1);
  });

  it('exclusive queue: a send without a singletonKey is refused', async () => {
    await jobs.createQueue('sessions-2', { policy: 'exclusive' });
    await expect(jobs.send('sessions-2', { x: 1 })).rejects.toThrow(/needs a singletonKey/);
    await expect(jobs.schedule('sessions-2', '*/30 * * * *', { x: 1 })).rejects.toThrow(/needs a singletonKey/);
    await jobs.schedule('sessions-2', '*/30 * * * *', { x: 1 }, { singletonKey: 'tick' });
    expect((await jobs.boss.getSchedules()).map((s) => s.name)).toContain('sessions-2');
    await jobs.unschedule('sessions-2');
    expect((await jobs.boss.getSchedules()).map((s) => s.name)).not.toContain('sessions-2');
  });

  it('retries a failed job (also on an exclusive queue, where the key stays taken until the retry ends)', async () => {
    await jobs.createQueue('flaky', { policy: 'exclusive', retryLimit: 2, retryDelay: 1 });
    let calls = 0;
    await jobs.work<{ m: string }>('flaky', async () => {
      calls += 1;
      if (calls === 1) throw new Error('C4C answered 503');
    });
    expect(await jobs.send('flaky', { m: 'x' }, { singletonKey: 'mailbox-x' })).toEqual(expect.any(String));
    await waitFor(() => calls === 1, 10000, 'first attempt');
    // Between the failure and the retry (state active → retry → active) the key stays taken.
    expect(await jobs.send('flaky', { m: 'again' }, { singletonKey: 'mailbox-x' })).toBeNull();
    await waitFor(async () => (await jobs.countByState('flaky')).retry === 1, 5000, 'the retry state');
    expect(await jobs.send('flaky', { m: 'again' }, { singletonKey: 'mailbox-x' })).toBeNull();
    await waitFor(async () => (await jobs.countByState('flaky')).completed === 1, 15000, 'the retry to complete');
    expect(calls).toBe(2);
  });

  it('short queue: at most one job per key waits; more sends return null', async () => {
    await jobs.createQueue('debounce', { policy: 'short' });
    const first = await jobs.send('debounce', { n: 1 }, { singletonKey: 'k', startAfter: 60 });
    expect(first).toEqual(expect.any(String));
    expect(await jobs.send('debounce', { n: 2 }, { singletonKey: 'k', startAfter: 60 })).toBeNull();
    expect(await jobs.send('debounce', { n: 3 }, { singletonKey: 'other', startAfter: 60 })).toEqual(expect.any(String));
  });

  it('a worker takes the next waiting job at once, not after the polling interval', async () => {
    await jobs.createQueue('backlog');
    // Inserted before the worker starts (no wake-up from send): only the loop itself decides when it fetches again.
    await jobs.boss.insert(Array.from({ length: 5 }, (_, n) => ({ name: 'backlog', data: { n } })));
    const done: number[] = [];
    const started = Date.now();
    // With pg-boss 10's own worker, each job would wait out the 5 s interval: ≈ 20 s for the five.
    await jobs.work<{ n: number }>(
      'backlog',
      async (job) => {
        done.push(job.data.n);
      },
      { pollingIntervalSeconds: 5 },
    );
    await waitFor(async () => (await jobs.countByState('backlog')).completed === 5, 4000, 'five completions');
    expect(Date.now() - started).toBeLessThan(4000);
    expect(done.sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('a handler cannot complete a job that was failed and started again meanwhile (a takeover)', async () => {
    await jobs.createQueue('taken-over', { retryLimit: 1, retryDelay: 0 });
    const gates = [gate(), gate()];
    let attempts = 0;
    await jobs.work(
      'taken-over',
      async () => {
        const attempt = attempts;
        attempts += 1;
        await gates[attempt]!.opened;
        return { attempt };
      },
      { concurrency: 2 },
    );
    const id = (await jobs.send('taken-over', {}))!;
    await waitFor(() => attempts === 1, 5000, 'the first attempt');
    // Another process declares the run dead (as the sync scheduler's heartbeat takeover does); it is retried.
    await jobs.boss.fail('taken-over', id, { reason: 'taken over' });
    await waitFor(() => attempts === 2, 5000, 'the second attempt');
    gates[0]!.open();
    await sleep(300);
    // The first handler's late result did not end the second run.
    expect(await jobs.boss.getJobById('taken-over', id)).toMatchObject({ state: 'active', retryCount: 1 });
    gates[1]!.open();
    await waitFor(async () => (await jobs.countByState('taken-over')).completed === 1, 5000, 'the second run to complete');
    expect((await jobs.boss.getJobById('taken-over', id))?.output).toEqual({ attempt: 1 });
  });

  it("a handler running past the job's expireInSeconds fails the job and the worker goes on", async () => {
    await jobs.createQueue('expiring', { retryLimit: 0, expireInSeconds: 1 });
    const seen: string[] = [];
    await jobs.work<{ tag: string }>('expiring', async (job) => {
      seen.push(job.data.tag);
      if (job.data.tag === 'stuck') await sleep(3000);
    });
    const stuck = (await jobs.send('expiring', { tag: 'stuck' }))!;
    await waitFor(() => seen.includes('stuck'), 5000, 'the stuck job to start');
    await jobs.send('expiring', { tag: 'next' });
    await waitFor(async () => (await jobs.countByState('expiring')).completed === 1, 2500, 'the next job, before the stuck one ends');
    const failed = await jobs.boss.getJobById('expiring', stuck);
    expect(failed?.state).toBe('failed');
    expect(JSON.stringify(failed?.output)).toMatch(/expireInSeconds/);
  });

  it('stop() waits for a running job to finish before resolving', async () => {
    // A queue of its own so the other tests' workers are unaffected until the end.
    await jobs.createQueue('slow');
    let finished = false;
    let startedAt = 0;
    await jobs.work('slow', async () => {
      startedAt = Date.now();
      await sleep(1200);
      finished = true;
    });
    await jobs.send('slow', {});
    await waitFor(() => startedAt > 0, 10000, 'the slow job to start');
    await jobs.stop({ timeoutMs: 10000 });
    expect(finished).toBe(true);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1100);
    const counts = await jobs.countByState('slow');
    expect(counts).toEqual({ completed: 1 });
    expect(errors).toEqual([]);
  });
});
