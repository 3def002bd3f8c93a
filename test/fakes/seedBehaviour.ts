// Ties a FakeCri to a FakeNodeAccess the way containerd 1.6 + libcni 1.1 behave on teardown (runtime lab, REPORT):
// StopPodSandbox reads every cache file of the sandbox whose network is cniVersion >= 0.4.0 and fails on the first that
// does not decode; `{}` and 0.3.1 networks (containerd's loopback) never fail. Missing files are fine.
import { classifyCacheBytes, cniVersionReadsCache, isUnreadable, parseCacheFileName } from '../../src/core/cni/cacheFile';
import type { FakeCri } from './fakeCri';
import type { FakeNodeAccess } from './fakeNodeAccess';

const DECODE_ERRORS: Readonly<Record<string, string>> = {
  empty: 'unexpected end of JSON input',
  whitespace: 'unexpected end of JSON input',
  truncated: 'unexpected end of JSON input',
  garbage: "invalid character 'g' looking for beginning of value",
  'nul-bytes': "invalid character '\\x00' looking for beginning of value",
};

export function wireSeedBehaviour(cri: FakeCri, access: FakeNodeAccess, resultsDir: string, networkVersions: ReadonlyMap<string, string>): void {
  cri.stopFailure = (id) => {
    for (const [filePath, file] of access.files) {
      if (!filePath.startsWith(`${resultsDir}/`)) continue;
      const name = parseCacheFileName(filePath.slice(resultsDir.length + 1));
      if (!name || name.sandboxId !== id) continue;
      const version = networkVersions.get(name.network) ?? (name.network === 'cni-loopback' ? '0.3.1' : '1.0.0');
      const { state } = classifyCacheBytes(file.data);
      if (cniVersionReadsCache(version) && isUnreadable(state)) {
        return `failed to destroy network for sandbox "${id}": failed to get network "${name.network}" cached result: decoding version from network config: ${DECODE_ERRORS[state] ?? 'invalid character'}`;
      }
    }
    return undefined;
  };
}
