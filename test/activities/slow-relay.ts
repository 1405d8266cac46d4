/** The slow relay lives with the benchmark, which measures fan-out through it too. */
export * from '../../bench/slow-relay';
