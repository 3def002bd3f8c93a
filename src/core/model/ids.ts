const FULL_ID = /^[0-9a-f]{64}$/;

/** True for a full container/sandbox ID as containerd and CRI-O use them: 64 lowercase hex characters. */
export function isFullId(value: string): boolean {
  return FULL_ID.test(value);
}

/** The 12-character short form that crictl and the UI show. */
export function shortId(value: string): string {
  return value.slice(0, 12);
}
