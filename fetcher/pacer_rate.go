package fetcher

import (
	"math"
	"time"
)

// rateLearner paces a vendor that sends no budget at a rate of requests per
// second, spaced evenly.
//
// With a limit stated by the user, the rate is the limit less a margin,
// shared by the processes, from the first request. Otherwise it is learned
// from the throttles, as TCP learns a link's capacity: it starts low and
// doubles every quarter of a second while the pacer is what holds the
// requests back (slow start); the first refusal halves it, and from then on
// it grows by a small step per second and shrinks by a tenth at each
// refusal (additive increase, multiplicative decrease). A vendor's limit is
// then used at about 95%, with one or two refusals for every few hundred
// requests. Refusals that follow one already reacted to, until a request is
// answered again (a window spent until its end), shrink it no further; but
// when the refusals end, the rate is brought down to the best the vendor
// actually served over a stretch at least as long as they lasted (see
// served): a vendor whose window allows a burst (a minute's budget, a
// sliding log, a token bucket) says "slower" only once the burst is spent,
// and the rate that spent it says nothing of what the vendor allows.
type rateLearner struct {
	// perSec is this process's rate.
	perSec float64
	// ceiling is the stated limit's rate for the whole source, less a
	// margin; zero when none is stated.
	ceiling float64
	// learned is set once a refusal, or another process, told the rate.
	learned   bool
	slowStart bool
	// grownAt is when the rate last grew (or could have); decreasedAt when
	// it last shrank: answers to requests sent before that say nothing of
	// the new rate.
	grownAt     time.Time
	decreasedAt time.Time
	// step is how much the rate grows per second once learned; below
	// recoverTo (most of the rate a cut came from) it grows faster, closing
	// most of the gap in a second or two: a cut overshoots, and the rate
	// that was refused is the best guess of the limit.
	step      float64
	recoverTo float64
	// inEpisode is set from a refusal until a request sent after it is
	// answered; probeWait is the wait after the next refusal of the
	// episode.
	inEpisode bool
	probeWait time.Duration
	// episodeStart is when the current episode's first refusal came,
	// lastRefusal its latest; episodeEnd is when the last one ended.
	episodeStart, lastRefusal, episodeEnd time.Time
	// episodeRefusals counts the episode's refusals: probes refused again
	// and again mean a window's budget spent long before its end.
	episodeRefusals int
	// served counts the 2xx answers since the last episode ended.
	served servedLog
	// windowEnd is when the last long episode ended (a window of the
	// vendor's, spent in a burst, reset), halfway between its last refusal
	// and the answer that ended it; period is the time between the last two
	// such ends, when it looks like a window (2 s or more): the next
	// episode's first probe goes when the window should reset, not 100 ms
	// after its first refusal. predicted is set while a probe waits for a
	// predicted reset.
	windowEnd time.Time
	period    time.Duration
	predicted bool
	// rtt is the smoothed round trip of 2xx answers: slow start doubles
	// no faster than every other round trip, so that a refusal is heard of
	// before the rate has run far past the limit.
	rtt time.Duration
	// next is when the next request may start.
	next time.Time
}

// Rate learning tunables.
const (
	initialRate       = 10.0                   // requests per second at the start of a slow start
	doublingPeriod    = 250 * time.Millisecond // slow start doubles the rate this often…
	slowStartInflight = 8.0                    // …while fewer requests than this are in flight
	cautiousGrowth    = 1.25                   // and then grows this much per second
	decreaseFactor    = 0.9                    // a refusal's cut, once learned
	slowStartCut      = 0.5                    // the first refusal's cut
	quickCut          = 0.7                    // the cut of a refusal soon after the last episode
	quickRefusal      = time.Second            // how soon that is
	recoverShare      = 0.95                   // of the refused rate, what a cut recovers quickly
	recoveryTime      = time.Second            // the time constant of that recovery
	longEpisode       = 3                      // refusals in an episode (or a second of them) that say a burst was spent
	minPeriod         = 2 * time.Second        // the shortest window whose resets are predicted
	stepShare         = 0.01                   // growth per second, as a share of the rate after a cut
	minRate           = 0.2                    // requests per second: a probe every 5 s at least
	maxRate           = 10000.0                // requests per second: beyond any help desk's limit
	maxGrowthPeriod   = time.Second            // the most growth one answer can claim after a lull
)

// statedMargin is the share of a stated limit left unused: the vendor's
// windows and ours do not start at the same instant, and a request's
// arrival is not its departure. It is a request of each window, but never
// more than half the limit: a limit of one request a window would leave
// nothing to pace.
func statedMargin(l RateLimit) float64 {
	return min(max(0.02, 1/float64(l.Requests)), 0.5)
}

