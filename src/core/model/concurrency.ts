import { throwIfAborted } from '../errors';

/**
 * Runs `work` over `items` with at most `limit` at a time (CRI lookups, cache-file reads, Docker inspects, pod probes),
 * results in the order of the items; stops taking new items once `signal` is aborted.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>, signal?: AbortSignal): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      throwIfAborted(signal);
      const index = next++;
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
