// Flows as an RxJS Observable: drains the ring while there is data (yielding to the event loop
// between bursts with setImmediate) and sleeps in epoll_wait when it is empty. A record that does
// not decode is counted, never thrown: one bad sample must not end the stream.
import { Observable } from 'rxjs';
import { decodeFlowEvent, type FlowEvent } from './decode/flowEvent.js';
import type { RingReader } from './ringReader.js';

export interface FlowSourceStats {
  delivered: number;
  undecodable: number;
}

/** Records per burst before yielding, so a flood of flows cannot starve the DNS proxy. */
const BURST = 4096;
const IDLE_WAIT_MS = 100;

export function flowsFrom(reader: RingReader, stats: FlowSourceStats = { delivered: 0, undecodable: 0 }): Observable<FlowEvent> {
  return new Observable<FlowEvent>((subscriber) => {
    let stopped = false;
    const onRecord = (view: DataView, offset: number, length: number) => {
      let event: FlowEvent;
      try {
        event = decodeFlowEvent(view, offset, length);
      } catch {
        stats.undecodable++;
        return;
      }
      stats.delivered++;
      subscriber.next(event);
    };
    const loop = (): void => {
      if (stopped) return;
      let n: number;
      try {
        n = reader.drain(onRecord, BURST);
      } catch (err) {
        subscriber.error(err);
        return;
      }
      if (n > 0 || reader.pending() > 0) {
        setImmediate(loop);
        return;
      }
      reader.wait(IDLE_WAIT_MS).then(loop, (err: unknown) => subscriber.error(err));
    };
    setImmediate(loop);
    return () => {
      stopped = true;
    };
  });
}
