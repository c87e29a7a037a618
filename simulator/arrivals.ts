/**
 * When a symbol's quote updates: a clustered arrival process, not Poisson.
 *
 * Real NBBO changes come in clumps: "nearly 40%" of them occur within 1 ms of another (Urvin,
 * https://learn.urvin.finance/content/orders-quotes-and-ticks), and single stocks see bursts of
 * thousands of quotes a second (Nanex, http://www.nanex.net/aqck2/4404.html), so whole seconds of a
 * name run several times hotter than the next.
 * Two mechanisms reproduce that, both pure given the PRNG:
 * - cluster starts are Poisson with a rate switched by a calm/burst regime (exponential sojourns,
 *   bursts 10 % of the time at 5× the calm rate), started from the stationary mix so the first seconds
 *   are not quieter than the rest;
 * - each cluster start adds a geometric number of extra updates 0.25 ms apart on average.
 * Cluster starts are drawn from the previous start, not from the last update, so the clusters never
 * eat into the mean rate: the long-run rate is exactly `ratePerSAt` (a Neyman–Scott cluster process,
 * J. Neyman and E. L. Scott, "Statistical approach to problems of cosmology", JRSS B 20(1), 1958; the
 * calm/burst switch makes the cluster starts a Markov-modulated Poisson process).
 * @see docs/decisions/002-simulator.md
 */
import type { Prng } from './prng.ts';

// P(one more update in the cluster) 0.3 → mean cluster size 1/(1-0.3) ≈ 1.43, so ≈30 % of updates
// follow their predecessor by a sub-millisecond gap; with the short gaps between clusters in a burst,
// about 40 % of a busy name's gaps end under 1 ms (derived; tested in model.test.ts).
const CLUSTER_EXTRA_P = 0.3;
const MEAN_CLUSTER_SIZE = 1 / (1 - CLUSTER_EXTRA_P);
const INTRA_CLUSTER_MEAN_MS = 0.25;
// Assumptions, not measurements: bursts average 1 s, calm spells 9 s, bursts run at 5× the calm rate.
const CALM_MEAN_MS = 9000;
const BURST_MEAN_MS = 1000;
const BURST_RATE_FACTOR = 5;
const BURST_SHARE = BURST_MEAN_MS / (CALM_MEAN_MS + BURST_MEAN_MS);
const MEAN_REGIME_FACTOR = 1 - BURST_SHARE + BURST_SHARE * BURST_RATE_FACTOR;

/** One symbol's arrival process: its PRNG, its start and its long-run rate over time. */
export interface ArrivalOptions {
  rand: Prng;
  /** Epoch ms the process starts. */
  startAt: number;
  /** Long-run mean updates per second at time `t`; may change slowly (over seconds, not ms). */
  ratePerSAt: (t: number) => number;
}

/** The update times of one symbol, consumed in order. */
export interface Arrivals {
  /** Time (epoch ms) of the next update. */
  readonly nextAt: number;
  /** Consume the update at `nextAt` and draw the one after. */
  advance(): void;
  /** Drop pending updates and restart at `at` (a catch-up jump over time nobody watched). */
  restartAt(at: number): void;
}

/** Create the clustered arrival process of one symbol. */
export function createArrivals({ rand, startAt, ratePerSAt }: ArrivalOptions): Arrivals {
  let isBurst = false;
  let regimeEndsAt = 0;
  let clusterLeft = 0;
  let nextIntraAt = Infinity;
  let nextClusterAt = 0;

  function enterStationaryRegime(at: number): void {
    isBurst = rand.next() < BURST_SHARE;
    regimeEndsAt = at + rand.exponential(isBurst ? BURST_MEAN_MS : CALM_MEAN_MS);
  }

  function drawClusterStart(from: number): number {
    let t = from;
    for (;;) {
      // The rate is read at the start of each gap: profiles change over minutes, gaps last milliseconds.
      const clustersPerS = ratePerSAt(t) / (MEAN_CLUSTER_SIZE * MEAN_REGIME_FACTOR);
      const gap = rand.exponential(1000 / (clustersPerS * (isBurst ? BURST_RATE_FACTOR : 1)));
      if (t + gap < regimeEndsAt) return t + gap;
      // Memoryless: restart the draw at the switch, at the new regime's rate.
      t = regimeEndsAt;
      isBurst = !isBurst;
      regimeEndsAt = t + rand.exponential(isBurst ? BURST_MEAN_MS : CALM_MEAN_MS);
    }
  }

  function restartAt(at: number): void {
    clusterLeft = 0;
    nextIntraAt = Infinity;
    if (regimeEndsAt <= at) enterStationaryRegime(at);
    nextClusterAt = drawClusterStart(at);
  }

  enterStationaryRegime(startAt);
  restartAt(startAt);
  return {
    get nextAt() {
      return Math.min(nextClusterAt, nextIntraAt);
    },
    advance() {
      const t = Math.min(nextClusterAt, nextIntraAt);
      if (nextClusterAt <= nextIntraAt) {
        // Overlapping clusters merge: the new one's extras join whatever the last one had left.
        clusterLeft += rand.geometric(CLUSTER_EXTRA_P);
        nextClusterAt = drawClusterStart(t);
      } else {
        clusterLeft -= 1;
      }
      nextIntraAt = clusterLeft > 0 ? t + rand.exponential(INTRA_CLUSTER_MEAN_MS) : Infinity;
    },
    restartAt,
  };
}
