import type { Extracted, Rule } from '../types';
import { causeDepth, matched } from './support';

const DISK = /failed to garbage collect required amount of images\. Wanted to free (\d{1,20}) bytes, but freed (\d{1,20}) bytes|Image garbage collection failed(?! once)|[Aa]ttempting to reclaim"?(?: resourceName=)?"? ?(ephemeral-storage|nodefs|imagefs|nodefs\.inodesFree|imagefs\.inodesFree)|no space left on device|(FreeDiskSpaceFailed|ImageGCFailed)|EvictionThresholdMet [^\n]{0,80}?(ephemeral-storage|nodefs|imagefs)|(?:Node|Kubelet)HasDiskPressure|had condition: \[DiskPressure\]|over the high threshold|[Dd]isk quota exceeded|low on resource: (ephemeral-storage|nodefs|imagefs)/;

/** The node is short of disk: image garbage collection cannot free enough, evictions for disk, ENOSPC. */
export const diskPressureRule: Rule = {
  id: 'disk-pressure',
  category: 'disk-pressure',
  severity: 'warning',
  title: 'Node disk pressure',
  summary: 'Image garbage collection that cannot free enough, evictions to reclaim disk, `no space left on device`; the start-up `Image garbage collection failed once. Stats initialization may not have completed yet` is normal and not claimed.',
  literals: ['garbage collect required amount of images', 'Image garbage collection failed', 'attempting to reclaim', 'no space left on device', 'FreeDiskSpaceFailed', 'ImageGCFailed', 'EvictionThresholdMet', 'ttempting to reclaim', 'HasDiskPressure', 'DiskPressure]', 'high threshold', 'quota exceeded', 'low on resource'],
  keyFields: ['reason'],
  match(event) {
    const m = DISK.exec(event.text);
    if (m === null) return undefined;
    // Image GC failing on a runtime error (`rpc error: … not implemented`) is a runtime call failure, not disk.
    if (m[0].startsWith('Image garbage collection failed') && event.text.includes('rpc error')) return undefined;
    // Deep in a chain (`OCI runtime create failed: … no space left on device`) the disk is the deepest cause.
    const depth = Math.max(0, causeDepth(event, /no space left on device|[Dd]isk quota exceeded/));
    const at = (extracted: Extracted): ReturnType<typeof matched> => matched(depth, extracted);
    const resource = m[3] ?? m[5] ?? m[6];
    if (resource !== undefined) return at({ reason: `eviction to reclaim ${resource}` });
    if (event.text.includes('no space left on device')) return at({ reason: 'no space left on device' });
    if (m[0].includes('DiskPressure') || m[0].includes('quota')) return at({ reason: 'node under disk pressure' });
    if (m[0].includes('high threshold')) return at({ reason: 'image filesystem over the high threshold' });
    const extracted: Extracted = { reason: 'image garbage collection cannot free enough space' };
    if (m[1] !== undefined) extracted.size = Number(m[1]);
    return at(extracted);
  },
};
