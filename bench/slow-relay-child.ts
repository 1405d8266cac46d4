/**
 * The slow relay in a process of its own (bench/slow-relay.ts `slowRelayProcess`): a relay is
 * another machine, so its hold must not stretch while the process under test is busy. In the
 * same process, a sender's CPU delays the relay's timers, and the sender pays for it twice.
 *
 * IPC: answers `{ port }` once listening; `received` → `{ received }`; `close` → closes and exits.
 */
import { slowRelay } from './slow-relay';

async function main(): Promise<void> {
  const relay = await slowRelay(Number(process.env.BENCH_RELAY_HOLD_MS));
  process.on('message', (msg: unknown) => {
    if (msg === 'received') process.send?.({ received: relay.received });
    else if (msg === 'close') void relay.close().then(() => process.exit(0));
  });
  process.send?.({ port: relay.port });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
