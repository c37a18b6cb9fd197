// What opening a topic's log found and repaired. Truncation is never silent: the writer returns
// this report and its owner prints or publishes it.
export interface RecoveryReport {
  topicDir: string;
  /** Base offset of the segment that was repaired. */
  segment: number;
  /** Position the segment was cut back to. */
  position: number;
  truncatedBytes: number;
  reason: 'incomplete' | 'corrupt';
  detail: string;
}

export function describeRecovery(r: RecoveryReport): string {
  return `log ${r.topicDir}: cut ${r.truncatedBytes} bytes of a ${r.reason === 'incomplete' ? 'torn' : 'corrupt'} tail `
    + `from segment ${r.segment} at position ${r.position} (${r.detail})`;
}
