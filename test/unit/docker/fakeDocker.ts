// An in-memory Docker Engine for unit tests: containers as `/containers/json` lists them, inspect documents built from
// them, and a log of stop/remove calls. The real daemon is exercised in test/integration/docker.test.ts.
import type { DockerApi, DockerContainerInspect, DockerContainerSummary, DockerListed, DockerListFilter, DockerVersion } from '../../../src/core/docker/dockerEngine';
import { DockerError } from '../../../src/core/docker/dockerEngine';

export function hexId(seed: number): string {
  return seed.toString(16).padStart(2, '0').repeat(32);
}

export interface FakePodIds {
  readonly sandboxId: string;
  readonly containerId: string;
}

export class FakeDocker implements DockerApi {
  readonly containers = new Map<string, DockerContainerSummary>();
  readonly calls: string[] = [];

  add(c: Partial<DockerContainerSummary> & { Id: string; Labels: Record<string, string> }): void {
    this.containers.set(c.Id, { Names: [], Image: 'img', ImageID: 'sha256:1', Created: 1_700_000_000, State: 'running', Status: 'Up 1 minute', ...c });
  }

  /** A pod as dockershim makes it: podsandbox container + one container. */
  addPod(name: string, seed: number, options: { sandboxState?: string; containerState?: string; status?: string } = {}): FakePodIds {
    const sandboxId = hexId(seed);
    const containerId = hexId(seed + 100);
    const uid = `uid-${seed}`;
    const pod = { 'io.kubernetes.pod.name': name, 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.uid': uid };
    this.add({ Id: sandboxId, Names: [`/k8s_POD_${name}_default_${uid}_0`], State: options.sandboxState ?? 'running', Labels: { ...pod, 'io.kubernetes.docker.type': 'podsandbox', 'io.kubernetes.container.name': 'POD', 'annotation.kubernetes.io/config.source': 'api' } });
    this.add({
      Id: containerId, Names: [`/k8s_app_${name}_default_${uid}_2`], State: options.containerState ?? 'running', Status: options.status ?? 'Up 1 minute',
      Labels: { ...pod, 'io.kubernetes.docker.type': 'container', 'io.kubernetes.container.name': 'app', 'io.kubernetes.sandbox.id': sandboxId },
    });
    return { sandboxId, containerId };
  }

  ping(): Promise<{ apiVersion: string }> {
    return Promise.resolve({ apiVersion: '1.41' });
  }

  version(): Promise<DockerVersion> {
    return Promise.resolve({ Version: '19.03.13', ApiVersion: '1.40' });
  }

  listContainers(filter: DockerListFilter = {}): Promise<DockerListed> {
    this.calls.push(`list ${(filter.labels ?? []).join(',')}`);
    const containers = [...this.containers.values()].filter((c) => (filter.labels ?? []).every((l) => {
      const [key, value] = l.split('=');
      return value === undefined ? c.Labels?.[key] !== undefined : c.Labels?.[key] === value;
    }));
    return Promise.resolve({ containers, bytes: JSON.stringify(containers).length });
  }

  inspectContainer(id: string): Promise<{ container: DockerContainerInspect; raw: string }> {
    const c = this.containers.get(id);
    if (!c) return Promise.reject(new DockerError('GET', `/containers/${id}/json`, 404, `No such container: ${id}`));
    const container: DockerContainerInspect = {
      Id: c.Id, Name: c.Names[0] ?? '', Created: new Date(c.Created * 1000).toISOString(),
      State: { Status: c.State, Running: c.State === 'running', ExitCode: c.State === 'exited' ? 137 : 0, StartedAt: '', FinishedAt: '2024-01-01T00:00:00Z' },
      Config: { Image: c.Image, Labels: c.Labels },
    };
    return Promise.resolve({ container, raw: JSON.stringify(container) });
  }

  stopContainer(id: string, t: number): Promise<'stopped' | 'not-running'> {
    this.calls.push(`stop ${id} t=${t}`);
    const c = this.containers.get(id);
    if (!c) return Promise.reject(new DockerError('POST', `/containers/${id}/stop`, 404, 'No such container'));
    if (c.State !== 'running') return Promise.resolve('not-running');
    this.containers.set(id, { ...c, State: 'exited', Status: 'Exited (143) now' });
    return Promise.resolve('stopped');
  }

  removeContainer(id: string): Promise<void> {
    this.calls.push(`rm ${id}`);
    const c = this.containers.get(id);
    if (!c) return Promise.reject(new DockerError('DELETE', `/containers/${id}`, 404, 'No such container'));
    if (c.State === 'running') return Promise.reject(new DockerError('DELETE', `/containers/${id}`, 409, 'You cannot remove a running container'));
    this.containers.delete(id);
    return Promise.resolve();
  }
}
