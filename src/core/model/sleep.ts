import { NodeDoctorError } from '../errors';

/** Waits `ms`; an abort ends the wait at once with a `cancelled` NodeDoctorError. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = (): void => { clearTimeout(timer); reject(new NodeDoctorError('cancelled', 'Cancelled.')); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