func (r *rateLearner) init(limit RateLimit, now time.Time) {
	r.perSec, r.slowStart, r.grownAt = initialRate, true, now
	if !limit.IsZero() {
		r.ceiling = float64(limit.Requests) / limit.Window.Seconds() * (1 - statedMargin(limit))
		r.perSec, r.slowStart, r.learned = r.ceiling, false, true
		r.step = r.perSec * stepShare
	}
}

// slot returns when the next request may start.
func (r *rateLearner) slot(now time.Time, peers int) time.Time {
	r.capToCeiling(peers)
	return maxTime(now, r.next)
}

// claimed moves the next slot one interval on. A request that starts a
// little late (its waiter woke late) is made up for, by a tenth of an
// interval at most: the rate is an average, not a burst allowance.
func (r *rateLearner) claimed(now time.Time, peers int) {
	r.capToCeiling(peers)
	interval := time.Duration(float64(time.Second) / r.perSec)
	r.next = maxTime(r.next, now.Add(-interval/10)).Add(interval)
}

// capToCeiling keeps this process's rate within its share of a stated
// limit.
func (r *rateLearner) capToCeiling(peers int) {
	if r.ceiling > 0 {
		r.perSec = min(r.perSec, r.ceiling/float64(max(peers, 1)))
	}
}

// answered learns from a 2xx answer to a request sent at sentAt. waited
// says the request waited for its slot: only then was the rate what held
// the requests back, and only then may it grow.
func (r *rateLearner) answered(now, sentAt time.Time, waited bool) {
	r.served.add(now)
	if rtt := now.Sub(sentAt); r.rtt == 0 {
		r.rtt = rtt
	} else {
		r.rtt += (rtt - r.rtt) / 8
	}
	if sentAt.Before(r.decreasedAt) {
		return // sent at the old rate
	}
	if r.inEpisode {
		r.endEpisode(now)
	}
	dt := min(now.Sub(r.grownAt), maxGrowthPeriod)
	r.grownAt = now
	if !waited || dt <= 0 {
		return
	}
	switch {
	case r.slowStart && r.perSec*r.rtt.Seconds() < slowStartInflight:
		r.perSec *= math.Exp2(dt.Seconds() / max(doublingPeriod, 2*r.rtt).Seconds())
	case r.slowStart:
		// Many requests in flight: a refusal would be heard of only after
		// as many more were sent. Grow by a quarter per second instead.
		r.perSec *= math.Exp(dt.Seconds() * math.Log(cautiousGrowth))
	case r.perSec < r.recoverTo:
		gap := r.recoverTo - r.perSec
		r.perSec += gap*(1-math.Exp(-dt.Seconds()/recoveryTime.Seconds())) + r.step*dt.Seconds()
	default:
		r.perSec += r.step * dt.Seconds()
	}
	r.perSec = min(r.perSec, maxRate)
	if r.ceiling > 0 {
		r.perSec = min(r.perSec, r.ceiling)
	}
}

// refused learns from a refusal. The rate shrinks once per episode:
// refusals that follow until a request is answered again (a window spent
// until its end) say nothing new. A vendor that tells its budget is paced
// by it, not by a rate.
func (r *rateLearner) refused(now time.Time, budgeted bool) {
	r.lastRefusal = now
	r.episodeRefusals++
	if r.inEpisode {
		return
	}
	r.inEpisode, r.episodeStart, r.episodeRefusals = true, now, 1
	if budgeted {
		return
	}
	cut := decreaseFactor
	switch {
	case r.slowStart:
		cut = slowStartCut
	case now.Sub(r.episodeEnd) < quickRefusal:
		// Refused again right after the last refusals ended: the rate
		// is still far too high.
		cut = quickCut
	}
	refusedAt := r.perSec
	r.perSec = max(r.perSec*cut, minRate)
	if r.slowStart {
		// The slow start ran past the limit by up to twice: what the vendor
		// served over the last second is the better guess, if lower.
		if served := float64(r.served.count(now, time.Second)); served >= 1 {
			r.perSec = max(min(r.perSec, served), minRate)
		}
	}
	r.recoverTo = refusedAt * recoverShare
	if r.slowStart {
		r.recoverTo = r.perSec // the slow start overshot: nothing to recover
	}
	r.slowStart, r.learned = false, true
	r.step = r.perSec * stepShare
	r.decreasedAt, r.grownAt = now, now
}

// endEpisode ends a run of refusals at now, with a request answered again.
// After a long one (probes refused again and again, or a wait for the next
// window), the rate comes down to the best the vendor served over any stretch ending
// now at least as long as the refusals lasted (and at least a second): such
// a stretch spans a whole window of a vendor's that allows bursts, so what
// it served is what the vendor allows, burst or not. The window ended
// somewhere between the last refusal and now: the rate recovers quickly to
// what it would be had the window ended halfway.
func (r *rateLearner) endEpisode(now time.Time) {
	predicted := r.predicted
	r.inEpisode, r.probeWait, r.predicted, r.episodeEnd = false, 0, false, now
	defer r.served.reset(now)
	if r.episodeRefusals < longEpisode && now.Sub(r.episodeStart) < time.Second {
		return // the rate was little too high: the cut is enough
	}
	if predicted {
		r.learnWindow(now) // the reset came when predicted
	} else {
		r.learnWindow(r.lastRefusal.Add(now.Sub(r.lastRefusal) / 2))
	}
	// A stretch must hold enough answers to tell a rate: 20 at least.
	minSpan := max(now.Sub(r.episodeStart), time.Second, time.Duration(20/r.perSec*float64(time.Second)))
	served, span, ok := r.served.bestRate(now, minSpan)
	if ok && served < r.perSec {
		r.perSec = max(served, minRate)
		r.step = r.perSec * stepShare
		slack := now.Sub(r.lastRefusal) / 2
		r.recoverTo = max(r.perSec, served*span.Seconds()/(span-slack).Seconds())
	}
}

// learnWindow records that a window of the vendor's reset at end.
func (r *rateLearner) learnWindow(end time.Time) {
	if !r.windowEnd.IsZero() {
		if p := end.Sub(r.windowEnd); p >= minPeriod {
			r.period = p
		} else {
			r.period = 0
		}
	}
	r.windowEnd = end
}

// nextProbeWait returns the wait before probing again after a refusal that
// said nothing of how long to wait. The first refusal of an episode, when
// the vendor's windows have shown a period, waits until the next window
// should reset; otherwise, and when that prediction fails, the probes go
// after 100 ms, then twice as long each time up to maxWait.
func (r *rateLearner) nextProbeWait(now time.Time, maxWait time.Duration) time.Duration {
	if r.episodeRefusals == 1 && r.period > 0 {
		next := r.windowEnd.Add(r.period * (now.Sub(r.windowEnd)/r.period + 1))
		if wait := next.Sub(now); wait > 0 && wait <= r.period {
			r.predicted = true
			return wait
		}
	}
	if r.predicted && r.episodeRefusals == 2 {
		r.period = 0 // the reset came not when predicted: learn it again
	}
	r.probeWait = min(max(2*r.probeWait, firstProbeWait), maxWait)
	return r.probeWait
}

// adopt starts from a rate another process learned.
func (r *rateLearner) adopt(perSec float64, now time.Time) {
	if perSec <= 0 || (r.learned && perSec >= r.perSec) {
		return
	}
	r.perSec = max(perSec, minRate)
	if r.ceiling > 0 {
		r.perSec = min(r.perSec, r.ceiling)
	}
	r.slowStart, r.learned = false, true
	r.step, r.recoverTo = r.perSec*stepShare, r.perSec
	r.decreasedAt, r.grownAt = now, now
}

// servedLog counts answers in buckets of servedBucket since start, so that
// the best rate over any stretch ending now can be told.
type servedLog struct {
	start  time.Time
	counts []int
}

const (
	servedBucket = 100 * time.Millisecond
	// maxServedBuckets bounds the log to ten minutes: older buckets go.
	maxServedBuckets = 6000
)

func (l *servedLog) reset(now time.Time) {
	l.start, l.counts = now, l.counts[:0]
}

func (l *servedLog) add(now time.Time) {
	if l.start.IsZero() || now.Before(l.start) {
		l.reset(now)
	}
	i := int(now.Sub(l.start) / servedBucket)
	switch drop := i - maxServedBuckets + 1; {
	case drop >= len(l.counts) && drop > 0:
		// After a lull longer than the log, none of it is left.
		l.reset(now)
		i = 0
	case drop > 0:
		l.counts = append(l.counts[:0], l.counts[drop:]...)
		l.start = l.start.Add(time.Duration(drop) * servedBucket)
		i -= drop
	}
	for len(l.counts) <= i {
		l.counts = append(l.counts, 0)
	}
	l.counts[i]++
}

// count returns how many answers came in the last d (to a bucket).
func (l *servedLog) count(now time.Time, d time.Duration) int {
	n := 0
	for i := len(l.counts) - 1; i >= 0; i-- {
		if now.Sub(l.start.Add(time.Duration(i)*servedBucket)) > d {
			break
		}
		n += l.counts[i]
	}
	return n
}

// bestRate returns the highest rate served over a stretch from a bucket's
// start to now that is at least minSpan long, with that stretch's length;
// false when the log is shorter than minSpan.
func (l *servedLog) bestRate(now time.Time, minSpan time.Duration) (rate float64, span time.Duration, ok bool) {
	total := 0
	for i := len(l.counts) - 1; i >= 0; i-- {
		total += l.counts[i]
		d := now.Sub(l.start.Add(time.Duration(i) * servedBucket))
		if d < minSpan {
			continue
		}
		if r := float64(total) / d.Seconds(); !ok || r > rate {
			rate, span, ok = r, d, true
		}
	}
	return rate, span, ok
}
